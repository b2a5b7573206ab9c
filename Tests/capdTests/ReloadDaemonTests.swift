import Foundation
import HEP
import Testing

/// Reloads of a real `capd run` process (SIGHUP and `capd ctl reload`), key by key: what a reload applies,
/// what it names as needing a restart, and that the store keeps working either way. Every wait is bounded.
@Suite(.serialized) struct ReloadDaemonTests {
    static let captureAll = RunDaemonTests.captureAll

    static func packets(_ prefix: String, _ count: Int) throws -> [[UInt8]] {
        try (0..<count).map { try RunDaemonTests.packet(callID: "\(prefix)-\($0)").bytes }
    }

    /// Rewrites the daemon's configuration file with `edit` applied.
    static func rewrite(_ daemon: DaemonProcess, _ edit: (String) -> String) throws {
        let text = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        let changed = edit(text)
        #expect(changed != text, "the edit changed nothing")
        try changed.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
    }

    static func ctlReload(_ daemon: DaemonProcess) throws -> ProcessResult {
        try runCapd(["ctl", "--admin", "127.0.0.1:\(daemon.adminPort)", "reload"], timeout: 20)
    }

    static func mi(_ daemon: DaemonProcess, _ method: String) throws -> String {
        try httpRequest(port: daemon.adminPort, method: "POST", path: "/mi",
                        body: #"{"jsonrpc":"2.0","method":"\#(method)","id":1}"#).body
    }

    /// issue 15 row 6: a reload that changes `store.schema` used to build homer7 rows for a homer5 store; every
    /// later row stuck in the queue and SIGTERM hung. Now the schema is named as needing a restart and rows
    /// keep being stored under the running schema.
    @Test func schemaChangeNeedsARestartAndEveryRowIsStoredUnderTheRunningSchema() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        try daemon.sendUDP(try Self.packets("before", 50))
        #expect(try daemon.waitFor(15) { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 50 })

        try Self.rewrite(daemon) { $0.replacingOccurrences(of: "  url: sqlite://capd.db", with: "  url: sqlite://capd.db\n  schema: homer7") }
        daemon.signal(SIGHUP)
        #expect(daemon.waitFor(10) { daemon.log.contains("restart_required=store.schema") },
                "no reload line naming store.schema:\n\(daemon.log)")
        #expect(try daemon.metrics()["capd_reloads_total{result=\"ok\"}"] == 1)

