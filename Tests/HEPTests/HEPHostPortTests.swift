import Testing
import HEP

@Suite struct HEPHostPortTests {
    @Test(arguments: [
        ("127.0.0.1:9060", nil, "127.0.0.1", false, 9060),
        ("udp://127.0.0.1:9060", "udp", "127.0.0.1", false, 9060),
        ("TCP://[::1]:9061", "TCP", "::1", true, 9061),
        ("[2001:db8::1]:0", nil, "2001:db8::1", true, 0),
        ("localhost:65535", nil, "localhost", false, 65535),
        ("http://[127.0.0.1]:80", "http", "127.0.0.1", true, 80),
        (":5060", nil, "", false, 5060),
        ("x://h:00080", "x", "h", false, 80),
    ] as [(String, String?, String, Bool, Int)])
    func splitsSchemeHostAndPort(text: String, scheme: String?, host: String, bracketed: Bool, port: Int) throws {
        let parsed = try HostPort(parsing: text)
        #expect(parsed.scheme == scheme)
        #expect(parsed.host == host)
        #expect(parsed.isBracketed == bracketed)
        #expect(Int(parsed.port) == port)
    }

    @Test(arguments: [
        ("127.0.0.1", HostPortError.missingPort),
        ("", .missingPort),
        ("udp://", .missingPort),
        ("[::1]", .missingPort),
        ("[::1]9060", .missingPort),
        ("[::1:9060", .unclosedBracket),
        ("::1:9060", .unbracketedIPv6),
        ("udp://2001:db8::1:9060", .unbracketedIPv6),
        ("127.0.0.1:", .badPort("")),
        ("127.0.0.1:65536", .badPort("65536")),
        ("127.0.0.1:+80", .badPort("+80")),
        ("127.0.0.1:-1", .badPort("-1")),
        ("127.0.0.1:000080", .badPort("000080")),
        ("[::1]:80/", .badPort("80/")),
        ("[::1]:1:2", .badPort("1:2")),
    ])
    func rejectsWithTheReason(text: String, expected: HostPortError) {
        #expect(throws: expected) { try HostPort(parsing: text) }
    }

    @Test func substringsAndTextForm() throws {
        let line = "listen udp://[::1]:9060 now"
        let word = line.split(separator: " ")[1]
        let parsed = try HostPort(parsing: word)
        #expect(parsed.description == "udp://[::1]:9060")
        #expect(HostPort(scheme: nil, host: "192.0.2.1", isBracketed: false, port: 5060).description == "192.0.2.1:5060")
        #expect(HostPort(scheme: "tcp", host: "2001:db8::1", isBracketed: false, port: 1).description == "tcp://[2001:db8::1]:1")
        #expect(HostPortError.badPort("x").description.contains("'x'"))
    }

    @Test func portDigits() {
        #expect(HostPort.port("0") == 0)
        #expect(HostPort.port("65535") == 65535)
        #expect(HostPort.port("65536") == nil)
        #expect(HostPort.port("") == nil)
        #expect(HostPort.port(" 80") == nil)
        #expect(HostPort.port("８０") == nil)
    }
}
