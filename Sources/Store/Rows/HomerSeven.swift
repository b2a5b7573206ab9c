import HEP

/// HOMER 7 routing and JSON documents exactly as heplify-server writes them (homer7-schema.md §2, §4, §5),
/// over plain values so that any packet model can feed them.
public enum HomerSeven {
    /// CSeq methods that go to `hep_proto_1_call`.
    public static let callMethods: Set<String> = ["INVITE", "ACK", "BYE", "CANCEL", "UPDATE", "PRACK", "REFER", "INFO", "NOTIFY"]

    /// The `data_header` keys heplify-server writes by default for SIP.
    public static let defaultSIPKeys = [
        "ruri_user", "ruri_domain", "from_user", "from_tag", "to_user", "to_tag", "callid", "cseq", "method", "user_agent",
    ]

    /// `call`, `registration` or `default`, from the CSeq method (so replies follow their request).
    public static func sipProfile(cseqMethod: String) -> String {
        let upper = cseqMethod.uppercased()
        if upper == "REGISTER" { return "registration" }
        return callMethods.contains(upper) ? "call" : "default"
    }

    /// The CSeq method: the token after the number in a CSeq value like `314159 INVITE`.
    public static func cseqMethod(fromCSeq cseq: String) -> String {
        let parts = cseq.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return parts.count >= 2 ? String(parts[1]) : ""
    }

    /// The parent table for a HEP payload type; nil for types heplify-server never stores (0, 53 and 54 here).
    public static func table(payloadType: Int, cseqMethod: String = "") -> String? {
        switch payloadType {
        case 1: "hep_proto_1_" + sipProfile(cseqMethod: cseqMethod)
        case 5: "hep_proto_5_default"
        case 100: "hep_proto_100_default"
        case 0, 53, 54: nil
        case let t where t >= 2: "hep_proto_35_default"
        default: nil
        }
    }

    /// `protocol_header`, keys in heplify-server's order; `captureId` is a string (node name or decimal id).
    public static func protocolHeader(
        protocolFamily: Int, protocol ipProtocol: Int, srcIP: String, dstIP: String, srcPort: Int, dstPort: Int,
        timeSeconds: Int64, timeUseconds: Int64, payloadType: Int, captureID: String, capturePass: String? = nil,
        correlationID: String
    ) -> String {
        var json = JSONObjectWriter()
        json.number("protocolFamily", Int64(protocolFamily))
        json.number("protocol", Int64(ipProtocol))
        json.string("srcIp", srcIP)
        json.string("dstIp", dstIP)
        json.number("srcPort", Int64(srcPort))
        json.number("dstPort", Int64(dstPort))
        json.number("timeSeconds", timeSeconds)
        json.number("timeUseconds", timeUseconds)
        json.number("payloadType", Int64(payloadType))
        json.string("captureId", captureID)
        if let capturePass { json.string("capturePass", capturePass) }
        json.string("correlation_id", correlationID)
        return json.finish()
    }

    /// SIP `data_header`: every value a string, keys in the given order (unknown keys get "").
    public static func sipDataHeader(_ values: [String: String], keys: [String] = defaultSIPKeys,
                                     customHeaders: [(name: String, value: String)] = []) -> String {
        var json = JSONObjectWriter()
        for key in keys { json.string(key, values[key] ?? "") }
        for header in customHeaders { json.string(header.name, header.value) }
        return json.finish()
    }

    /// Non-SIP `data_header`: `{"node": captureId, "proto": name}`.
    public static func nonSIPDataHeader(node: String, payloadType: Int) -> String {
        var json = JSONObjectWriter()
        json.string("node", node)
        json.string("proto", protoName(payloadType))
        return json.finish()
    }

    public static func protoName(_ payloadType: Int) -> String {
        switch payloadType {
        case 5: "rtcp"
        case 34: "rtpagent"
        case 35: "rtcpxr"
        case 38: "horaclifix"
        case 53: "dns"
        case 100: "log"
        default: String(payloadType)
        }
    }

    /// heplify's correlation rule for SIP: chunk 0x0011, else the A-leg id, else the Call-ID.
    public static func sipCorrelationID(chunk: String?, aLegID: String, callID: String) -> String {
        if let chunk, !chunk.isEmpty { return chunk }
        return aLegID.isEmpty ? callID : aLegID
    }
}
