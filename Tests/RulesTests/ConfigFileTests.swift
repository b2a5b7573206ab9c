import HEP
import Testing
@testable import Rules
import Tables
#if canImport(Glibc)
import Glibc
#endif

/// The shipped files (default, examples, docs) and the config model.
@Suite struct ConfigFileTests {
    static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) }
        return path
    }()

    static func files(in directory: String, suffix: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(suffix) { names.append(directory + "/" + name) }
        }
        return names.sorted()
    }

    @Test func defaultConfiguration() throws {
        let result = ConfigLoader.load(path: Self.root + "/rules/default.yaml")
        let config = try #require(result.config, "\(result.rendered)")
        #expect(result.diagnostics.isEmpty, "\(result.rendered)")
        #expect(config.store.url == "sqlite://capd.db")
        #expect(config.listen.map(\.description) == ["udp://127.0.0.1:9060", "tcp://127.0.0.1:9060"])
        #expect(config.admin.listen == Endpoint(transport: .tcp, host: "127.0.0.1", port: 9096) && config.admin.enabled)
        #expect(config.capture.enabled && config.hepRoute == .sip)
        let main = try #require(config.program.mainRoute)
        // SIP: the unconditional capture rule; every other HEP proto type: the report rule, then stop.
        var scratch = config.program.makeScratch()
        var sip = SyntheticSubject()
        sip.integers[.hepProtoType] = 1
        var executor = TraceExecutor()
        #expect(config.program.evaluate(route: main, subject: &sip, executor: &executor, scratch: &scratch) == .completed)
        #expect(executor.trace == ["match 0/1", "capture - -"])
        var rtcp = SyntheticSubject()
        rtcp.integers[.hepProtoType] = 5
        executor = TraceExecutor()
        #expect(config.program.evaluate(route: main, subject: &rtcp, executor: &executor, scratch: &scratch) == .completed)
        #expect(executor.trace == ["match 0/0", "report  -1"])
    }

    @Test func designExampleAcceptedAsWritten() throws {
        let result = ConfigLoader.load(path: Self.root + "/rules/examples/design.yaml")
        let config = try #require(result.config, "\(result.rendered)")
        #expect(result.errors.isEmpty)
        #expect(config.capture == CaptureSettings(enabled: true, node: "homer01"))
        #expect(config.raw == RawSettings(mode: .mirror, interface: "eth0", promiscuous: false, readers: 1, ports: [5060...5090]))
        #expect(config.store.schema == .homer5 && config.store.table.template == "sip_capture")
        #expect(config.store.reportTable.template == "rtcp_capture" && config.store.batchRows == 500)
        #expect(config.store.flushMilliseconds == 250 && config.store.maxInFlight == 5)
        #expect(config.store.spool == "capd-spool" && config.store.retentionDays == 14)
        #expect(config.relay["central"] == RelayTarget(name: "central", endpoint: Endpoint(transport: .udp, host: "127.0.0.1", port: 9070), version: 3, address: IPAddress(ipv4: 0x7F00_0001)))
        #expect(config.program.routes.map(\.name) == ["main", "hep_in"])
        #expect(config.program.routes[1].rules.count == 3)
        guard case .setChunk(let edit) = config.program.routes[1].rules[1].actions[0], case .uint8(12) = edit.value else {
            Issue.record("set proto_type H321 should be uint8 12")
            return
        }
        #expect(edit.type == 0x0B)
    }

    @Test func everyExampleIsValid() throws {
        let examples = Self.files(in: Self.root + "/rules/examples", suffix: ".yaml").filter { !$0.hasSuffix(".inc.yaml") }
        #expect(examples.count >= 7)
        for path in examples {
            let result = ConfigLoader.load(path: path)
            #expect(result.config != nil, "\(path):\n\(result.rendered)")
            if let config = result.config { #expect(BPFGenerator.compileError(BPFGenerator.expression(for: config)) == nil) }
        }
    }

    /// Every ```yaml block of docs/rules.md is a whole configuration that validates (blocks marked
    /// `# invalid` must instead fail).
    @Test func documentationExamplesValidate() throws {
        let text = try #require(ConfigParser.readFile(Self.root + "/docs/rules.md"))
        var blocks: [(line: Int, text: String)] = []
        var current: [Substring]?
        var start = 0
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if current == nil && line.hasPrefix("```yaml") { current = []; start = number + 2; continue }
            if current != nil && line.hasPrefix("```") {
                blocks.append((start, current!.joined(separator: "\n")))
                current = nil
                continue
            }
            current?.append(line)
        }
        #expect(blocks.count >= 15)
        for block in blocks {
            let result = ConfigLoader.load(text: block.text, path: "docs/rules.md:\(block.line)")
            if block.text.hasPrefix("# invalid") {
                #expect(result.config == nil, "docs/rules.md block at line \(block.line) should be rejected")
            } else {
                #expect(result.config != nil, "docs/rules.md block at line \(block.line):\n\(result.rendered)")
            }
        }
    }

    @Test func includesAreRelativeAndCyclesDetected() throws {
        let dir = "/tmp/capd-rules-include-\(getpid())"
        mkdir(dir, 0o755)
        mkdir(dir + "/sub", 0o755)
        func write(_ name: String, _ text: String) {
            let f = fopen(dir + "/" + name, "w")
            fputs(text, f)
            fclose(f)
        }
        write("main.yaml", "include: sub/a.yaml\nroutes:\n  main:\n    - do: [{ route: from_a }]\n")
        write("sub/a.yaml", "include: [b.yaml]\nroutes:\n  from_a:\n    - when: { src_ip: { in: from_b } }\n      do: [capture]\n")
        write("sub/b.yaml", "lists:\n  from_b: [10.0.0.0/8]\n")
        let good = ConfigLoader.load(path: dir + "/main.yaml")
        #expect(good.config != nil, "\(good.rendered)")
        #expect(good.config?.program.routes.map(\.name) == ["main", "from_a"])

        write("sub/b.yaml", "include: a.yaml\nlists:\n  from_b: [10.0.0.0/8]\n")
        let cyclic = ConfigLoader.load(path: dir + "/main.yaml")
        #expect(cyclic.config == nil)
        #expect(cyclic.rendered.contains("sub/b.yaml:1:10: error: include cycle"), "\(cyclic.rendered)")

        write("sub/b.yaml", "store: { url: sqlite://x.db }\n")
        let wrongKey = ConfigLoader.load(path: dir + "/main.yaml")
        #expect(wrongKey.rendered.contains("sub/b.yaml:1:1: error: unknown key 'store' in an included rule file"), "\(wrongKey.rendered)")

        write("main.yaml", "include: missing.yaml\nroutes:\n  main:\n    - do: [capture]\n")
        let missing = ConfigLoader.load(path: dir + "/main.yaml")
        #expect(missing.rendered.contains("main.yaml:1:10: error: cannot read file"), "\(missing.rendered)")
    }

    @Test("store.partition: day on PostgreSQL; refused where it cannot apply, with the reason")
    func storePartition() throws {
        let pg = "store: { url: 'postgres://capd@127.0.0.1/homer', partition: day }\nhep_route: none\n"
        #expect(ConfigLoader.load(text: pg).config?.store.partition == .day)
        #expect(ConfigLoader.load(text: "hep_route: none\n").config?.store.partition == TablePartitioning.none)
        // The url may still come from --store: only a configured sqlite url is refused here (the store checks the rest).
        #expect(ConfigLoader.load(text: "store: { partition: day }\nhep_route: none\n").config?.store.partition == .day)
        let sqlite = ConfigLoader.load(text: "store: { url: sqlite://capd.db, partition: day }\nhep_route: none\n")
        #expect(sqlite.rendered.contains("1:44: error: store.partition: day needs PostgreSQL"), "\(sqlite.rendered)")
        let homer7 = ConfigLoader.load(text: "store: { url: 'postgres://h/db', schema: homer7, partition: none }\nhep_route: none\n")
        #expect(homer7.errors.first?.message.contains("always partitioned by day") == true, "\(homer7.rendered)")
        let bad = ConfigLoader.load(text: "store: { partition: hourly }\nhep_route: none\n")
        #expect(bad.errors.first?.message == "store.partition must be none or day, found 'hourly'", "\(bad.rendered)")
    }

    @Test func settingsModel() throws {
        let yaml = """
            capture: { enabled: false, node: edge7 }
            listen: ["udp://[::1]:9060", tcp://0.0.0.0:9061]
            auth_key: s3cret
            store:
              url: postgres://capd:pw@127.0.0.1:5432/homer
              schema: homer7
              table: sip_%Y%m%d
              retention_days: 0
              spool_max_bytes: 4GiB
            relay:
              me: udp://127.0.0.1:9070
            admin: { listen: "[::1]:9100" }
            hep_route: none
            """
        let config = try #require(ConfigLoader.load(text: yaml).config)
        #expect(!config.capture.enabled && config.capture.node == "edge7")
        #expect(config.listen == [Endpoint(transport: .udp, host: "::1", port: 9060), Endpoint(transport: .tcp, host: "0.0.0.0", port: 9061)])
        #expect(config.authKey == "s3cret")
        #expect(config.store.url == "postgres://capd:pw@127.0.0.1:5432/homer")
        #expect(config.store.schema == .homer7 && config.store.retentionDays == 0)
        #expect(config.store.spoolMaxBytes == 4 << 30)
        #expect(ConfigLoader.load(text: "store: { spool_max_bytes: 512MiB }\nhep_route: none\n").config?.store.spoolMaxBytes == 512 << 20)
        #expect(ConfigLoader.load(text: "store: { spool_max_bytes: 4 lots }\nhep_route: none\n").errors.first?.message.contains("store.spool_max_bytes") == true)
        #expect(config.admin.listen == Endpoint(transport: .tcp, host: "::1", port: 9100))
        #expect(config.hepRoute == HEPRouteMode.none)
        #expect(config.program.mainRoute == nil)
        #expect(config.store.table.expand(epochSeconds: 1_700_000_000) == "sip_20231114")

        let loop = ConfigLoader.load(text: "listen: [udp://127.0.0.1:9060]\nrelay:\n  self: udp://127.0.0.1:9060\nhep_route: none\n")
        #expect(loop.errors.first?.message.contains("one of capd's own listeners") == true)
    }

    @Test func storeTableTemplatesListEveryTableARuleCanWrite() throws {
        let yaml = """
            store: { table: sip_%Y%m%d }
            routes:
              main:
                - do: [{ capture: { table: "reg_%Y%m%d" } }]
                - do: [{ report: { table: "logs_%Y%m%d" } }, capture]
            """
        let config = try #require(ConfigLoader.load(text: yaml).config)
        #expect(config.storeTableTemplates == ["logs_%Y%m%d", "reg_%Y%m%d", "rtcp_capture", "sip_%Y%m%d"])
    }
}
