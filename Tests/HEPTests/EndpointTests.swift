import HEP
import Testing

/// `Endpoint(parsing:)`: the one parser of listener, relay and admin addresses.
@Suite struct EndpointTests {
    @Test(arguments: [
        ("udp://127.0.0.1:9060", EndpointTransport.udp, "127.0.0.1", 9060, "udp://127.0.0.1:9060"),
        ("tcp://0.0.0.0:9061", .tcp, "0.0.0.0", 9061, "tcp://0.0.0.0:9061"),
        ("tls://hep.example.net:9062", .tls, "hep.example.net", 9062, "tls://hep.example.net:9062"),
        ("TLS://[::1]:9063", .tls, "::1", 9063, "tls://[::1]:9063"),
        ("udp://[2001:db8::1]:0", .udp, "2001:db8::1", 0, "udp://[2001:db8::1]:0"),
        ("udp://[::ffff:127.0.0.1]:9060", .udp, "::ffff:127.0.0.1", 9060, "udp://[::ffff:127.0.0.1]:9060"),
        ("tcp://localhost:65535", .tcp, "localhost", 65535, "tcp://localhost:65535"),
        ("udp://h:00080", .udp, "h", 80, "udp://h:80"),
    ] as [(String, EndpointTransport, String, Int, String)])
    func parsesEveryURLForm(text: String, transport: EndpointTransport, host: String, port: Int, canonical: String) throws {
        let endpoint = try Endpoint(parsing: text)
        #expect(endpoint == Endpoint(transport: transport, host: host, port: UInt16(port)))
        #expect(endpoint.description == canonical)
    }

    @Test(arguments: [
        ("udp", EndpointError.badScheme("udp")),
        ("udp://127.0.0.1", .missingPort("udp://127.0.0.1")),
        ("udp://", .missingPort("udp://")),
        ("udp://[::1]", .missingPort("udp://[::1]")),
        ("udp://[::1]9060", .missingPort("udp://[::1]9060")),
        ("udp://[::1:9060", .badHost("udp://[::1:9060")),
        ("udp://::1:9060", .badHost("udp://::1:9060")),
        ("udp://2001:db8::1:9060", .badHost("udp://2001:db8::1:9060")),
        ("udp://[127.0.0.1]:9060", .badHost("udp://[127.0.0.1]:9060")),
        ("udp://[nothost]:9060", .badHost("udp://[nothost]:9060")),
        ("udp://:9060", .badHost("udp://:9060")),
        ("udp://a b:9060", .badHost("udp://a b:9060")),
        ("udp://h/x:9060", .badHost("udp://h/x:9060")),
        ("udp://127.0.0.1:", .badPort("udp://127.0.0.1:")),
        ("udp://127.0.0.1:65536", .badPort("udp://127.0.0.1:65536")),
        ("udp://127.0.0.1:+80", .badPort("udp://127.0.0.1:+80")),
        ("udp://127.0.0.1:-1", .badPort("udp://127.0.0.1:-1")),
        ("udp://127.0.0.1:000080", .badPort("udp://127.0.0.1:000080")),
        ("udp://[::1]:80/", .badPort("udp://[::1]:80/")),
        ("udp://127.0.0.1:８０", .badPort("udp://127.0.0.1:８０")),
        ("http://127.0.0.1:80", .badScheme("http://127.0.0.1:80")),
        ("sctp://127.0.0.1:80", .badScheme("sctp://127.0.0.1:80")),
        ("127.0.0.1:9060", .badScheme("127.0.0.1:9060")),
    ])
    func refusesWithTheReason(text: String, expected: EndpointError) {
        #expect(throws: expected) { try Endpoint(parsing: text) }
        #expect(Endpoint(url: text) == nil)
    }

