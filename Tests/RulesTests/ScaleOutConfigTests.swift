import Affinity
import HEP
import Testing
@testable import Rules

/// Issue 13: the relay group and store shard forms are accepted as written, and mistakes are diagnosed.
@Suite struct ScaleOutConfigTests {
    static let issueForm = """
        listen: [udp://127.0.0.1:9060]
        relay:
          capture-tier: { to: [udp://127.0.0.1:9161, udp://127.0.0.1:9162, udp://127.0.0.1:9163], hash: call_id }
        store:
          shards: [postgres://capd@127.0.0.1:5433/homer, postgres://capd@127.0.0.1:5434/homer]
          shard_by: call_id
        routes:
          main:
            - do: [{ relay: capture-tier }]
        """

    @Test func issueFormsAreAccepted() throws {
        let result = ConfigLoader.load(text: Self.issueForm, path: "scale.yaml")
        let config = try #require(result.config, "\(result.rendered)")
        let group = try #require(config.relayGroups["capture-tier"])
        #expect(group.members.map(\.url) == ["udp://127.0.0.1:9161", "udp://127.0.0.1:9162", "udp://127.0.0.1:9163"])
        #expect(group.hash == .callID)
        #expect(group.check == .tcpConnect(port: nil))
        #expect(group.members.map(\.name) == group.members.map { "capture-tier/" + $0.url })
        #expect(config.store.shards == ["postgres://capd@127.0.0.1:5433/homer", "postgres://capd@127.0.0.1:5434/homer"])
        #expect(config.store.shardBy == .callID)
        let actions = config.program.routes[0].rules[0].actions
        guard case .relayGroup(let used)? = actions.first else {
            Issue.record("the rule's action is \(String(describing: actions.first)), not the group")
            return
        }
        #expect(used.name == "capture-tier")
    }

    @Test func groupKeysAndChecks() throws {
        let text = """
            relay:
              by-source: { to: [udp://127.0.0.1:9161, tcp://127.0.0.1:9162], hash: src_ip, check_port: 9999 }
              by-corr: { to: [udp://127.0.0.1:9161], hash: correlation_id, check: off }
            hep_route: none
            """
        let result = ConfigLoader.load(text: text, path: "g.yaml")
        let config = try #require(result.config, "\(result.rendered)")
        #expect(config.relayGroups["by-source"]?.hash == .sourceIP)
        #expect(config.relayGroups["by-source"]?.check == .tcpConnect(port: 9999))
        #expect(config.relayGroups["by-corr"]?.check == .off)
        #expect(result.rendered.contains("relay group 'by-corr' has one member"), "\(result.rendered)")
    }

    @Test(arguments: [
        ("relay:\n  g: { to: [udp://127.0.0.1:9161], hash: callid }\n", "relay group hash must be one of call_id, correlation_id, src_ip, found 'callid' (did you mean 'call_id'?)"),
        ("relay:\n  g: { to: [], hash: call_id }\n", "relay group 'g' needs at least one member"),
        ("relay:\n  g: { to: [udp://127.0.0.1:9161, udp://127.0.0.1:9161] }\n", "relay group 'g' lists udp://127.0.0.1:9161 twice"),
        ("relay:\n  g: { to: [udp://127.0.0.1:9060, udp://127.0.0.1:9161] }\n", "is one of capd's own listeners"),
        ("relay:\n  g: { to: [udp://127.0.0.1:9161], hash: call_id, check: http }\n", "relay group check must be tcp or off"),
        ("store:\n  shards: [postgres://a@h/db, mysql://x]\n", "store.shards: 'mysql://x' is not"),
        ("store:\n  url: postgres://a@h/db\n  shards: [postgres://a@h/db, postgres://b@h/db]\n", "store.url and store.shards exclude each other"),
        ("store:\n  shards: [postgres://a@h/db, postgres://b@h/db]\n  shard_by: src_ip\n", "store.shard_by must be call_id or correlation_id"),
        ("store:\n  shard_by: call_id\n", "store.shard_by needs store.shards"),
        ("relay:\n  g: { to: [udp://127.0.0.1:9161, tcp://127.0.0.1:9162], version: 2 }\n", "HEP over TCP needs version 3 (HEPv2 is UDP only)"),
        ("relay:\n  g: { to: [udp://127.0.0.1:9161, tls://127.0.0.1:9162], version: 2 }\n", "HEP over TLS needs version 3 (HEPv2 is UDP only)"),
    ])
    func mistakesAreDiagnosed(snippet: String, message: String) {
        let result = ConfigLoader.load(text: "listen: [udp://127.0.0.1:9060]\nhep_route: none\n" + snippet, path: "bad.yaml")
        #expect(result.config == nil)
        #expect(result.rendered.contains(message), "\(result.rendered)")
    }

    @Test func groupMembersAreLoopCheckedAfterListenOverrides() throws {
        var config = try #require(ConfigLoader.load(text: Self.issueForm, path: "scale.yaml").config)
        config.listen = [Endpoint(transport: .udp, host: "127.0.0.1", port: 9162)]
        #expect(config.relayLoops().map(\.target.url) == ["udp://127.0.0.1:9162"])
    }
}
