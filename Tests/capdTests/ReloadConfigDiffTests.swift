import Testing
@testable import capd
@testable import Rules

/// `ConfigDiff` key by key, on configurations loaded from YAML text (no daemon).
@Suite("Reload: configuration diff")
struct ReloadConfigDiffTests {
    static let base = """
        capture:
          enabled: true
          node: homer01
        listen:
          - udp://127.0.0.1:9060
        auth_key: s3cret
        store:
          url: sqlite://capd.db
          schema: homer5
          table: sip_capture
          report_table: rtcp_capture
          batch_rows: 500
          flush_ms: 250
          max_in_flight: 5
          spool: capd-spool
          retention_days: 14
        relay:
          central: udp://127.0.0.1:9070
        admin:
          listen: 127.0.0.1:9096
        hep_route: sip
        lists:
          trunks: [10.1.0.0/16]
        routes:
          main:
            - name: trunks
              when: { src_ip: { in: trunks } }
              do: [capture]
            - name: options
              when: { sip.method: OPTIONS }
              do: [drop]
          hep_in:
            - do: [resume_sip]
        """

    static func load(_ text: String) throws -> Config {
        let result = ConfigLoader.load(text: text, path: "capd.yaml")
        guard let config = result.config else {
            throw DaemonError(message: result.rendered)
        }
        return config
    }

    static func edited(_ from: String, _ to: String) throws -> Config {
        #expect(base.contains(from), "the base file has no '\(from)'")
        return try load(base.replacingOccurrences(of: from, with: to))
    }

    @Test func theSameFileChangesNothing() throws {
        let diff = ConfigDiff(running: try Self.load(Self.base), loaded: try Self.load(Self.base))
        #expect(diff == ConfigDiff())
        #expect(diff.isEmpty)
    }

    @Test func commentsAndMovedLinesAreNoChange() throws {
        let moved = Self.base.replacingOccurrences(of: "routes:\n", with: "# a comment\n\n\nroutes:\n")
        let diff = ConfigDiff(running: try Self.load(Self.base), loaded: try Self.load(moved))
        #expect(diff.isEmpty)
    }

    static let restartOnly: [(String, String, String)] = [
        ("schema: homer5", "schema: homer7", "store.schema"),
        ("url: sqlite://capd.db", "url: sqlite://other.db", "store.url"),
        ("batch_rows: 500", "batch_rows: 100", "store.batch_rows"),
        ("flush_ms: 250", "flush_ms: 20", "store.flush_ms"),
        ("max_in_flight: 5", "max_in_flight: 2", "store.max_in_flight"),
        ("spool: capd-spool", "spool: /var/spool/capd", "store.spool"),
        ("retention_days: 14", "retention_days: 3", "store.retention_days"),
        ("listen: 127.0.0.1:9096", "listen: 127.0.0.1:9097", "admin.listen"),
        ("listen: 127.0.0.1:9096", "listen: off", "admin.listen"),
        ("  - udp://127.0.0.1:9060", "  - udp://127.0.0.1:9060\n  - tcp://127.0.0.1:9060", "listen"),
        ("hep_route: sip", "hep_route: sip\nraw: { interface: lo }", "raw"),
    ]

    @Test(arguments: restartOnly)
    func restartOnlyKeysAreNamed(_ change: (from: String, to: String, key: String)) throws {
        let running = try Self.load(Self.base)
        let loaded = try Self.edited(change.from, change.to)
        let diff = ConfigDiff(running: running, loaded: loaded)
        #expect(diff == ConfigDiff(restartRequired: [change.key]))
        // The next configuration keeps the running value: a second reload of the same file names it again.
        let next = ConfigDiff.live(loaded, keeping: running)
        #expect(ConfigDiff(running: next, loaded: loaded) == diff)
        #expect(ConfigDiff(running: next, loaded: running).isEmpty)
    }

