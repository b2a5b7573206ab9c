import HEP
import Tables

extension ConfigParser {
    static let actionNames = ["capture", "report", "set", "del", "relay", "drop", "stop", "route", "resume_sip", "dedup"]


    mutating func parseActions(_ node: YAMLNode, route: Int) -> [RuleAction]? {
        var actions: [RuleAction] = []
        var failed = false
        let list = items(node)
        if node.isNull || list.isEmpty { error(node.mark, "'do' needs at least one action"); return nil }
        for item in list {
            if let a = parseAction(item, route: route) { actions.append(a) } else { failed = true }
        }
        return failed ? nil : actions
    }

    mutating func parseAction(_ node: YAMLNode, route: Int) -> RuleAction? {
        let name: String
        let argument: YAMLNode?
        let nameMark: SourceMark
        switch node.kind {
        case .scalar(let text, _):
            name = text
            argument = nil
            nameMark = node.mark
        case .mapping(let pairs):
            guard pairs.count == 1, let text = pairs[0].key.scalar else {
                error(node.mark, "an action is a name or a mapping with exactly one action name")
                return nil
            }
            name = text
            argument = pairs[0].value.isNull ? nil : pairs[0].value
            nameMark = pairs[0].key.mark
        case .sequence:
            error(node.mark, "an action is a name or a mapping with exactly one action name, found a list")
            return nil
        }
        switch name {
        case "drop", "stop", "resume_sip":
            if let argument { error(argument.mark, "'\(name)' takes no argument"); return nil }
            return name == "drop" ? .drop : name == "stop" ? .stop : .resumeSIP
        case "capture":
            return parseCapture(argument)
        case "report":
            return parseReport(argument)
        case "set":
            guard let argument else { error(nameMark, "'set' needs { chunk: ..., value: ... }"); return nil }
            return parseSet(argument).map { .setChunk($0) }
        case "del":
            guard let argument else { error(nameMark, "'del' needs a chunk name or id"); return nil }
            return parseDel(argument).map { .deleteChunk($0) }
        case "relay":
            guard let argument else { error(nameMark, "'relay' needs a target name or URL"); return nil }
            if case .scalar(let text, _) = argument.kind, !text.contains("://") {
                if let group = relayGroups[text] { return .relayGroup(group) }
                guard let target = relayTargets[text] else {
                    let names = (Array(relayTargets.keys) + Array(relayGroups.keys)).sorted()
                    error(argument.mark, "unknown relay target '\(text)'" + Suggest.didYouMean(text, names))
                    return nil
                }
                return .relay(target)
            }
            return relayTarget(argument, name: nil).map { .relay($0) }
        case "route":
            guard let argument, let target = string(argument, "'route'") else {
                if argument == nil { error(nameMark, "'route' needs a route name") }
                return nil
            }
            guard let index = routeDefs.firstIndex(where: { $0.name == target }) else {
                error(argument.mark, "unknown route '\(target)'" + Suggest.didYouMean(target, routeDefs.map(\.name)))
                return nil
            }
            calls.append((route, index, argument.mark))
            return .route(index)
        case "dedup":
            var windowNode = argument
            if let argument, case .mapping = argument.kind {
                guard let f = fields(argument, allowed: ["window"], context: "dedup") else { return nil }
                windowNode = f["window"]?.value
            }
            guard let windowNode else { return .dedup(windowMilliseconds: 2000) }
            guard let text = string(windowNode, "dedup window"), let ms = Durations.milliseconds(text), ms > 0, ms <= 3_600_000 else {
                error(windowNode.mark, "invalid dedup window \(windowNode.scalar.map { "'\($0)'" } ?? "") (e.g. 500ms, 2s, 1m; at most 1h)")
                return nil
            }
            return .dedup(windowMilliseconds: ms)
        default:
            error(nameMark, "unknown action '\(name)'" + Suggest.didYouMean(name, Self.actionNames))
            return nil
        }
    }

    mutating func parseCapture(_ argument: YAMLNode?) -> RuleAction? {
        var action = CaptureAction()
        guard let argument else { return .capture(action) }
        guard let f = fields(argument, allowed: ["table", "custom_field1", "custom_field2", "custom_field3"],
                             context: "capture") else { return nil }
        var failed = false
        if let p = f["table"] { action.table = tableTemplate(p.value, "capture.table"); failed = failed || action.table == nil }
        if let p = f["custom_field1"] { action.customField1 = template(p.value); failed = failed || action.customField1 == nil }
        if let p = f["custom_field2"] { action.customField2 = template(p.value); failed = failed || action.customField2 == nil }
        if let p = f["custom_field3"] { action.customField3 = template(p.value); failed = failed || action.customField3 == nil }
        return failed ? nil : .capture(action)
    }

