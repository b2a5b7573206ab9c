import HEP
import Testing
@testable import Rules

/// Relay targets that would send packets back into capd's own listeners (issue 15 row 7): resolved, unmapped
/// and compared the same way for `capd check` and `capd run` (both load through `ConfigLoader`).
@Suite struct RelayLoopTests {
    static let listen = """
        listen: [udp://127.0.0.1:9060, tcp://0.0.0.0:9061, "udp://[::]:9062"]
        hep_route: none
        """

    func load(relay url: String) -> ConfigLoader.Result {
        ConfigLoader.load(text: Self.listen + "\nrelay:\n  out: \(url)\n", path: "r.yaml")
    }

    @Test(arguments: [
        "udp://127.0.0.1:9060",            // the listener itself
        "udp://[::ffff:127.0.0.1]:9060",   // IPv4-mapped: 67 972 packets from one in issue 15
        "udp://localhost:9060",            // a name (resolved through /etc/hosts)
        "udp://127.1:9060",                // inet_aton shorthand
        "udp://127.0.0.2:9060",            // any 127.0.0.0/8 is this host's loopback
        "udp://0.0.0.0:9060",              // sending to the unspecified address reaches this host
        "tcp://127.0.0.1:9061",            // a 0.0.0.0 listener receives on loopback...
        "tcp://[::1]:9061",
        "udp://[::1]:9062",                // ...and :: on every address
        "udp://127.0.0.1:9062",
        "udp://[::ffff:127.0.0.3]:9062",
    ])
    func selfTargetsAreRejectedWithAPosition(url: String) {
        let result = load(relay: url)
        #expect(result.config == nil, "\(url) accepted")
        #expect(result.rendered.contains("r.yaml:4:8: error: relay target '\(url)' is one of capd's own listeners"),
                "\(result.rendered)")
    }

    @Test func interfaceAddressesCountForAWildcardListener() throws {
        let local = HostResolver.interfaceAddresses().filter { !$0.isLoopback }
        let address = try #require(local.first, "no non-loopback interface address on this machine")
        let host = address.isIPv6 ? "[\(address)]" : "\(address)"
        #expect(load(relay: "tcp://\(host):9061").config == nil)   // tcp 0.0.0.0:9061 (IPv6 too: conservative)
        #expect(load(relay: "udp://\(host):9062").config == nil)   // udp [::]:9062
        #expect(load(relay: "udp://\(host):9060").config != nil)   // udp 127.0.0.1:9060 does not receive there
    }

    @Test(arguments: [
        "udp://127.0.0.1:9070",            // another port
        "tcp://127.0.0.1:9060",            // another transport
        "udp://192.0.2.10:9061",           // tcp listener, udp target
        "udp://192.0.2.10:9060",           // not this host
    ])
    func legitimateTargetsAreAccepted(url: String) {
        let result = load(relay: url)
        #expect(result.config != nil, "\(result.rendered)")
        #expect(result.config?.relayLoops().isEmpty == true)
    }

    @Test func inlineRuleTargetsAreCheckedToo() {
        let yaml = """
            listen: [udp://127.0.0.1:9060]
            routes:
              main:
                - do: [{ relay: "udp://[::ffff:127.0.0.1]:9060" }]
            """
        let result = ConfigLoader.load(text: yaml, path: "i.yaml")
        #expect(result.config == nil)
        #expect(result.rendered.contains("i.yaml:4:21: error: relay target 'udp://[::ffff:127.0.0.1]:9060' is one of capd's own listeners (udp://127.0.0.1:9060)"),
                "\(result.rendered)")
    }

    @Test func theRelaySendsToTheAddressThatWasChecked() throws {
        let config = try #require(ConfigLoader.load(text: "relay:\n  a: udp://[::ffff:192.0.2.7]:9070\n  b: udp://localhost:9071\nhep_route: none\n").config)
        #expect(config.relay["a"]?.address == IPAddress("192.0.2.7"))
        #expect(config.relay["b"]?.address.isLoopback == true)
    }

    @Test func unresolvableHostsAreErrors() {
        // A resolver that knows no name: no DNS query leaves the machine.
        let nothing = HostResolver(resolve: { _ in [] }, localAddresses: { [] })
        let result = ConfigLoader.load(text: "relay:\n  a: udp://no-such-host.invalid:9070\nhep_route: none\n", path: "u.yaml",
                                       resolver: nothing)
        #expect(result.config == nil)
        #expect(result.rendered.contains("u.yaml:2:6: error: relay host 'no-such-host.invalid' does not resolve"), "\(result.rendered)")
    }

    /// `capd run --listen` replaces the listeners after loading; `relayLoops` checks them again.
    @Test func relayLoopsSeesReplacedListeners() throws {
        var config = try #require(load(relay: "udp://127.0.0.1:9080").config)
        #expect(config.relayLoops().isEmpty)
        config.listen = [Endpoint(transport: .udp, host: "::", port: 9080)]
        #expect(config.relayLoops().map(\.target.name) == ["out"])
    }
}