    static let live: [(String, String, String)] = [
        ("enabled: true", "enabled: false", "capture.enabled"),
        ("node: homer01", "node: edge02", "capture.node"),
        ("auth_key: s3cret", "auth_key: other", "auth_key"),
        ("hep_route: sip", "hep_route: hep_in", "hep_route"),
        ("table: sip_capture", "table: sip_%Y%m%d", "store.table"),
        ("report_table: rtcp_capture", "report_table: report_x", "store.report_table"),
        ("trunks: [10.1.0.0/16]", "trunks: [10.1.0.0/16, 192.0.2.7]", "rules"),
        ("sip.method: OPTIONS", "sip.method: REGISTER", "rules"),
        ("do: [drop]", "do: [capture]", "rules"),
        ("- name: options", "- name: keepalives", "rules"),
        ("central: udp://127.0.0.1:9070", "central: udp://127.0.0.1:9071", "relay.central"),
        ("central: udp://127.0.0.1:9070", "central: { to: udp://127.0.0.1:9070, version: 2 }", "relay.central"),
        ("central: udp://127.0.0.1:9070", "central: udp://127.0.0.1:9070\n  backup: udp://127.0.0.1:9072",
         "relay.backup"),
    ]

    @Test(arguments: live)
    func liveKeysAreApplied(_ change: (from: String, to: String, key: String)) throws {
        let running = try Self.load(Self.base)
        let loaded = try Self.edited(change.from, change.to)
        let diff = ConfigDiff(running: running, loaded: loaded)
        #expect(diff == ConfigDiff(applied: [change.key]))
        // The next configuration is the loaded one: nothing is left to apply.
        #expect(ConfigDiff(running: ConfigDiff.live(loaded, keeping: running), loaded: loaded).isEmpty)
    }

    @Test func aMixedChangeSplitsLiveFromRestartKeysAndPinsTheRunningStore() throws {
        let running = try Self.load(Self.base)
        let loaded = try Self.load(Self.base
            .replacingOccurrences(of: "schema: homer5", with: "schema: homer7")
            .replacingOccurrences(of: "flush_ms: 250", with: "flush_ms: 20")
            .replacingOccurrences(of: "node: homer01", with: "node: edge02")
            .replacingOccurrences(of: "sip.method: OPTIONS", with: "sip.method: REGISTER"))
        let diff = ConfigDiff(running: running, loaded: loaded)
        #expect(diff.applied == ["capture.node", "rules"])
        #expect(diff.restartRequired == ["store.flush_ms", "store.schema"])
        let next = ConfigDiff.live(loaded, keeping: running)
        #expect(next.store == running.store)
        #expect(next.capture.node == "edge02")
        #expect(RuleFingerprint(next.program) == RuleFingerprint(loaded.program))
    }

    @Test func rawCaptureSettingsAndItsFilterNeedARestart() throws {
        let withRaw = Self.base.replacingOccurrences(of: "hep_route: sip", with: "raw: { interface: lo, readers: 1 }")
        let running = try Self.load(withRaw)
        let readers = try Self.load(withRaw.replacingOccurrences(of: "readers: 1", with: "readers: 2"))
        #expect(ConfigDiff(running: running, loaded: readers) == ConfigDiff(restartRequired: ["raw.readers"]))
        #expect(ConfigDiff.live(readers, keeping: running).raw == running.raw)
        // A port condition on a capturing rule changes the kernel filter compiled at start.
        let ported = try Self.load(withRaw.replacingOccurrences(
            of: "when: { src_ip: { in: trunks } }", with: "when: { src_ip: { in: trunks }, dst_port: 5080 }"))
        #expect(ConfigDiff(running: running, loaded: ported)
                == ConfigDiff(applied: ["rules"], restartRequired: [ConfigKeys.rawFilter]))
    }

    /// A new top-level key must be given a reload behaviour here, or a reload would ignore it silently.
    @Test func everyTopLevelKeyHasAReloadBehaviour() {
        let covered = Set(ConfigKeys.all.map { $0.path.split(separator: ".").first.map(String.init) ?? $0.path })
        let rules: Set<String> = ["lists", "routes", "include"]   // compared as `rules`
        let relay: Set<String> = ["relay"]                         // compared per target as `relay.NAME`
        let missing = ConfigParser.topLevelKeys.filter { !covered.contains($0) && !rules.contains($0) && !relay.contains($0) }
        #expect(missing.isEmpty, "no reload behaviour for \(missing)")
    }
}
