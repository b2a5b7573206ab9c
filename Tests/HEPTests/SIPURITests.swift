import Testing
import HEP

@Suite struct SIPURITests {
    func uri(_ s: String) -> SIPURI { SIPURI(parsing: Array(s.utf8)[...]) }

    @Test func fullSIPURI() {
        let u = uri("sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent")
        #expect(u.kind == .sips)
        #expect(text(u.scheme) == "sips")
        #expect(text(u.user) == "alice")
        #expect(text(u.password) == "secret")
        #expect(text(u.host) == "atlanta.example.com")
        #expect(u.port == 5061)
        #expect(text(u.param("transport")) == "tcp")
        #expect(text(u.param("TRANSPORT")) == "tcp")
        #expect(text(u.param("lr")) == "")
        #expect(text(u.param("maddr")) == "239.255.255.1")
        #expect(u.param("ttl") == nil)
        #expect(text(u.headers) == "subject=project%20x&priority=urgent")
        #expect(!u.isIPv6Reference)
    }

    @Test func hostOnlyAndUpperCaseScheme() {
        let u = uri("SIP:registrar.example.com")
        #expect(u.kind == .sip)
        #expect(u.user == nil)
        #expect(text(u.host) == "registrar.example.com")
        #expect(u.port == nil)
        #expect(u.parameters == nil)
    }

    @Test(arguments: [
        ("sip:[2001:db8::1]", "2001:db8::1", nil as Int?, nil as String?),
        ("sip:bob@[2001:db8::1]:5080;transport=udp", "2001:db8::1", 5080, "bob"),
        ("sip:[::ffff:192.0.2.2]:5060", "::ffff:192.0.2.2", 5060, nil),
        ("sip:carol@[2001:db8::10:5070]", "2001:db8::10:5070", nil, "carol"),
        ("sip:u@192.0.2.4:70000", "192.0.2.4", nil, "u"),
    ])
    func ipv6AndPorts(_ s: String, _ host: String, _ port: Int?, _ user: String?) {
        let u = uri(s)
        #expect(text(u.host) == host)
        #expect(u.port == port)
        #expect(text(u.user) == user)
        #expect(u.isIPv6Reference == s.contains("["))
    }

    @Test func telURI() {
        let u = uri("tel:+1-201-555-0123;phone-context=example.com")
        #expect(u.kind == .tel)
        #expect(text(u.user) == "+1-201-555-0123")
        #expect(u.host == nil)
        #expect(text(u.param("phone-context")) == "example.com")
    }

    @Test func opaqueAndBrokenURIs() {
        #expect(uri("urn:service:sos").kind == .other)
        #expect(text(uri("urn:service:sos").opaque) == "service:sos")
        #expect(uri("no-scheme-here").scheme == nil)
        #expect(uri("").host == nil)
        #expect(text(uri("sip:").host) == "")
        #expect(text(uri("sip:[2001:db8::1").host) == "[2001:db8::1")
    }

    @Test(arguments: [
        ("\"Alice Liddell\" <sip:alice@example.com>;tag=88sja8x", "Alice Liddell", "alice", "88sja8x"),
        ("Bob <sips:bob@biloxi.example.com>", "Bob", "bob", nil),
        ("<sip:carol@example.com;transport=tcp>;tag=c1;other", nil, "carol", "c1"),
        ("sip:dave@example.com;tag=d1", nil, "dave", "d1"),
        ("caller<sip:caller@example.com>;tag=323", "caller", "caller", "323"),
        ("  <tel:+15551234567>  ;  tag = t7 ", nil, "+15551234567", "t7"),
        ("\"quote \\\" inside\" <sip:q@example.com>", "quote \\\" inside", "q", nil),
    ] as [(String, String?, String, String?)])
    func nameAddresses(_ value: String, _ display: String?, _ user: String, _ tag: String?) throws {
        let na = try #require(SIPNameAddress(parsing: Array(value.utf8)[...]))
        #expect(text(na.displayName) == display)
        #expect(text(na.uri.user) == user)
        #expect(text(na.tag) == tag)
        #expect(!na.isWildcard)
    }

    @Test func addrSpecParametersBelongToTheHeader() throws {
        let na = try #require(SIPNameAddress(parsing: Array("sip:gw@example.net;unknownparam;tag=z".utf8)[...]))
        #expect(text(na.uriBytes) == "sip:gw@example.net")
        #expect(na.uri.parameters == nil)
        #expect(text(na.param("unknownparam")) == "")
        let inside = try #require(SIPNameAddress(parsing: Array("<sip:gw@example.net;unknownparam>;tag=z".utf8)[...]))
        #expect(text(inside.uri.param("unknownparam")) == "")
        #expect(inside.param("unknownparam") == nil)
        #expect(text(inside.tag) == "z")
    }

    @Test func brokenNameAddresses() {
        #expect(SIPNameAddress(parsing: Array("\"unterminated <sip:a@b>".utf8)[...]) == nil)
        #expect(SIPNameAddress(parsing: Array("<sip:a@b".utf8)[...]) == nil)
        #expect(SIPNameAddress(parsing: Array("\"name\" sip:a@b".utf8)[...]) == nil)
        #expect(SIPNameAddress(parsing: Array("   ".utf8)[...]) == nil)
        #expect(SIPNameAddress(parsing: Array(" * ".utf8)[...])?.isWildcard == true)
    }

    @Test func viaValues() throws {
        let via = try #require(SIPVia(parsing: Array("SIP / 2.0 / TLS [2001:db8::9]:5061 ;branch=z9hG4bKv6;received=[2001:db8::9:255];rport".utf8)[...]))
        #expect(text(via.protocolName) == "SIP")
        #expect(text(via.protocolVersion) == "2.0")
        #expect(text(via.transport) == "TLS")
        #expect(text(via.host) == "2001:db8::9")
        #expect(via.port == 5061)
        #expect(via.isIPv6Reference)
        #expect(text(via.branch) == "z9hG4bKv6")
        #expect(text(via.param("received")) == "[2001:db8::9:255]")
        #expect(text(via.param("rport")) == "")
        #expect(SIPVia(parsing: Array("garbage".utf8)[...]) == nil)
        #expect(SIPVia(parsing: Array("SIP/2.0/UDP".utf8)[...]) == nil)
    }
}