        try daemon.sendUDP(try Self.packets("after", 100))
        #expect(try daemon.waitFor(15) { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 150 },
                "stored \(SQLiteReader.count(daemon.databasePath, table: "sip_capture")) of 150")
        #expect(try daemon.metrics()["capd_store_queue_depth"] == 0)

        // `capd ctl reload` of the same file names it again: it is still waiting for a restart.
        let answer = try Self.ctlReload(daemon)
        #expect(answer.status == 0)
        #expect(answer.stdout == "ok\nrestart required: store.schema\n", "\(answer.stdout)\(answer.stderr)")

        let started = Date()
        #expect(daemon.terminate(timeout: 20) == 0)
        #expect(Date().timeIntervalSince(started) < 10)
        let ids = try RunDaemonTests.callIDs(daemon)
        #expect(ids.count == 150)
        #expect(Set(ids).count == 150)
        #expect(ids.filter { $0.hasPrefix("after-") }.count == 100)
    }

    /// Every restart-only key the daemon can see changed is named, in the MI answer and in ctl's output;
    /// the running listeners, admin endpoint and store are untouched.
    @Test func everyRestartOnlyKeyIsNamedAndTheRunningValuesStay() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll.replacingOccurrences(
            of: "  flush_ms: 20", with: "  flush_ms: 20\n  batch_rows: 500\n  max_in_flight: 5\n  retention_days: 14"))
        let otherAdmin = try freePort()
        let otherListener = try freePort()
        try Self.rewrite(daemon) {
            $0.replacingOccurrences(of: "url: sqlite://capd.db", with: "url: sqlite://elsewhere.db")
                .replacingOccurrences(of: "flush_ms: 20", with: "flush_ms: 1000")
                .replacingOccurrences(of: "batch_rows: 500", with: "batch_rows: 7")
                .replacingOccurrences(of: "max_in_flight: 5", with: "max_in_flight: 1")
                .replacingOccurrences(of: "retention_days: 14", with: "retention_days: 1")
                .replacingOccurrences(of: "listen: 127.0.0.1:\(daemon.adminPort)", with: "listen: 127.0.0.1:\(otherAdmin)")
                .replacingOccurrences(of: "  - tcp://127.0.0.1:\(daemon.hepPort)",
                                      with: "  - tcp://127.0.0.1:\(daemon.hepPort)\n  - udp://127.0.0.1:\(otherListener)")
        }
        let expected = ["admin.listen", "listen", "store.batch_rows", "store.flush_ms", "store.max_in_flight",
                        "store.retention_days", "store.url"]
        let body = try Self.mi(daemon, "reload")
        let reply = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let result = reply?["result"] as? [String: Any]
        #expect(result?["result"] as? String == "ok", "\(body)")
        #expect(result?["restart_required"] as? [String] == expected, "\(body)")
        #expect(result?["applied"] as? [String] == [], "\(body)")
        #expect(daemon.waitFor(10) { daemon.log.contains("restart_required=" + expected.joined(separator: ",")) })

        let answer = try Self.ctlReload(daemon)
        #expect(answer.stdout == "ok\nrestart required: " + expected.joined(separator: ", ") + "\n",
                "\(answer.stdout)\(answer.stderr)")

        // Still the running store, listeners and admin endpoint.
        try daemon.sendUDP(try Self.packets("kept", 10))
        #expect(try daemon.waitFor(10) { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 10 })
        try udpSend(try Self.packets("other", 3), port: otherListener)
        #expect((try? httpRequest(port: otherAdmin, method: "GET", path: "/healthz")) == nil)
        #expect(daemon.terminate(timeout: 20) == 0)
        #expect(SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 10)
        #expect(!FileManager.default.fileExists(atPath: daemon.directory.appendingPathComponent("elsewhere.db").path))
    }

    /// Live keys: a rule change, the capture node and a new relay target take effect on the next packet;
    /// `capture.enabled` sets the capture switch.
    @Test func liveKeysTakeEffect() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        try daemon.sendUDP(try Self.packets("first", 5))
        #expect(try daemon.waitFor(10) { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 5 })

        let relayPort = try freePort()
        let receiver = try UDPReceiver(port: relayPort)
        try Self.rewrite(daemon) {
            $0.replacingOccurrences(of: "do: [capture]",
                                    with: "do: [{ capture: { table: moved } }, { relay: mirror }]")
                + "\ncapture:\n  node: edge02\nrelay:\n  mirror: udp://127.0.0.1:\(relayPort)\n"
        }
        let answer = try Self.ctlReload(daemon)
        #expect(answer.status == 0)
        #expect(answer.stdout == "ok\napplied: capture.node, relay.mirror, rules\n", "\(answer.stdout)\(answer.stderr)")
        try daemon.sendUDP(try Self.packets("second", 5))
        #expect(try daemon.waitFor(10) { SQLiteReader.count(daemon.databasePath, table: "moved") == 5 })
        #expect(receiver.receive(count: 5, timeout: 10) == 5)
        let nodes = try SQLiteReader.rows(daemon.databasePath, "SELECT DISTINCT node FROM moved")
        #expect(nodes == [["edge02:2001"]])

        // `capture.enabled: false` switches capture off, as `capd ctl sip_capture off` would.
        try Self.rewrite(daemon) { $0.replacingOccurrences(of: "  node: edge02", with: "  node: edge02\n  enabled: false") }
        daemon.signal(SIGHUP)
        #expect(daemon.waitFor(10) { daemon.log.contains("applied=capture.enabled restart_required=none") })
        #expect(try daemon.metrics()["capd_capture_enabled"] == 0)
        try daemon.sendUDP(try Self.packets("off", 4))
        #expect(try daemon.waitFor(10) { try daemon.metrics()["capd_drops_total{reason=\"capture_off\"}"] == 4 })
        #expect(daemon.terminate(timeout: 20) == 0)
        #expect(SQLiteReader.count(daemon.databasePath, table: "moved") == 5)
    }

    /// Reloads under traffic that flip restart-only store keys (schema, flush_ms, batch_rows) and a live rule
    /// back and forth: every packet received is stored, in the running schema, and SIGTERM drains promptly.
    @Test func reloadsUnderTrafficNeverWedgeTheStore() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        let original = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        let changed = original
            .replacingOccurrences(of: "  flush_ms: 20", with: "  flush_ms: 700\n  schema: homer7\n  batch_rows: 3")
            .replacingOccurrences(of: "- name: all", with: "- name: everything")
        let sender = TrafficSender(port: daemon.hepPort, prefix: "storm")
        sender.start()
        for round in 0..<10 {
            try (round % 2 == 0 ? changed : original).write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
            daemon.signal(SIGHUP)
            #expect(try daemon.waitFor(10) { try daemon.metrics()["capd_reloads_total{result=\"ok\"}"] == Double(round + 1) })
            usleep(50_000)
        }
        let sent = sender.stop()
        let received = "capd_packets_received_total{listener=\"udp://127.0.0.1:\(daemon.hepPort)\",version=\"3\"}"
        #expect(try daemon.waitFor(15) { try daemon.metrics()[received] == Double(sent) })
        #expect(try daemon.waitFor(15) { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == sent },
                "sent \(sent), stored \(SQLiteReader.count(daemon.databasePath, table: "sip_capture"))")
        let started = Date()
        #expect(daemon.terminate(timeout: 20) == 0)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(SQLiteReader.count(daemon.databasePath, table: "sip_capture") == sent)
        #expect(daemon.log.contains("restart_required=store.batch_rows,store.flush_ms,store.schema"))
    }

    /// `auth_key` and `store.table` (the default table of `capture`) apply to the next packet.
    @Test func authKeyAndDefaultTableApplyToTheNextPacket() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        try Self.rewrite(daemon) { "auth_key: s3cret\n" + $0.replacingOccurrences(of: "  flush_ms: 20", with: "  flush_ms: 20\n  table: renamed") }
        let answer = try Self.ctlReload(daemon)
        #expect(answer.stdout == "ok\napplied: auth_key, store.table\n", "\(answer.stdout)\(answer.stderr)")
        try daemon.sendUDP(try Self.packets("no-key", 3))
        #expect(try daemon.waitFor(10) { try daemon.metrics()["capd_drops_total{reason=\"auth_key\"}"] == 3 })
        let keyed = try (0..<4).map {
            try RunDaemonTests.packet(callID: "keyed-\($0)", extraChunks: [HEPChunk(type: 0x000e, body: Array("s3cret".utf8))]).bytes
        }
        try daemon.sendUDP(keyed)
        #expect(try daemon.waitFor(10) { SQLiteReader.count(daemon.databasePath, table: "renamed") == 4 })
        #expect(daemon.terminate(timeout: 20) == 0)
        #expect(SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 0)
    }

    /// `capd_config_last_reload_successful` and `..._success_timestamp_seconds`: 1 and the start time after
    /// start; 0 and the FILE:LINE:COL of the problem after a bad file (the old rules stay); 1 again after a
    /// good reload.
    @Test func reloadMetricsFollowSuccessAndFailure() throws {
        let before = Date().timeIntervalSince1970.rounded(.down)
        let daemon = try DaemonProcess(rules: Self.captureAll)
        var metrics = try daemon.metrics()
        #expect(metrics["capd_config_last_reload_successful"] == 1)
        let started = try #require(metrics["capd_config_last_reload_success_timestamp_seconds"])
        #expect(started >= before && started <= Date().timeIntervalSince1970)

        let good = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        try (good + "\nstore_typo: 1\n").write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let failed = try Self.ctlReload(daemon)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("capd.yaml:"), "\(failed.stderr)")
        #expect(failed.stderr.range(of: #"capd\.yaml:\d+:\d+: error:"#, options: .regularExpression) != nil, "\(failed.stderr)")
        metrics = try daemon.metrics()
        #expect(metrics["capd_config_last_reload_successful"] == 0)
        #expect(metrics["capd_config_last_reload_success_timestamp_seconds"] == started)
        try daemon.sendUDP(try Self.packets("kept", 3))
        #expect(try daemon.waitFor(10) { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 3 })

        sleep(1)
        try good.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(try daemon.waitFor(10) { try daemon.metrics()["capd_config_last_reload_successful"] == 1 })
        let reloaded = try #require(try daemon.metrics()["capd_config_last_reload_success_timestamp_seconds"])
        #expect(reloaded > started)
        #expect(daemon.terminate(timeout: 20) == 0)
    }
}

/// A UDP socket on 127.0.0.1 that counts datagrams (the relay target of a test).
final class UDPReceiver {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(fd); throw DaemonError(message: "bind failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Datagrams received until `count` arrived or `timeout` seconds passed.
    func receive(count: Int, timeout: TimeInterval) -> Int {
        var received = 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(timeout)
        while received < count && Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received += 1 }
        }
        return received
    }

    deinit { close(fd) }
}