    mutating func parseReport(_ argument: YAMLNode?) -> RuleAction? {
        var action = ReportAction(correlationID: Template(segments: [.field(.hepCorrelationID)], source: "${hep.correlation_id}"),
                                  table: nil, protoType: nil)
        guard let argument else { return .report(action) }
        guard let f = fields(argument, allowed: ["correlation_id", "table", "proto_type"], context: "report") else { return nil }
        var failed = false
        if let p = f["correlation_id"] {
            if let t = template(p.value) { action.correlationID = t } else { failed = true }
        }
        if let p = f["table"] { action.table = tableTemplate(p.value, "report.table"); failed = failed || action.table == nil }
        if let p = f["proto_type"] {
            if let r = integerValue(.hepProtoType, name: "report.proto_type", p.value), r.lowerBound == r.upperBound,
               (0...255).contains(r.lowerBound) {
                action.protoType = r.lowerBound
            } else {
                if p.value.scalar.flatMap({ Int($0) }) != nil { error(p.value.mark, "report.proto_type must be 0...255") }
                failed = true
            }
        }
        return failed ? nil : .report(action)
    }

    /// A chunk id: a name of `chunkNames`, decimal or 0x hex, 1...0xffff.
    mutating func chunkID(_ node: YAMLNode) -> UInt16? {
        guard let text = string(node, "chunk") else { return nil }
        if let id = HEPChunkType.type(named: text) { return id }
        if text.first?.isNumber == true || text.hasPrefix("0x") {
            error(node.mark, "invalid chunk id '\(text)' (1...0xffff, decimal or 0x hex)")
        } else {
            error(node.mark, "unknown chunk '\(text)'" + Suggest.didYouMean(text.lowercased(), HEPChunkType.names.map(\.name)))
        }
        return nil
    }

    mutating func vendor(_ node: YAMLNode) -> UInt16? {
        guard let text = string(node, "vendor"), let v = FieldCatalogue.parseChunkNumber(Substring(text)) else {
            if node.scalar != nil { error(node.mark, "invalid vendor '\(node.scalar ?? "")' (0...0xffff, decimal or 0x hex)") }
            return nil
        }
        return v
    }

    mutating func parseDel(_ node: YAMLNode) -> ChunkRef? {
        var chunkNode = node
        var vendorValue: UInt16?
        if case .mapping = node.kind {
            guard let f = fields(node, allowed: ["chunk", "vendor"], context: "del") else { return nil }
            guard let c = f["chunk"] else { error(node.mark, "'del' needs 'chunk'"); return nil }
            chunkNode = c.value
            if let p = f["vendor"] { guard let v = vendor(p.value) else { return nil }; vendorValue = v }
        }
        guard let id = chunkID(chunkNode) else { return nil }
        if HEPChunkType.isReadOnly(id) {
            error(chunkNode.mark, id == 0x01 ? "chunk proto_family cannot be changed (it follows the addresses)"
                                             : "timestamp chunks cannot be changed (OpenSIPS refuses them too)")
            return nil
        }
        return ChunkRef(type: id, vendor: vendorValue)
    }

