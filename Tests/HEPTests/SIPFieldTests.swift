import Testing
import HEP

/// The `sip.*` names of DESIGN §4 resolve to SIPField cases and read the right bytes.
@Suite struct SIPFieldTests {
    @Test(arguments: [
        ("method", "INVITE"), ("sip.method", "INVITE"), ("status", nil), ("reason", nil), ("is_request", "true"),
        ("ruri", "sip:bob@biloxi.example.com"), ("ruri_user", "bob"), ("ruri_domain", "biloxi.example.com"),
        ("from_user", "alice"), ("from_domain", "atlanta.example.com"), ("from_tag", "1928301774"),
        ("to_user", "bob"), ("to_domain", "biloxi.example.com"), ("to_tag", nil),
        ("call_id", "a84b4c76e66710@192.0.2.10"), ("cseq", "314159 INVITE"), ("cseq_method", "INVITE"),
        ("user_agent", "capd-example/1.0"), ("contact_user", "alice"), ("pid_user", "+15551230001"),
        ("via_branch", "z9hG4bK776asdhds"), ("content_type", nil), ("body", ""),
        ("header.X-CID", "leg-a-7731@192.0.2.1"), ("sip.header.max-forwards", "70"), ("header.Subject", nil),
    ] as [(String, String?)])
    func inviteExampleFields(_ name: String, _ expected: String?) throws {
        let m = try SIPMessage(parsing: try SIPTestData.examplePayload("hep3_sip_invite_ipv4_udp.bin", offset: 99))
        let field = try #require(SIPField(name: name))
        #expect(field.string(in: m) == expected)
    }

    @Test(arguments: [
        ("status", "200"), ("reason", "OK"), ("is_request", "false"), ("method", nil), ("ruri", nil), ("to_tag", "a6c85cf"),
        ("contact_user", "bob"), ("pid_user", nil), ("user_agent", nil),
    ] as [(String, String?)])
    func replyExampleFields(_ name: String, _ expected: String?) throws {
        let m = try SIPMessage(parsing: try SIPTestData.examplePayload("hep2_sip_200ok_ipv4_udp.bin", offset: 28))
        let field = try #require(SIPField(name: name))
        #expect(field.string(in: m) == expected)
    }

    @Test func namesRoundTrip() throws {
        for name in SIPField.names {
            let field = try #require(SIPField(name: name))
            #expect(field.name == name)
            #expect(SIPField(name: "sip." + name) == field)
        }
        #expect(SIPField.names.count == 22)
        #expect(SIPField(name: "header.P-Asserted-Identity")?.name == "header.P-Asserted-Identity")
        #expect(SIPField(name: "header.p-asserted-identity") == SIPField(name: "header.P-Asserted-Identity"))
        #expect(SIPField(name: "nope") == nil)
        #expect(SIPField(name: "header.") == nil)
        #expect(SIPField(name: "header.Bad Name") == nil)
        #expect(SIPField(name: "hep.method") == nil)
    }

    @Test func pidUserFallsBackToPreferredIdentity() throws {
        let m = try message("INVITE sip:a@b SIP/2.0\r\nP-Preferred-Identity: \"X\" <sip:pref@b>, <tel:+1>\r\n\r\n")
        #expect(text(m.pidUser) == "pref")
        let both = try message("INVITE sip:a@b SIP/2.0\r\nP-Preferred-Identity: <sip:pref@b>\r\nP-Asserted-Identity: <tel:+4930>, <sip:x@y>\r\n\r\n")
        #expect(text(both.pidUser) == "+4930")
    }

    @Test func contactWildcard() throws {
        let m = try message("REGISTER sip:b SIP/2.0\r\nContact: *\r\nExpires: 0\r\n\r\n")
        #expect(text(m.contactUser) == "*")
        #expect(m.contact?.isWildcard == true)
    }
}
