import Foundation
@testable import Store

/// The example INVITE of spec/hep-wire-format.md §8.1 and its homer5 row (opensips §7.1, with contact_user
/// filled as capd does).
enum WorkedExample {
    static let specDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/spec")

    /// The SIP payload of the example: the 0x000F chunk found in the .bin file.
    static func invitePayload() throws -> [UInt8] {
        let url = URL(fileURLWithPath: "/work/shared/spec/examples/hep3_sip_invite_ipv4_udp.bin")
        let bytes = [UInt8](try Data(contentsOf: url))
        var offset = 6
        while offset + 6 <= bytes.count {
            let type = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let length = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
            guard length >= 6, offset + length <= bytes.count else { break }
            if type == 0x000F { return Array(bytes[(offset + 6)..<(offset + length)]) }
            offset += length
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    static func inviteRow(table: String = "sip_capture") throws -> SIPCaptureRow {
        var r = SIPCaptureRow(table: table, microTimestamp: 1_700_000_000_123_456)
        r.method = "INVITE"
        r.replyReason = ""
        r.ruri = "sip:bob@biloxi.example.com"
        r.ruriUser = "bob"
        r.ruriDomain = "biloxi.example.com"
        r.fromUser = "alice"
        r.fromDomain = "atlanta.example.com"
        r.fromTag = "1928301774"
        r.toUser = "bob"
        r.toDomain = "biloxi.example.com"
        r.toTag = ""
        r.pidUser = "+15551230001"
        r.contactUser = "alice"
        r.callID = "a84b4c76e66710@192.0.2.10"
        r.callIDALeg = "leg-a-7731@192.0.2.1"
        r.via1 = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds"
        r.via1Branch = "z9hG4bK776asdhds"
        r.cseq = "314159 INVITE"
        r.userAgent = "capd-example/1.0"
        r.sourceIP = "192.0.2.10"
        r.sourcePort = 5060
        r.destinationIP = "198.51.100.20"
        r.destinationPort = 5060
        r.contactIP = "192.0.2.10"
        r.contactPort = 5060
        r.proto = 17
        r.family = 2
        r.type = 1
        r.node = "homer01:2001"
        r.correlationID = ""
        r.msg = try invitePayload()
        return r
    }

    /// The row as text per column, the way both databases print it (msg as lowercase hex).
    static func expectedColumns(_ r: SIPCaptureRow) -> [String: String] {
        [
            "date": "2023-11-14 22:13:20.123456", "micro_ts": "1700000000123456", "method": r.method,
            "reply_reason": r.replyReason, "ruri": r.ruri, "ruri_user": r.ruriUser, "ruri_domain": r.ruriDomain,
            "from_user": r.fromUser, "from_domain": r.fromDomain, "from_tag": r.fromTag, "to_user": r.toUser,
            "to_domain": r.toDomain, "to_tag": r.toTag, "pid_user": r.pidUser, "contact_user": r.contactUser,
            "auth_user": r.authUser, "callid": r.callID, "callid_aleg": r.callIDALeg, "via_1": r.via1,
            "via_1_branch": r.via1Branch, "cseq": r.cseq, "diversion": r.diversion, "reason": r.reason,
            "content_type": r.contentType, "auth": r.auth, "user_agent": r.userAgent, "source_ip": r.sourceIP,
            "source_port": "5060", "destination_ip": r.destinationIP, "destination_port": "5060",
            "contact_ip": r.contactIP, "contact_port": "5060", "originator_ip": "", "originator_port": "0",
            "correlation_id": "", "custom_field1": "", "custom_field2": "", "custom_field3": "", "proto": "17",
            "family": "2", "rtp_stat": "", "type": "1", "node": "homer01:2001",
            "msg": r.msg.map { String(format: "%02x", $0) }.joined(),
        ]
    }

    /// A realistic row with a unique Call-ID (for volume tests).
    static func numberedRow(_ i: Int, table: String, microTimestamp: Int64 = 1_700_000_000_000_000) -> StoreRow {
        var r = SIPCaptureRow(table: table, microTimestamp: microTimestamp + Int64(i))
        r.method = "OPTIONS"
        r.callID = "row-\(i)"
        r.cseq = "\(i) OPTIONS"
        r.fromUser = "u\(i % 97)"
        r.sourceIP = "192.0.2.1"
        r.destinationIP = "192.0.2.2"
        r.msg = Array("OPTIONS sip:x@example.com SIP/2.0\r\nCall-ID: row-\(i)\r\n\r\n".utf8)
        return .sip(r)
    }
}
