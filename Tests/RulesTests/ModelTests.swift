import Testing
@testable import Rules
import HEP

@Suite struct ModelTests {
    @Test func addressesAndNetworks() throws {
        #expect(IPAddress("192.0.2.7")?.description == "192.0.2.7")
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddress("2001:0db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("::ffff:192.0.2.1")?.description == "::ffff:192.0.2.1")
        #expect(IPAddress("::")?.description == "::")
        for bad in ["1.2.3", "1.2.3.256", "01234.1.1.1", "1::2::3", "12345::", "1.2.3.4.5", "", ":", "g::1"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        let net = try #require(CIDR("10.1.2.3/16"))
        #expect(net.description == "10.1.0.0/16")
        #expect(net.contains(try #require(IPAddress("10.1.255.1"))))
        #expect(!net.contains(try #require(IPAddress("10.2.0.1"))))
        #expect(!net.contains(try #require(IPAddress("::a01:1"))))
        let v6 = try #require(CIDR("2001:db8:100::/40"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:1ff::1"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db8:200::1"))))
        #expect(CIDR("0.0.0.0/0")?.contains(try #require(IPAddress("203.0.113.9"))) == true)
        #expect(CIDR("10.0.0.0/-1") == nil && CIDR("::/129") == nil)
        #expect(IPAddress(ipv4Bytes: [192, 0, 2, 1]) == IPAddress("192.0.2.1"))
    }

    @Test func templatesRenderEveryKind() throws {
        let yaml = "routes:\n  main:\n    - do: [{ capture: { custom_field1: \"a=${src_ip} p=${src_port} c=${sip.call_id} h=${sip.header.X-Miss}$\" } }]\n"
        let program = try #require(ConfigLoader.load(text: yaml).config).program
        guard case .capture(let capture) = program.routes[0].rules[0].actions[0], let template = capture.customField1 else {
            Issue.record("no capture template")
            return
        }
        var subject = SyntheticSubject()
        subject.ips[.srcIP] = IPAddress("2001:db8::7")
        subject.integers[.srcPort] = -5060
        subject.text[.sipCallID] = Array("x@y".utf8)
        #expect(template.render(subject) == "a=2001:db8::7 p=-5060 c=x@y h=$")
        #expect(template.segments.count == 9)
    }

    @Test func hepRouteModesAndSIPFieldWarning() throws {
        let named = ConfigLoader.load(text: "hep_route: hep_in\nroutes:\n  main:\n    - do: [capture]\n  hep_in:\n    - when: { sip.method: INVITE }\n      do: [resume_sip]\n")
        let config = try #require(named.config)
        #expect(config.hepRoute == .route(1))
        #expect(named.warnings.contains { $0.message.contains("sip.* fields are not available in HEP route 'hep_in'") && $0.mark.line == 6 })
        let resumeInMain = ConfigLoader.load(text: "routes:\n  main:\n    - do: [resume_sip]\n")
        #expect(resumeInMain.errors.first?.message.contains("resume_sip in route 'main'") == true)
        #expect(ConfigLoader.load(text: "hep_route: SIP\nroutes:\n  main:\n    - do: [capture]\n").config?.hepRoute == .sip)
        #expect(ConfigLoader.load(text: "hep_route: sip\n").errors.first?.message.contains("no route named 'main'") == true)
    }

    @Test func emptyAndHostileInputsAreDiagnosedNotCrashed() {
        // An empty file has no main route, which the default hep_route (sip) needs.
        #expect(ConfigLoader.load(text: "").errors.first?.message.contains("no route named 'main'") == true)
        #expect(ConfigLoader.load(text: "hep_route: none\n").config != nil)
        let aliases = ConfigLoader.load(text: "a: &x [1]\nb: *x\n")
        #expect(aliases.errors.first?.message.contains("anchors") == true)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(ConfigLoader.load(text: deep).errors.first?.message.contains("nesting deeper") == true)
        let twoDocs = ConfigLoader.load(text: "a: 1\n---\nb: 2\n")
        #expect(twoDocs.errors.first?.message.contains("one YAML document") == true)
        let binary = ConfigLoader.load(text: String(decoding: [0xff, 0xfe, 0x00, 0x41], as: UTF8.self))
        #expect(binary.config == nil)
    }
}