    @Test func bareFormsTakeTheGivenTransport() throws {
        #expect(try Endpoint(parsing: "127.0.0.1:9096", schemes: [:], bare: .tcp) == Endpoint(transport: .tcp, host: "127.0.0.1", port: 9096))
        #expect(try Endpoint(parsing: "[::1]:9096", schemes: [:], bare: .tcp).hostPort == "[::1]:9096")
        #expect(throws: EndpointError.badScheme("tcp://127.0.0.1:9096")) {
            try Endpoint(parsing: "tcp://127.0.0.1:9096", schemes: [:], bare: .tcp)
        }
        #expect(try Endpoint(parsing: "HTTP://127.0.0.1:1", schemes: ["http": .tcp]).transport == .tcp)
    }

    @Test func urlFormRefusesPortZero() throws {
        #expect(Endpoint(url: "udp://127.0.0.1:0") == nil)
        #expect(try Endpoint(parsing: "udp://127.0.0.1:0").port == 0)
        #expect(Endpoint(url: "tls://[::1]:1") == Endpoint(transport: .tls, host: "::1", port: 1))
    }

    @Test func substringsParseToo() throws {
        let line = "listen udp://[::1]:9060 now"
        #expect(try Endpoint(parsing: line.split(separator: " ")[1]).description == "udp://[::1]:9060")
    }

    @Test func numericAddressWithoutLookup() throws {
        #expect(Endpoint(transport: .udp, host: "localhost", port: 1).socketEndpoint?.description == "127.0.0.1:1")
        #expect(Endpoint(transport: .udp, host: "::1", port: 2).socketEndpoint?.description == "[::1]:2")
        #expect(Endpoint(transport: .udp, host: "hep.example.net", port: 3).socketEndpoint == nil)
        #expect(Endpoint(transport: .tcp, host: "127.9.9.9", port: 4).isLoopbackHost)
        #expect(!Endpoint(transport: .tcp, host: "10.0.0.1", port: 4).isLoopbackHost)
    }

    @Test func transportProtocolNumbers() {
        #expect(EndpointTransport.udp.ipProtocol == 17)
        #expect(EndpointTransport.tcp.ipProtocol == 6)
        #expect(EndpointTransport.tls.ipProtocol == 6)
    }

    @Test(arguments: [
        ("127.0.0.1:9096", "127.0.0.1:9096"),
        ("[::1]:0", "[::1]:0"),
        ("localhost:80", "127.0.0.1:80"),
    ])
    func socketEndpointIsNumeric(text: String, canonical: String) throws {
        #expect(try SocketEndpoint(parsing: text).description == canonical)
    }

    @Test(arguments: [
        ("example.com:9096", EndpointError.notNumeric("example.com:9096")),
        ("300.1.1.1:9096", .notNumeric("300.1.1.1:9096")),
        ("::1:9096", .notNumeric("::1:9096")),
        ("127.0.0.1", .missingPort("127.0.0.1")),
        ("udp://127.0.0.1:1", .badScheme("udp://127.0.0.1:1")),
    ])
    func socketEndpointRefuses(text: String, expected: EndpointError) {
        #expect(throws: expected) { try SocketEndpoint(parsing: text) }
        #expect(SocketEndpoint(text) == nil)
    }

    @Test func messagesNameTheText() {
        #expect(EndpointError.missingPort("x").description == "'x' has no port (expected HOST:PORT or [IPV6]:PORT)")
        #expect(EndpointError.badPort("x").description == "'x' has an invalid port (expected 0-65535)")
        #expect(EndpointError.notNumeric("x").description == "'x' is not an IPv4 or IPv6 address (or localhost)")
        #expect(EndpointError.badHost("a").reporting("b") == .badHost("b"))
    }

    @Test func portDigits() {
        #expect(Endpoint.port("0") == 0)
        #expect(Endpoint.port("65535") == 65535)
        #expect(Endpoint.port("65536") == nil)
        #expect(Endpoint.port("") == nil)
        #expect(Endpoint.port(" 80") == nil)
        #expect(Endpoint.port("８０") == nil)
    }
}