    mutating func parseSet(_ node: YAMLNode) -> ChunkEdit? {
        guard let f = fields(node, allowed: ["chunk", "value", "type", "vendor"], context: "set") else { return nil }
        guard let chunkPair = f["chunk"] else { error(node.mark, "'set' needs 'chunk'"); return nil }
        guard let valuePair = f["value"] else { error(node.mark, "'set' needs 'value'"); return nil }
        guard var id = chunkID(chunkPair.value) else { return nil }
        var vendorValue: UInt16 = 0
        if let p = f["vendor"] { guard let v = vendor(p.value) else { return nil }; vendorValue = v }
        var declared: ChunkDataType?
        if let p = f["type"] {
            guard let text = string(p.value, "set.type") else { return nil }
            let aliases: [String: ChunkDataType] = ["utf8-string": .utf8, "octet-string": .octet, "inet4-addr": .inet4,
                                                    "inet6-addr": .inet6]
            guard let t = ChunkDataType(rawValue: text) ?? aliases[text] else {
                error(p.value.mark, "unknown data type '\(text)' (uint8, uint16, uint32, inet4, inet6, utf8, octet)"
                      + Suggest.didYouMean(text, ChunkDataType.allCases.map(\.rawValue)))
                return nil
            }
            declared = t
        }
        let valueNode = valuePair.value
        let builtIn = HEPChunkType.isBuiltIn(id)
        if builtIn && vendorValue != 0 {
            error(f["vendor"]?.value.mark ?? node.mark, "vendor applies only to chunks other than the built-in 0x0001...0x000c, 0x000f, 0x0010")
            return nil
        }
        func fixedType(_ t: ChunkDataType...) -> Bool {
            if let declared, !t.contains(declared) {
                error(f["type"]?.value.mark ?? node.mark, "chunk \(FieldCatalogue.hex(id)) has data type \(t[0].rawValue), not \(declared.rawValue)")
                return false
            }
            return true
        }
        guard let text = string(valueNode, "set.value") else { return nil }
        var value: ChunkEdit.Value
        switch id {
        case 0x01:
            error(chunkPair.value.mark, "chunk proto_family cannot be set (it follows the addresses)")
            return nil
        case 0x09, 0x0A:
            error(chunkPair.value.mark, "timestamp chunks cannot be set (OpenSIPS refuses them too)")
            return nil
        case 0x02:
            guard fixedType(.uint8) else { return nil }
            guard let p = HEPTransport.ipProtocol(named: text) ?? UInt8(text) else {
                error(valueNode.mark, "invalid proto_id '\(text)' (UDP, TCP, TLS, SCTP, WS or 0...255)")
                return nil
            }
            value = .uint8(p)
        case 0x03, 0x04, 0x05, 0x06:
            guard fixedType(.inet4, .inet6), let ip = IPAddress(text) else {
                if f["type"] == nil || declared == .inet4 || declared == .inet6 { error(valueNode.mark, "invalid IP address '\(text)'") }
                return nil
            }
            let source = id == 0x03 || id == 0x05
            id = ip.isIPv6 ? (source ? 0x05 : 0x06) : (source ? 0x03 : 0x04)
            value = ip.isIPv6 ? .inet6(ip) : .inet4(ip)
        case 0x07, 0x08:
            guard fixedType(.uint16) else { return nil }
            guard let p = Endpoint.port(Substring(text)) else { error(valueNode.mark, "invalid port '\(text)'"); return nil }
            value = .uint16(p)
        case 0x0B:
            guard fixedType(.uint8) else { return nil }
            guard let p = FieldSymbols.protoType(text) ?? Int(text), (0...255).contains(p) else {
                error(valueNode.mark, "unknown proto type '\(text)'" + Suggest.didYouMean(text.uppercased(), FieldSymbols.protoTypeNames))
                return nil
            }
            value = .uint8(UInt8(p))
        case 0x0C:
            guard fixedType(.uint32) else { return nil }
            guard let v = UInt32(text) else { error(valueNode.mark, "invalid capture id '\(text)' (0...4294967295)"); return nil }
            value = .uint32(v)
        case 0x0F, 0x10:
            guard fixedType(.octet, .utf8), let t = template(valueNode) else { return nil }
            value = .octet(t)
        default:
            switch declared ?? .utf8 {
            case .uint8:
                guard let v = UInt8(text) else { error(valueNode.mark, "invalid uint8 '\(text)' (0...255)"); return nil }
                value = .uint8(v)
            case .uint16:
                guard let v = UInt16(text) else { error(valueNode.mark, "invalid uint16 '\(text)' (0...65535)"); return nil }
                value = .uint16(v)
            case .uint32:
                guard let v = UInt32(text) else { error(valueNode.mark, "invalid uint32 '\(text)'"); return nil }
                value = .uint32(v)
            case .inet4:
                guard let ip = IPAddress(text), !ip.isIPv6 else { error(valueNode.mark, "invalid IPv4 address '\(text)'"); return nil }
                value = .inet4(ip)
            case .inet6:
                guard let ip = IPAddress(text), ip.isIPv6 else { error(valueNode.mark, "invalid IPv6 address '\(text)'"); return nil }
                value = .inet6(ip)
            case .utf8:
                guard let t = template(valueNode) else { return nil }
                value = .utf8(t)
            case .octet:
                guard let t = template(valueNode) else { return nil }
                value = .octet(t)
            }
        }
        return ChunkEdit(type: id, vendor: vendorValue, value: value)
    }

    /// Splits `${field}` references; unknown fields are reported at their column.
    mutating func template(_ node: YAMLNode) -> Template? {
        guard let text = string(node, "template") else { return nil }
        let quoted: Bool
        if case .scalar(_, let plain) = node.kind { quoted = !plain } else { quoted = false }
        var segments: [Template.Segment] = []
        var literal: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        var failed = false
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "$") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "{") {
                let column = node.mark.column + (quoted ? 1 : 0) + String(decoding: bytes[0..<i], as: UTF8.self).count
                let mark = SourceMark(file: node.mark.file, line: node.mark.line, column: column)
                guard let close = bytes[(i + 2)...].firstIndex(of: UInt8(ascii: "}")) else {
                    error(mark, "unterminated ${ in template")
                    return nil
                }
                let name = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
                switch FieldCatalogue.field(named: name) {
                case .success(let field):
                    if !literal.isEmpty { segments.append(.literal(literal)); literal = [] }
                    segments.append(.field(field))
                case .failure(.unknown):
                    error(mark, "unknown field '\(name)' in template" + Suggest.didYouMean(name, FieldCatalogue.names))
                    failed = true
                case .failure(.badChunk(let why)):
                    error(mark, "invalid chunk field '\(name)' in template: \(why)")
                    failed = true
                case .failure(.badHeader):
                    error(mark, "invalid header field '\(name)' in template")
                    failed = true
                }
                i = close + 1
            } else {
                literal.append(bytes[i])
                i += 1
            }
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return failed ? nil : Template(segments: segments, source: text)
    }
}

enum Durations {
    /// `500ms`, `2s`, `1m`, or a bare number of milliseconds.
    static func milliseconds(_ text: String) -> Int? {
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), number.count <= 9,
                  let n = Int(number) else { return nil }
            return n * factor
        }
        guard text.count <= 9, let n = Int(text), n >= 0 else { return nil }
        return n
    }
}
