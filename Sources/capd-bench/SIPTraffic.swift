import HEP

/// Realistic SIP traffic for load tests: a mix of call legs (INVITE, 100, 180, 200, ACK, BYE, 200),
/// REGISTERs and OPTIONS of roughly 580 bytes, each message with its own Call-ID, tags and branch.
struct SIPTraffic {
    private var sequence: UInt64
    private let seed: UInt64
    /// When set, the message number inside Call-IDs, tags and branches is written with exactly this many
    /// digits (zero-padded), so that a sender can rewrite it in place (`Blast`'s packet pool).
    private let sequenceDigits: Int?

    init(seed: UInt64 = 1, sequenceDigits: Int? = nil) {
        self.seed = seed
        self.sequence = 0
        self.sequenceDigits = sequenceDigits
    }

    /// The Call-ID token of message `n`: `SEED-N`, N zero-padded to `digits` when given.
    static func callToken(seed: UInt64, sequence n: UInt64, digits: Int?) -> String {
        guard let digits else { return "\(seed)-\(n)" }
        let number = String(n)
        return "\(seed)-" + String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// Source and destination endpoints of one message (IPv4 host-order values and ports).
    struct Message {
        var text: [UInt8]
        var sourceIPv4: UInt32
        var destinationIPv4: UInt32
        var sourcePort: UInt16
        var destinationPort: UInt16
    }

    mutating func next() -> Message {
        sequence &+= 1
        let n = sequence
        let call = SIPTraffic.callToken(seed: seed, sequence: n, digits: sequenceDigits)
        let user = 1000 + Int(n % 5000)
        let peer = 6000 + Int((n / 7) % 5000)
        let client: UInt32 = 0xC000_0200 | UInt32(n % 200 + 10)  // 192.0.2.x
        let proxy: UInt32 = 0xC633_6414                          // 198.51.100.20
        let branch = "z9hG4bK\(call)"
        let common = """
            Via: SIP/2.0/UDP 192.0.2.\(n % 200 + 10):5060;branch=\(branch);rport\r
            Max-Forwards: 70\r
            From: "User \(user)" <sip:\(user)@atlanta.example.com>;tag=\(call)a\r
            To: <sip:\(peer)@biloxi.example.com>\r
            Call-ID: \(call)@192.0.2.\(n % 200 + 10)\r
            Supported: replaces, timer, 100rel\r
            X-Trace: capd-blast-\(call)\r
            """
        let text: String
        switch n % 10 {
        case 0, 1, 2:
            text = """
                INVITE sip:\(peer)@biloxi.example.com SIP/2.0\r
                \(common)
                CSeq: 1 INVITE\r
                Contact: <sip:\(user)@192.0.2.\(n % 200 + 10):5060>\r
                P-Asserted-Identity: <sip:+1555\(user)@atlanta.example.com>\r
                User-Agent: capd-blast/1.0\r
                Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r
                Content-Type: application/sdp\r
                Content-Length: 0\r
                \r

                """
        case 3, 4:
            text = """
                SIP/2.0 200 OK\r
                \(common);tag=\(call)b\r
                CSeq: 1 INVITE\r
                Contact: <sip:\(peer)@198.51.100.20:5060>\r
                Server: capd-blast/1.0\r
                Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r
                Content-Length: 0\r
                \r

                """
        case 5, 6:
            text = """
                REGISTER sip:atlanta.example.com SIP/2.0\r
                \(common)
                CSeq: 2 REGISTER\r
                Contact: <sip:\(user)@192.0.2.\(n % 200 + 10):5060>;expires=3600\r
                Authorization: Digest username="\(user)", realm="atlanta.example.com", nonce="\(call)", uri="sip:atlanta.example.com", response="6629fae49393a05397450978507c4ef1"\r
                User-Agent: capd-blast/1.0\r
                Content-Length: 0\r
                \r

                """
        case 7, 8:
            text = """
                BYE sip:\(peer)@198.51.100.20:5060 SIP/2.0\r
                \(common);tag=\(call)b\r
                CSeq: 2 BYE\r
                Reason: Q.850;cause=16;text="Normal call clearing"\r
                User-Agent: capd-blast/1.0\r
                Content-Length: 0\r
                \r

                """
        default:
            text = """
                OPTIONS sip:\(peer)@biloxi.example.com SIP/2.0\r
                \(common)
                CSeq: 3 OPTIONS\r
                Contact: <sip:\(user)@192.0.2.\(n % 200 + 10):5060>\r
                Accept: application/sdp\r
                User-Agent: capd-blast/1.0\r
                Content-Length: 0\r
                \r

                """
        }
        let fromClient = n % 10 < 3 || n % 10 >= 5
        return Message(
            text: Array(text.utf8),
            sourceIPv4: fromClient ? client : proxy,
            destinationIPv4: fromClient ? proxy : client,
            sourcePort: 5060,
            destinationPort: 5060
        )
    }
}

extension SIPTraffic.Message {
    /// This message as one HEP datagram of `version` (capture id 2001), as `capd-bench blast` sends it.
    func hepDatagram(version: HEPVersion, seconds: UInt32, microseconds: UInt32) throws -> [UInt8] {
        let packet = try HEPPacket(
            ipProtocol: 17,
            sourceIP: IPAddress(ipv4: sourceIPv4), destinationIP: IPAddress(ipv4: destinationIPv4),
            sourcePort: sourcePort, destinationPort: destinationPort,
            timestampSeconds: seconds, timestampMicroseconds: microseconds,
            protoType: HEPProtoType.sip, captureID: 2001, payload: text)
        return version == .v3 ? packet.bytes : try packet.encoded(as: version)
    }
}
