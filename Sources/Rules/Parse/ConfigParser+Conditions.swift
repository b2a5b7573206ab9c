extension ConfigParser {
    static let operators = ["eq", "in", "prefix", "suffix", "contains", "regex", "range", "cidr", "exists",
                            "gt", "lt", "ge", "le"]
    static let combinators = ["all", "any", "not"]

    /// A `when` mapping: keys ANDed; `all`/`any` take a list of such mappings, `not` one mapping.
    mutating func parseWhen(_ node: YAMLNode) -> Condition? {
        guard case .mapping(let pairs) = node.kind else {
            error(node.mark, "expected a mapping of field conditions for 'when', found \(node.kindName)")
            return nil
        }
        var parts: [Condition] = []
        var failed = false
        for pair in pairs {
            guard let name = pair.key.scalar else { error(pair.key.mark, "keys must be plain names"); failed = true; continue }
            var condition: Condition?
            switch name {
            case "all", "any":
                var inner: [Condition] = []
                let list = items(pair.value)
                if list.isEmpty { error(pair.value.mark, "'\(name)' needs at least one condition") }
                for item in list {
                    if let c = parseWhen(item) { inner.append(c) } else { failed = true }
                }
                condition = name == "all" ? .all(inner) : .any(inner)
            case "not":
                condition = parseWhen(pair.value).map { .not($0) }
            default:
                switch FieldCatalogue.field(named: name) {
                case .success(let field):
                    condition = parseFieldCondition(field, name: name, pair.value)
                case .failure(.unknown):
                    error(pair.key.mark, "unknown field '\(name)'" + Suggest.didYouMean(name, FieldCatalogue.names + Self.combinators))
                case .failure(.badChunk(let why)):
                    error(pair.key.mark, "invalid chunk field '\(name)': \(why)")
                case .failure(.badHeader):
                    error(pair.key.mark, "invalid header field '\(name)': sip.header.<Name> needs a header name")
                }
            }
            if let condition { parts.append(condition) } else { failed = true }
        }
        return failed ? nil : Condition.conjunction(parts)
    }

    /// `field: value`, `field: [a, b]` (any of) or `field: { operator: value, ... }` (operators ANDed).
    mutating func parseFieldCondition(_ field: Field, name: String, _ node: YAMLNode) -> Condition? {
        switch node.kind {
        case .scalar, .sequence:
            if node.isNull { error(node.mark, "missing value for '\(name)' (use { exists: false } to test absence)"); return nil }
            return equality(field, name: name, values: items(node)).map { .test(FieldTest(field: field, op: $0)) }
        case .mapping(let pairs):
            var tests: [Condition] = []
            var failed = false
            for pair in pairs {
                guard let op = pair.key.scalar, Self.operators.contains(op) else {
                    error(pair.key.mark, "unknown operator '\(pair.key.scalar ?? "?")'" + Suggest.didYouMean(pair.key.scalar ?? "", Self.operators))
                    failed = true
                    continue
                }
                if let t = parseOperator(op, field: field, name: name, pair.value) {
                    tests.append(.test(FieldTest(field: field, op: t)))
                } else {
                    failed = true
                }
            }
            if pairs.isEmpty { error(node.mark, "empty operator mapping for '\(name)'"); return nil }
            return failed ? nil : Condition.conjunction(tests)
        }
    }

    mutating func parseOperator(_ op: String, field: Field, name: String, _ node: YAMLNode) -> TestOperator? {
        func requireKind(_ kind: Field.Kind, _ what: String) -> Bool {
            if field.kind == kind { return true }
            error(node.mark, "operator '\(op)' needs \(what) field; '\(name)' is \(Self.kindName(field.kind))")
            return false
        }
        switch op {
        case "eq":
            return equality(field, name: name, values: items(node))
        case "in":
            if case .scalar(let listName, _) = node.kind, !node.isNull {
                guard var list = lists[listName] else {
                    error(node.mark, "unknown list '\(listName)'" + Suggest.didYouMean(listName, Array(lists.keys)))
                    return nil
                }
                list.used = true
                lists[listName] = list
                return equality(field, name: name, values: items(list.node))
            }
            return equality(field, name: name, values: items(node))
        case "prefix", "suffix", "contains":
            guard requireKind(.text, "a text") else { return nil }
            var values: [[UInt8]] = []
            for item in items(node) { if let s = string(item, "'\(op)'") { values.append(Array(s.utf8)) } }
            if values.isEmpty { return nil }
            return op == "prefix" ? .prefix(values) : op == "suffix" ? .suffix(values) : .contains(values)
        case "regex":
            guard requireKind(.text, "a text"), let pattern = string(node, "'regex'") else { return nil }
            do {
                return .regex(try RuleRegex(pattern: pattern))
            } catch {
                self.error(node.mark, "invalid regex '\(pattern)': \(error)")
                return nil
            }
        case "range":
            guard requireKind(.integer, "an integer") else { return nil }
            return equality(field, name: name, values: items(node))
        case "cidr":
            guard requireKind(.ip, "an address") else { return nil }
            return equality(field, name: name, values: items(node))
        case "exists":
            return bool(node, "'exists'").map { .exists($0) }
        default: // gt lt ge le
            guard requireKind(.integer, "an integer"), let text = string(node, "'\(op)'") else { return nil }
            guard let value = Int(text) ?? FieldSymbols.symbol(text, for: field) else {
                error(node.mark, "expected an integer for '\(op)', found '\(text)'")
                return nil
            }
            switch op {
            case "gt": return .greater(value)
            case "lt": return .less(value)
            case "ge": return value == Int.min ? .exists(true) : .greater(value - 1)
            default: return value == Int.max ? .exists(true) : .less(value + 1)
            }
        }
    }

    static func kindName(_ kind: Field.Kind) -> String {
        switch kind {
        case .text: return "a text field"
        case .integer: return "an integer field"
        case .ip: return "an address field"
        }
    }

    /// Equality with any of `values`, typed by the field's kind.
    mutating func equality(_ field: Field, name: String, values: [YAMLNode]) -> TestOperator? {
        if values.isEmpty { return .equals([]) }
        var failed = false
        switch field.kind {
        case .text:
            var out: [[UInt8]] = []
            for v in values { if let s = string(v, "'\(name)'") { out.append(Array(s.utf8)) } else { failed = true } }
            return failed ? nil : .equals(out)
        case .integer:
            var out: [ClosedRange<Int>] = []
            for v in values { if let r = integerValue(field, name: name, v) { out.append(r) } else { failed = true } }
            return failed ? nil : .inRanges(out)
        case .ip:
            var out: [CIDR] = []
            for v in values {
                guard let text = string(v, "'\(name)'") else { failed = true; continue }
                if let c = CIDR(text) { out.append(c) } else {
                    error(v.mark, text.contains("/") ? "invalid CIDR '\(text)'" : "invalid IP address '\(text)'")
                    failed = true
                }
            }
            return failed ? nil : .inNetworks(out)
        }
    }

    static func isPort(_ field: Field) -> Bool {
        switch field {
        case .srcPort, .dstPort, .netSrcPort, .netDstPort: return true
        default: return false
        }
    }

    /// An integer, a symbol (RTCP, AF_INET, true) or a range `LOW-HIGH`.
    mutating func integerValue(_ field: Field, name: String, _ node: YAMLNode) -> ClosedRange<Int>? {
        guard let text = string(node, "'\(name)'") else { return nil }
        if Self.isPort(field) {
            if let r = PortText.range(text) { return Int(r.lowerBound)...Int(r.upperBound) }
            error(node.mark, (text.contains("-") ? "invalid port range" : "invalid port") + " '\(text)' (ports are 0...65535, ranges LOW-HIGH)")
            return nil
        }
        if let v = Int(text) ?? FieldSymbols.symbol(text, for: field) { return v...v }
        let parts = text.split(separator: "-", maxSplits: 1)
        if parts.count == 2, let a = Int(parts[0].trimmingSpaces), let b = Int(parts[1].trimmingSpaces) {
            if a <= b { return a...b }
            error(node.mark, "invalid range '\(text)' (LOW must not exceed HIGH)")
            return nil
        }
        switch field {
        case .hepProtoType:
            error(node.mark, "unknown proto type '\(text)'" + Suggest.didYouMean(text, FieldSymbols.protoTypeNames))
        case .family, .netProtoFamily:
            error(node.mark, "unknown family '\(text)' (2, 10, AF_INET, AF_INET6)")
        default:
            error(node.mark, "expected an integer for '\(name)', found '\(text)'")
        }
        return nil
    }
}
