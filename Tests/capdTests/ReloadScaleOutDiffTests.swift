import Testing
@testable import capd
@testable import Rules

/// Issue 13 on reload: relay groups apply live (`relay.NAME`), store shards need a restart.
@Suite("Reload: relay groups and store shards")
struct ReloadScaleOutDiffTests {
    static let base = """
        listen: [udp://127.0.0.1:9060]
        relay:
          tier: { to: [udp://127.0.0.1:9161, udp://127.0.0.1:9162], hash: call_id }
        store:
          shards: [sqlite://a.db, sqlite://b.db]
        routes:
          main:
            - do: [{ relay: tier }]
        """

    static func diff(_ from: String, _ to: String) throws -> ConfigDiff {
        #expect(base.contains(from))
        let running = try ReloadConfigDiffTests.load(base)
        let loaded = try ReloadConfigDiffTests.load(base.replacingOccurrences(of: from, with: to))
        return ConfigDiff(running: running, loaded: loaded)
    }

    @Test(arguments: [
        ("udp://127.0.0.1:9162]", "udp://127.0.0.1:9162, udp://127.0.0.1:9163]"),   // a member joins
        ("hash: call_id", "hash: src_ip"),
        ("hash: call_id", "hash: call_id, check: off"),
    ])
    func groupChangesApplyLive(from: String, to: String) throws {
        let diff = try Self.diff(from, to)
        #expect(diff.applied.contains("relay.tier"), "\(diff)")
        #expect(diff.restartRequired.isEmpty, "\(diff)")
    }

    @Test func shardChangesNeedARestart() throws {
        let diff = try Self.diff("sqlite://b.db]", "sqlite://b.db, sqlite://c.db]")
        #expect(diff.restartRequired == ["store.shards"], "\(diff)")
        let by = try Self.diff("sqlite://b.db]", "sqlite://b.db]\n  shard_by: correlation_id")
        #expect(by.restartRequired == ["store.shard_by"], "\(by)")
    }
}
