import HEP
import Testing
@testable import Rules

/// `listen:`, relay targets and `admin.listen` go through `Endpoint(parsing:)`; each refusal keeps the message
/// it had before the parsers were merged, and each accepted form gives the same endpoint.
@Suite struct EndpointConfigTests {
    static let listenMessage = "(expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT)"

    func errors(_ text: String) -> [String] {
        ConfigLoader.load(text: text + "hep_route: none\n", path: "e.yaml").errors.map(\.message)
    }

    @Test(arguments: ["udp://127.0.0.1", "http://127.0.0.1:9060", "127.0.0.1:9060", "udp://::1:9060", "udp://[::1:9060",
                      "udp://[127.0.0.1]:9060", "udp://127.0.0.1:0", "udp://127.0.0.1:65536", "udp://:9060", "udp://[::1]"])
    func badListenAddresses(text: String) {
        #expect(errors("listen: [\"\(text)\"]\n") == ["invalid listen address '\(text)' \(Self.listenMessage)"])
    }

    @Test(arguments: ["udp://127.0.0.1", "sctp://127.0.0.1:9060", "127.0.0.1:9070", "tcp://2001:db8::1:9070",
                      "udp://127.0.0.1:0", "tls://[::1]"])
    func badRelayURLs(text: String) {
        #expect(errors("relay: { a: \"\(text)\" }\n") == ["invalid relay URL '\(text)' \(Self.listenMessage)"])
    }

    @Test(arguments: ["127.0.0.1", "tcp://127.0.0.1:9096", "::1:9096", "127.0.0.1:0", "[::1]", "[localhost]:9096"])
    func badAdminListen(text: String) {
        #expect(errors("admin: { listen: \"\(text)\" }\n") == ["invalid admin.listen '\(text)' (expected HOST:PORT, e.g. 127.0.0.1:9096)"])
    }

    @Test func everyFormIsAccepted() throws {
        let result = ConfigLoader.load(text: """
            listen: ["UDP://[::ffff:127.0.0.1]:9160", "tcp://[::1]:9161", udp://localhost:9162]
            relay: { a: "tcp://[::1]:9170", b: udp://127.0.0.1:9171 }
            admin: { listen: "[::1]:9196" }
            hep_route: none

            """, path: "ok.yaml")
        let config = try #require(result.config, "\(result.rendered)")
        #expect(config.listen == [Endpoint(transport: .udp, host: "::ffff:127.0.0.1", port: 9160),
                                  Endpoint(transport: .tcp, host: "::1", port: 9161),
                                  Endpoint(transport: .udp, host: "localhost", port: 9162)])
        #expect(config.relay["a"]?.endpoint == Endpoint(transport: .tcp, host: "::1", port: 9170))
        #expect(config.relay["a"]?.url == "tcp://[::1]:9170")
        #expect(config.relay["b"]?.address == IPAddress(ipv4: 0x7F00_0001))
        #expect(config.admin.listen == Endpoint(transport: .tcp, host: "::1", port: 9196) && config.admin.isLoopback)
    }
}
