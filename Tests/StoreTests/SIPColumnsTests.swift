import Foundation
import Testing
import HEP
@testable import Store

/// The homer5 columns derived from the spec examples equal the worked rows of
/// opensips-sipcapture-behaviour.md §7.1 (with contact_user filled: alice / bob).
@Suite struct SIPColumnsTests {
    @Test func inviteExampleGivesTheWorkedRow() throws {
        let payload = try examplePayload("hep3_sip_invite_ipv4_udp.bin", offset: 99)
        #expect(payload.count == 451)
        let row = sipColumns(try SIPMessage(parsing: payload))
        var expected = SIPCaptureRow(table: "", microTimestamp: 0)
        expected.method = "INVITE"
        expected.replyReason = ""
        expected.ruri = "sip:bob@biloxi.example.com"
        expected.ruriUser = "bob"
        expected.ruriDomain = "biloxi.example.com"
        expected.fromUser = "alice"
        expected.fromDomain = "atlanta.example.com"
        expected.fromTag = "1928301774"
        expected.toUser = "bob"
        expected.toDomain = "biloxi.example.com"
        expected.toTag = ""
        expected.pidUser = "+15551230001"
        expected.contactUser = "alice"
        expected.callID = "a84b4c76e66710@192.0.2.10"
        expected.callIDALeg = "leg-a-7731@192.0.2.1"
        expected.via1 = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds"
        expected.via1Branch = "z9hG4bK776asdhds"
        expected.cseq = "314159 INVITE"
        expected.userAgent = "capd-example/1.0"
        expected.contactIP = "192.0.2.10"
        expected.contactPort = 5060
        expected.type = 1
        #expect(row == expected)
    }

    @Test func replyExampleGivesTheWorkedRow() throws {
        let payload = try examplePayload("hep2_sip_200ok_ipv4_udp.bin", offset: 28)
        #expect(payload.count == 299)
        let row = sipColumns(try SIPMessage(parsing: payload))
        var expected = SIPCaptureRow(table: "", microTimestamp: 0)
        expected.method = "200"
        expected.replyReason = "OK"
        expected.fromUser = "alice"
        expected.fromDomain = "atlanta.example.com"
        expected.fromTag = "1928301774"
        expected.toUser = "bob"
        expected.toDomain = "biloxi.example.com"
        expected.toTag = "a6c85cf"
        expected.contactUser = "bob"
        expected.callID = "a84b4c76e66710@192.0.2.10"
        expected.via1 = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds"
        expected.via1Branch = "z9hG4bK776asdhds"
        expected.cseq = "314159 INVITE"
        expected.contactIP = "198.51.100.20"
        expected.contactPort = 5060
        expected.type = 2
        #expect(row == expected)
    }

    static let extraHeaders = """
        MESSAGE sip:carol@chicago.example.com SIP/2.0\r
        Via: SIP/2.0/TCP [2001:db8::7]:5070;branch=z9hG4bKx1, SIP/2.0/UDP 10.0.0.1\r
        From: <tel:+15550001;phone-context=example.com>;tag=f1\r
        To: "Carol" <sip:carol@chicago.example.com>\r
        Call-ID: extra-1\r
        CSeq: 7 MESSAGE\r
        Contact: *\r
        P-Preferred-Identity: <sip:pref@example.com>\r
        Authorization: Digest realm="x", username="auth-u@example.com", nonce="n"\r
        Proxy-Authorization: Digest username="proxy-u", realm="y"\r
        Diversion: <sip:+15550002@example.com>;reason=unconditional\r
        Reason: Q.850;cause=16;text="Normal call clearing"\r
        X-OIP: 203.0.113.9:5062\r
        P-RTP-Stat: PS=1,OS=2\r
        c: text/plain\r
        l: 5\r
        \r
        hello
        """

    @Test func everyOtherColumn() throws {
        let row = sipColumns(try message(Self.extraHeaders))
        #expect(row.method == "MESSAGE")
        #expect(row.fromUser == "+15550001")
        #expect(row.fromDomain == "")
        #expect(row.fromTag == "f1")
        #expect(row.pidUser == "pref")
        #expect(row.contactUser == "*")
        #expect(row.contactIP == "")
        #expect(row.contactPort == 0)
        #expect(row.authUser == "proxy-u")
        #expect(row.diversion == "<sip:+15550002@example.com>;reason=unconditional")
        #expect(row.reason == #"Q.850;cause=16;text="Normal call clearing""#)
        #expect(row.originatorIP == "203.0.113.9")
        #expect(row.originatorPort == 5062)
        #expect(row.rtpStat == "PS=1,OS=2")
        #expect(row.contentType == "text/plain")
        #expect(row.via1 == "SIP/2.0/TCP [2001:db8::7]:5070;branch=z9hG4bKx1, SIP/2.0/UDP 10.0.0.1")
        #expect(row.via1Branch == "z9hG4bKx1")
        #expect(row.type == 1)
    }

    @Test func authUserFallsBackToAuthorizationAndDropsTheDomain() throws {
        let text = Self.extraHeaders.replacingOccurrences(of: "Proxy-Authorization: Digest username=\"proxy-u\", realm=\"y\"\r\n", with: "")
        let row = sipColumns(try message(text))
        #expect(row.authUser == "auth-u")
    }

    @Test(arguments: [
        ("203.0.113.9:5062", "203.0.113.9", 5062), ("203.0.113.9", "203.0.113.9", 0),
        ("[2001:db8::1]:5060", "2001:db8::1", 5060), ("2001:db8::1", "2001:db8::1", 0),
        ("host:notaport", "host", 0), ("1.2.3.4:99999", "1.2.3.4", 0),
    ])
    func originatorHostPort(_ oip: String, _ ip: String, _ port: Int32) throws {
        let m = try message("OPTIONS sip:a@b SIP/2.0\r\nX-OIP: \(oip)\r\nXCID: z\r\n\r\n")
        let row = sipColumns(m)
        #expect(row.originatorIP == ip)
        #expect(row.originatorPort == port)
        #expect(row.callIDALeg == "")
    }

    @Test func rtpStatPrefersXRTPStat() throws {
        let m = try message("SIP/2.0 200 OK\r\nP-RTP-Stat: p\r\nX-RTP-Stat: x\r\n\r\n")
        let row = sipColumns(m)
        #expect(row.rtpStat == "x")
        #expect(row.method == "200")
        #expect(row.replyReason == "OK")
        #expect(row.ruri == "")
        #expect(row.type == 2)
    }

    private func sipColumns(_ message: SIPMessage) -> SIPCaptureRow {
        var row = SIPCaptureRow(table: "", microTimestamp: 0)
        row.fillSIPColumns(from: message)
        return row
    }

    private func message(_ text: String) throws -> SIPMessage { try SIPMessage(parsing: Array(text.utf8)) }

    /// The SIP payload of a spec example (`.bin`), starting at `offset` (`../shared` beside the repository,
    /// or CAPD_SHARED).
    private func examplePayload(_ name: String, offset: Int) throws -> ArraySlice<UInt8> {
        let shared = ProcessInfo.processInfo.environment["CAPD_SHARED"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
        let data = try Data(contentsOf: shared.appendingPathComponent("spec/examples").appendingPathComponent(name))
        return [UInt8](data)[offset...]
    }
}
