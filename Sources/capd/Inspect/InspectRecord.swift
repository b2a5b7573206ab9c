import HEP

/// What `capd inspect` reports for one message: HEP envelope (when there is one) and SIP summary.
struct InspectRecord {
    var file: String
    var frame: Int
    var hep: HEPPacket?
    var sourceIP: String?
    var sourcePort: Int?
    var destinationIP: String?
    var destinationPort: Int?
    var transport: String?
    var timestampSeconds: Int?
    var timestampMicroseconds: Int?
    var sip: SIPMessage?
    var error: String?

    /// A HEP datagram: envelope fields from the packet, SIP from its payload when it carries SIP.
    init(file: String, frame: Int, hep packet: HEPPacket) {
        self.file = file
        self.frame = frame
        self.hep = packet
        sourceIP = packet.sourceIP.description
        sourcePort = Int(packet.sourcePort)
        destinationIP = packet.destinationIP.description
        destinationPort = Int(packet.destinationPort)
        transport = packet.transport
        if packet.version != .v1 {
            timestampSeconds = Int(packet.timestampSeconds)
            timestampMicroseconds = Int(packet.timestampMicroseconds)
        }
        if packet.protoType == HEPProtoType.sip {
            do {
                sip = try SIPMessage(parsing: packet.payload)
            } catch {
                self.error = "sip: \(error)"
            }
        }
    }

    /// A packet that did not decode.
    init(file: String, frame: Int, error: String) {
        self.file = file
        self.frame = frame
        self.error = error
    }

    /// Plain SIP (from a capture): addresses from the captured packet.
    init(file: String, frame: Int, sip message: SIPMessage, source: (String, Int), destination: (String, Int),
         transport: String, seconds: Int, microseconds: Int) {
        self.file = file
        self.frame = frame
        sip = message
        sourceIP = source.0
        sourcePort = source.1
        destinationIP = destination.0
        destinationPort = destination.1
        self.transport = transport
        timestampSeconds = seconds
        timestampMicroseconds = microseconds
    }

    // MARK: SIP summary

    var method: String? { sip.flatMap { $0.isRequest ? $0.method.map(sipString) : nil } }
    var status: Int? { sip?.statusCode }
    var reason: String? { sip?.reasonPhrase.map(sipString) }
    var callID: String? { sip?.callID.map(sipString) }
    var fromUser: String? { sip?.fromHeader.flatMap(SIPNameAddress.init(parsing:))?.uri.user.map(sipString) }
    var fromTag: String? { sip?.fromHeader.flatMap(SIPNameAddress.init(parsing:))?.tag.map(sipString) }
    var toUser: String? { sip?.toHeader.flatMap(SIPNameAddress.init(parsing:))?.uri.user.map(sipString) }
    var toTag: String? { sip?.toHeader.flatMap(SIPNameAddress.init(parsing:))?.tag.map(sipString) }
    var cseq: String? { sip?.cseq.map(sipString) }
    var userAgent: String? { sip?.userAgent.map(sipString) }

    var json: String {
        var line = JSONObjectWriter()
        line.string("file", file)
        line.number("frame", frame)
        line.number("version", hep.map { Int($0.version.rawValue) })
        line.number("proto_type", hep.map { Int($0.protoType) })
        line.string("src_ip", sourceIP)
        line.number("src_port", sourcePort)
        line.string("dst_ip", destinationIP)
        line.number("dst_port", destinationPort)
        line.string("transport", transport)
        line.number("capture_id", hep.flatMap { $0.version == .v1 ? nil : Int($0.captureID) })
        line.string("correlation_id", hep?.correlationID.map(sipString))
        line.number("ts_sec", timestampSeconds)
        line.number("ts_usec", timestampMicroseconds)
        line.string("method", method)
        line.number("status", status)
        line.string("reason", reason)
        line.string("call_id", callID)
        line.string("from_user", fromUser)
        line.string("from_tag", fromTag)
        line.string("to_user", toUser)
        line.string("to_tag", toTag)
        line.string("cseq", cseq)
        line.string("user_agent", userAgent)
        line.string("error", error)
        return line.finish()
    }

    /// Readable multi-line form: envelope, HEP chunks, SIP summary.
    var text: String {
        var out = "\(file) #\(frame)"
        if let error { out += "  error: \(error)" }
        out += "\n"
        if let hep {
            out += "  HEPv\(hep.version.rawValue) proto_type \(hep.protoType)"
            if let name = hep.protoTypeName { out += " (\(name))" }
            out += " capture_id \(hep.captureID)"
            if hep.version != .v1 { out += " time \(hep.timestampSeconds).\(pad6(hep.timestampMicroseconds))" }
            out += "\n"
        }
        if let sourceIP, let destinationIP {
            out += "  \(transport ?? "?") \(sourceIP):\(sourcePort ?? 0) -> \(destinationIP):\(destinationPort ?? 0)\n"
        }
        if let hep, hep.version == .v3 {
            for chunk in hep.chunkSequence {
                out += "  chunk vendor 0x\(hex4(chunk.vendor)) type 0x\(hex4(chunk.type))"
                if let name = HEPChunkType.name(for: chunk.type), chunk.vendor == 0 { out += " \(name)" }
                out += " \(chunk.body.count) bytes\n"
            }
        }
        if let sip {
            let first = sip.isRequest
                ? "\(method ?? "?") \(sip.requestURIBytes.map(sipString) ?? "")"
                : "\(status ?? 0) \(reason ?? "")"
            out += "  SIP \(first)\n"
            out += "    call-id \(callID ?? "-")  cseq \(cseq ?? "-")\n"
            out += "    from \(fromUser ?? "-") tag \(fromTag ?? "-")  to \(toUser ?? "-") tag \(toTag ?? "-")\n"
            if let userAgent { out += "    user-agent \(userAgent)\n" }
        }
        return out
    }

    private func pad6(_ value: UInt32) -> String {
        let s = String(value)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    private func hex4(_ value: UInt16) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}
