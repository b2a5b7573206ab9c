import HEP

/// Field names as written in rules and templates.
public enum FieldCatalogue {
    static let fixed: [String: Field] = {
        var table: [String: Field] = [
            "src_ip": .srcIP, "dst_ip": .dstIP, "src_port": .srcPort, "dst_port": .dstPort,
            "transport": .transport, "family": .family, "time": .time,
            "hep.version": .hepVersion, "hep.proto_type": .hepProtoType, "hep.capture_id": .hepCaptureID,
            "hep.auth_key": .hepAuthKey, "hep.correlation_id": .hepCorrelationID, "hep.node_name": .hepNodeName,
            "hep.payload": .hepPayload,
            "net.src_ip": .netSrcIP, "net.dst_ip": .netDstIP, "net.src_port": .netSrcPort,
            "net.dst_port": .netDstPort, "net.proto_family": .netProtoFamily, "net.proto_id": .netProtoID,
            "sip.method": .sipMethod, "sip.status": .sipStatus, "sip.reason": .sipReason,
            "sip.is_request": .sipIsRequest, "sip.ruri": .sipRURI, "sip.ruri_user": .sipRURIUser,
            "sip.ruri_domain": .sipRURIDomain, "sip.from_user": .sipFromUser, "sip.from_domain": .sipFromDomain,
            "sip.from_tag": .sipFromTag, "sip.to_user": .sipToUser, "sip.to_domain": .sipToDomain,
            "sip.to_tag": .sipToTag, "sip.call_id": .sipCallID, "sip.cseq": .sipCSeq,
            "sip.cseq_method": .sipCSeqMethod, "sip.user_agent": .sipUserAgent,
            "sip.contact_user": .sipContactUser, "sip.pid_user": .sipPIDUser, "sip.via_branch": .sipViaBranch,
            "sip.content_type": .sipContentType, "sip.body": .sipBody,
        ]
        for name in ["src_ip", "dst_ip", "src_port", "dst_port", "transport", "family", "time"] {
            table["packet." + name] = table[name]
        }
        return table
    }()

    /// Every fixed name, for "did you mean" suggestions and the docs.
    public static var names: [String] { fixed.keys.sorted() + ["sip.header.<Name>", "hep.chunk.0xNNNN[@vendor]"] }

    public enum LookupError: Error, Equatable { case unknown(String), badChunk(String), badHeader }

    public static func field(named name: String) -> Result<Field, LookupError> {
        if let field = fixed[name] { return .success(field) }
        if name.hasPrefix("sip.header.") {
            let header = name.dropFirst("sip.header.".count)
            guard !header.isEmpty, header.utf8.allSatisfy(isTokenByte) else { return .failure(.badHeader) }
            return .success(.sipHeader(HeaderName(String(header))))
        }
        if name.hasPrefix("hep.chunk.") {
            let spec = name.dropFirst("hep.chunk.".count)
            let parts = spec.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            guard let type = parseChunkNumber(parts[0]) ?? HEPChunkType.type(named: String(parts[0])), type != 0 else {
                return .failure(.badChunk("chunk must be a name (correlation_id, node_name, ...) or an id 1...0xffff, decimal or 0x hex"))
            }
            var vendor: UInt16?
            if parts.count == 2 {
                guard let v = parseChunkNumber(parts[1]) else {
                    return .failure(.badChunk("vendor must be 0...0xffff, decimal or 0x hex"))
                }
                vendor = v
            }
            return .success(.hepChunk(type: type, vendor: vendor))
        }
        return .failure(.unknown(name))
    }

    /// The canonical name of a field (used by `--tree` and templates).
    public static func name(of field: Field) -> String {
        switch field {
        case .sipHeader(let h): return "sip.header." + h.name
        case .hepChunk(let type, let vendor):
            return "hep.chunk." + hex(type) + (vendor.map { "@\($0)" } ?? "")
        default:
            return fixed.first { $0.value == field && !$0.key.hasPrefix("packet.") }?.key ?? "?"
        }
    }

    static func hex(_ v: UInt16) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func parseChunkNumber(_ text: Substring) -> UInt16? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt16(text.dropFirst(2), radix: 16) }
        return UInt16(text)
    }

    /// RFC 3261 token characters.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-.!%*_+`'~".utf8.contains(b)
        }
    }
}

/// Symbolic values accepted for integer fields.
enum FieldSymbols {
    /// HEP proto type names: the HEP module's table (hep-wire-format.md §4.6 plus de-facto values).
    static var protoTypeNames: [String] { HEPProtoType.names.map(\.name) }
    static func protoType(_ text: String) -> Int? { HEPProtoType.value(named: text).map(Int.init) }
    static let families: [String: Int] = [
        "AF_INET": 2, "AF_INET6": 10, "IPV4": 2, "IPV6": 10, "INET": 2, "INET6": 10,
    ]
    static let booleans: [String: Int] = ["TRUE": 1, "FALSE": 0, "YES": 1, "NO": 0]

    static func symbol(_ text: String, for field: Field) -> Int? {
        let upper = text.uppercased()
        switch field {
        case .hepProtoType: return protoType(text)
        case .family, .netProtoFamily: return families[upper]
        case .sipIsRequest: return booleans[upper]
        default: return nil
        }
    }
}
