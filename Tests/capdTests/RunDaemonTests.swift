import Foundation
import HEP
import Testing

/// `capd run` as a process: real UDP/TCP sockets on loopback, a real SQLite file, signals and the admin
/// endpoint. Each test starts its own daemon on its own ports and directory.
@Suite(.serialized) struct RunDaemonTests {
    static let captureAll = """
        store:
          url: sqlite://capd.db
          flush_ms: 20
        routes:
          main:
            - name: all
              do: [capture]
        """

    static let invite: HEPPacket = {
        // The spec's example INVITE; tests give each copy its own Call-ID.
        let bytes = try! Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_sip_invite_ipv4_udp.bin")))
        return try! HEPPacket.decode([UInt8](bytes))
    }()

    /// A HEPv3 INVITE whose Call-ID is `callID`, optionally with extra chunks.
    static func packet(callID: String, captureID: UInt32 = 2001, extraChunks: [HEPChunk] = []) throws -> HEPPacket {
        let text = String(decoding: invite.payload, as: UTF8.self)
            .replacingOccurrences(of: "a84b4c76e66710@192.0.2.10", with: callID)
        return try HEPPacket(sourceIP: invite.sourceIP, destinationIP: invite.destinationIP, sourcePort: 5060,
                             destinationPort: 5060, timestampSeconds: 1_700_000_000, timestampMicroseconds: 1,
                             captureID: captureID, payload: Array(text.utf8), extraChunks: extraChunks)
    }

    static func callIDs(_ daemon: DaemonProcess, table: String = "sip_capture") throws -> [String] {
        try SQLiteReader.rows(daemon.databasePath, "SELECT callid FROM \(table) ORDER BY id").compactMap { $0.first ?? nil }
    }

    @Test func everyHEPVersionOverUDPAndV3OverTCPIsStoredExactlyOnce() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        let v1 = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("corpus/hep/raw/heplify-server_hepv1_sip_200ok.bin"))))
        let v2 = try Self.packet(callID: "udp-v2").encoded(as: .v2)
        let v3 = try Self.packet(callID: "udp-v3").bytes
        try daemon.sendUDP([v1, v2, v3])

        // TCP: two frames in one segment, then one frame split across three writes.
        let tcp = try TCPClient(port: daemon.hepPort)
        try tcp.write(try Self.packet(callID: "tcp-a").bytes + Self.packet(callID: "tcp-b").bytes)
        let split = try Self.packet(callID: "tcp-split").bytes
        try tcp.write(split[0..<3])
        usleep(50_000)
        try tcp.write(split[3..<200])
        usleep(50_000)
        try tcp.write(split[200...])

        #expect(try daemon.waitFor { try daemon.metrics()["capd_rows_stored_total{table=\"sip_capture\"}"] == 6 })
        #expect(daemon.terminate() == 0)
        let ids = try Self.callIDs(daemon)
        #expect(ids.sorted() == ["c707ab22-6e16-11ec-bc82-2725289e8dc3_80f4955c-5cc17bbb-13c4-dd998-2104df6e-dd998",
                                 "tcp-a", "tcp-b", "tcp-split", "udp-v2", "udp-v3"])
        let nodes = try SQLiteReader.rows(daemon.databasePath, "SELECT callid, node FROM sip_capture")
        let byCall = Dictionary(uniqueKeysWithValues: nodes.map { ($0[0] ?? "", $0[1] ?? "") })
        #expect(byCall["udp-v3"] == "homer01:2001")
        #expect(byCall["udp-v2"] == "homer01:2001")
        #expect(byCall["c707ab22-6e16-11ec-bc82-2725289e8dc3_80f4955c-5cc17bbb-13c4-dd998-2104df6e-dd998"] == "homer01")
    }

    @Test func defaultRulesStoreTheRTCPReportWithItsCorrelationID() throws {
        // The routes of rules/default.yaml: reports (every proto type but SIP) and SIP capture.
        let defaults = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("rules/default.yaml"), encoding: .utf8)
        let routes = try #require(defaults.range(of: "routes:")).lowerBound
        let daemon = try DaemonProcess(rules: "store:\n  url: sqlite://capd.db\n  flush_ms: 20\n" + defaults[routes...])
        let rtcp = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_rtcp_report_corr.bin"))))
        let invite = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_sip_invite_ipv4_udp.bin"))))
        try daemon.sendUDP([rtcp, invite])
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "rtcp_capture") == 1
            && SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 1 })
        #expect(daemon.terminate() == 0)
        // The worked row of opensips-sipcapture-behaviour.md §9.3 (proto: capd stores the IANA number, 17).
        let rows = try SQLiteReader.rows(daemon.databasePath, """
            SELECT micro_ts, correlation_id, source_ip, source_port, destination_ip, destination_port, proto, family, type, node, length(msg)
            FROM rtcp_capture
            """)
        #expect(rows == [["1700000005250000", "a84b4c76e66710@192.0.2.10", "192.0.2.10", "49171", "198.51.100.20", "51373",
                          "17", "2", "5", "homer01:2001", "317"]])
    }

    @Test func namedHEPRouteReportsResumesAndDropsAsOpenSIPSDoes() throws {
        let daemon = try DaemonProcess(rules: """
            store:
              url: sqlite://capd.db
              flush_ms: 20
            hep_route: hep_in
            routes:
              hep_in:
                - name: rtcp
                  when: { hep.proto_type: RTCP }
                  do: [{ report: { correlation_id: "${hep.correlation_id}", table: qos } }, drop]
                - name: only-agent-2001
                  when: { hep.capture_id: 2001 }
                  do: [resume_sip]
              main:
                - name: registrations
                  when: { sip.method: REGISTER }
                  do: [{ capture: { table: "reg_%Y%m%d", custom_field2: "${sip.header.P-Asserted-Identity}" } }, stop]
                - name: dedup-then-capture
                  do: [{ dedup: 2s }, capture]
            """)
        let rtcp = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_rtcp_report_corr.bin"))))
        // A current agent clock: the daily table is named from the packet's time (a clock more than 10 minutes
        // off would name it from the receive time instead).
        let now = UInt32(Date().timeIntervalSince1970)
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd"
        let registrations = "reg_" + formatter.string(from: Date(timeIntervalSince1970: TimeInterval(now)))
        let register = try HEPPacket(
            sourceIP: Self.invite.sourceIP, destinationIP: Self.invite.destinationIP, sourcePort: 5060, destinationPort: 5060,
            timestampSeconds: now, captureID: 2001,
            payload: Array("REGISTER sip:atlanta.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKreg\r\nFrom: <sip:alice@atlanta.example.com>;tag=1\r\nTo: <sip:alice@atlanta.example.com>\r\nCall-ID: reg-1\r\nCSeq: 1 REGISTER\r\nP-Asserted-Identity: <sip:+15550001@atlanta.example.com>\r\nContent-Length: 0\r\n\r\n".utf8))
        let invite = try Self.packet(callID: "dup-call")
        let otherAgent = try Self.packet(callID: "agent-7", captureID: 7)
        try daemon.sendUDP([rtcp, register.bytes, invite.bytes, invite.bytes, otherAgent.bytes])
        #expect(try daemon.waitFor {
            SQLiteReader.count(daemon.databasePath, table: "qos") == 1 && SQLiteReader.count(daemon.databasePath, table: registrations) == 1
                && SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 1
        })
        #expect(try daemon.waitFor { try daemon.metrics()["capd_drops_total{reason=\"hep_route_end\"}"] == 1 })
        let metrics = try daemon.metrics()
        #expect(metrics["capd_drops_total{reason=\"dedup\"}"] == 1)
        #expect(metrics["capd_rule_matches_total{rule=\"hep_in/rtcp\"}"] == 1)
        #expect(metrics["capd_rule_matches_total{rule=\"main/registrations\"}"] == 1)
        #expect(daemon.terminate() == 0)
        #expect(try SQLiteReader.rows(daemon.databasePath, "SELECT correlation_id, type FROM qos") == [["a84b4c76e66710@192.0.2.10", "5"]])
        #expect(try SQLiteReader.rows(daemon.databasePath, "SELECT callid, custom_field2 FROM \(registrations)")
                == [["reg-1", "<sip:+15550001@atlanta.example.com>"]])
        #expect(try Self.callIDs(daemon) == ["dup-call"])
    }

    @Test func hepRouteNoneStoresEverySIPPacketWithoutRules() throws {
        let daemon = try DaemonProcess(rules: """
            store:
              url: sqlite://capd.db
              flush_ms: 20
            hep_route: none
            routes:
              main:
                - do: [drop]
            """)
        let rtcp = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_rtcp_report_corr.bin"))))
        try daemon.sendUDP([try Self.packet(callID: "none-1").bytes, rtcp, try Self.packet(callID: "none-2").bytes])
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 2 })
        #expect(try daemon.waitFor { try daemon.metrics()["capd_drops_total{reason=\"not_sip\"}"] == 1 })
        #expect(daemon.terminate() == 0)
        #expect(try Self.callIDs(daemon) == ["none-1", "none-2"])
    }

    @Test func sigtermFlushesEveryAcceptedPacket() throws {
        let daemon = try DaemonProcess(rules: """
            store:
              url: sqlite://capd.db
              batch_rows: 500
              flush_ms: 60000
            routes:
              main:
                - do: [capture]
            """)
        let count = 3_000
        var datagrams: [[UInt8]] = []
        for i in 0..<count { datagrams.append(try Self.packet(callID: "term-\(i)").bytes) }
        for chunk in stride(from: 0, to: count, by: 500) {
            try daemon.sendUDP(Array(datagrams[chunk..<min(count, chunk + 500)]))
            usleep(20_000)
        }
        let received = "capd_packets_received_total{listener=\"udp://127.0.0.1:\(daemon.hepPort)\",version=\"3\"}"
        #expect(try daemon.waitFor { try daemon.metrics()[received] == Double(count) })
        // flush_ms is a minute: whatever is not in a full batch yet is written by the shutdown drain.
        #expect(daemon.terminate() == 0)
        #expect(SQLiteReader.count(daemon.databasePath, table: "sip_capture") == count)
        #expect(Set(try Self.callIDs(daemon)).count == count)
        #expect(daemon.log.contains("every accepted row is in the database"))
    }

    @Test func captureSwitchOffAndOnWhileTrafficFlows() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        let admin = "127.0.0.1:\(daemon.adminPort)"
        try daemon.sendUDP((0..<20).map { try Self.packet(callID: "on-\($0)").bytes })
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 20 })

        let off = try runCapd(["ctl", "--admin", admin, "sip_capture", "off"])
        #expect(off.status == 0)
        #expect(off.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "off")
        #expect(try runCapd(["ctl", "--admin", admin, "sip_capture"]).stdout.contains("off"))
        try daemon.sendUDP((0..<15).map { try Self.packet(callID: "off-\($0)").bytes })
        #expect(try daemon.waitFor { try daemon.metrics()["capd_drops_total{reason=\"capture_off\"}"] == 15 })
        #expect(try daemon.metrics()["capd_capture_enabled"] == 0)

        #expect(try runCapd(["ctl", "--admin", admin, "sip_capture", "on"]).stdout.contains("on"))
        try daemon.sendUDP((0..<10).map { try Self.packet(callID: "again-\($0)").bytes })
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 30 })
        #expect(daemon.terminate() == 0)
        let ids = try Self.callIDs(daemon)
        #expect(ids.count == 30)
        #expect(!ids.contains { $0.hasPrefix("off-") })
    }

    @Test func goodAndBadReloadsUnderTrafficLoseNothing() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        let admin = "127.0.0.1:\(daemon.adminPort)"
        let sender = TrafficSender(port: daemon.hepPort, prefix: "reload")
        sender.start()

        usleep(200_000)
        // A broken file: unknown field. The old rules stay live; the error names FILE:LINE:COL.
        let good = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        try good.replacingOccurrences(of: "do: [capture]", with: "when: { sip.methd: INVITE }\n      do: [capture]")
            .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(try daemon.waitFor { try daemon.metrics()["capd_reloads_total{result=\"error\"}"] == 1 })
        #expect(daemon.waitFor { daemon.log.contains("capd.yaml:") && daemon.log.contains("sip.methd") })

        usleep(200_000)
        // A good file that stores into another table, through `capd ctl reload`.
        try good.replacingOccurrences(of: "do: [capture]", with: "do: [{ capture: { table: after_reload } }]")
            .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let reload = try runCapd(["ctl", "--admin", admin, "reload"])
        #expect(reload.status == 0, "\(reload.stdout)\(reload.stderr)")
        #expect(try daemon.metrics()["capd_reloads_total{result=\"ok\"}"] == 1)
        usleep(300_000)
        let sent = sender.stop()

        let received = "capd_packets_received_total{listener=\"udp://127.0.0.1:\(daemon.hepPort)\",version=\"3\"}"
        #expect(try daemon.waitFor { try daemon.metrics()[received] == Double(sent) })
        #expect(daemon.terminate() == 0)
        let before = SQLiteReader.count(daemon.databasePath, table: "sip_capture")
        let after = SQLiteReader.count(daemon.databasePath, table: "after_reload")
        #expect(before > 0)
        #expect(after > 0)
        #expect(before + after == sent, "sent \(sent), stored \(before) + \(after)")
    }

    @Test func malformedPacketsAreCountedByReasonAndTheListenerKeepsServing() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        var truncated = try Self.packet(callID: "x").bytes
        truncated.removeLast(10)
        var badFamily = try Self.packet(callID: "y").encoded(as: .v2)
        badFamily[2] = 7
        try daemon.sendUDP([Array("this is not HEP at all, just text".utf8), truncated, badFamily,
                            try Self.packet(callID: "good-after-garbage").bytes])
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 1 })
        let metrics = try daemon.metrics()
        #expect(metrics["capd_decode_errors_total{reason=\"not_hep\"}"] == 1)
        #expect(metrics["capd_decode_errors_total{reason=\"length_mismatch\"}"] == 1)
        #expect(metrics["capd_decode_errors_total{reason=\"bad_family\"}"] == 1)
        // Garbage on TCP closes only that connection.
        let garbage = try TCPClient(port: daemon.hepPort)
        try garbage.write(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        let tcp = try TCPClient(port: daemon.hepPort)
        try tcp.write(try Self.packet(callID: "tcp-after-garbage").bytes)
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 2 })
        #expect(daemon.terminate() == 0)
    }

    @Test func packetsWithoutTheAuthKeyAreDropped() throws {
        let daemon = try DaemonProcess(rules: "auth_key: s3cret\n" + Self.captureAll)
        let good = try Self.packet(callID: "with-key", extraChunks: [HEPChunk(type: 0x000e, body: Array("s3cret".utf8))])
        let foreign = try Self.packet(callID: "foreign-key", extraChunks: [HEPChunk(type: 0x000e, body: Array("guess".utf8))])
        let none = try Self.packet(callID: "no-key")
        try daemon.sendUDP([foreign.bytes, none.bytes, good.bytes, try none.encoded(as: .v2)])
        #expect(try daemon.waitFor { try daemon.metrics()["capd_drops_total{reason=\"auth_key\"}"] == 3 })
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 1 })
        #expect(daemon.terminate() == 0)
        #expect(try Self.callIDs(daemon) == ["with-key"])
    }

    @Test func relayBetweenTwoInstancesCarriesTheEdits() throws {
        let receiver = try DaemonProcess(rules: Self.captureAll)
        let relay = try DaemonProcess(rules: """
            store:
              url: sqlite://capd.db
              flush_ms: 20
            relay:
              downstream: { to: udp://127.0.0.1:\(receiver.hepPort), version: 3 }
            routes:
              main:
                - name: tag-and-forward
                  when: { sip.method: INVITE }
                  do:
                    - set: { chunk: capture_id, value: 4242 }
                    - set: { chunk: 0x0026, value: "relayed-by-capd", type: utf8 }
                    - relay: downstream
            """)
        try relay.sendUDP([try Self.packet(callID: "relayed-1").bytes, try Self.packet(callID: "relayed-2").bytes])
        #expect(try receiver.waitFor { SQLiteReader.count(receiver.databasePath, table: "sip_capture") == 2 })
        #expect(try relay.metrics()["capd_relay_sent_total{target=\"downstream\"}"] == 2)
        #expect(relay.terminate() == 0)
        #expect(receiver.terminate() == 0)
        let rows = try SQLiteReader.rows(receiver.databasePath, "SELECT callid, node, source_ip, micro_ts, msg FROM sip_capture ORDER BY callid")
        #expect(rows.map { $0[0] } == ["relayed-1", "relayed-2"])
        #expect(rows.allSatisfy { $0[1] == "homer01:4242" && $0[2] == "192.0.2.10" && $0[3] == "1700000000000001" })
        let original = String(decoding: try Self.packet(callID: "relayed-1").payload, as: UTF8.self)
        #expect(rows.first?[4] == original)
        // The relaying instance stored nothing itself (its rule only relays).
        #expect(SQLiteReader.count(relay.databasePath, table: "sip_capture") == 0)
    }

    @Test func adminEndpointRefusesNonJSONRPCAndKeepsServing() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        let garbage = try httpRequest(port: daemon.adminPort, method: "POST", path: "/mi", body: "{not json")
        #expect(garbage.status == 200 || garbage.status == 400)
        #expect(garbage.body.contains("-32700"))
        let notRPC = try httpRequest(port: daemon.adminPort, method: "POST", path: "/mi", body: "[1,2,3]")
        #expect(notRPC.body.contains("-32600"))
        let wrongType = try httpRequest(port: daemon.adminPort, method: "POST", path: "/mi", body: "hello", contentType: "text/plain")
        #expect(wrongType.status == 415)
        #expect(try httpRequest(port: daemon.adminPort, method: "GET", path: "/mi").status == 405)
        let stats = try httpRequest(port: daemon.adminPort, method: "POST", path: "/mi",
                                    body: #"{"jsonrpc":"2.0","method":"sip_capture","id":1}"#)
        #expect(stats.body.contains("\"on\""))
        #expect(try httpRequest(port: daemon.adminPort, method: "GET", path: "/healthz").status == 200)
        #expect(daemon.terminate() == 0)
    }

    @Test func invalidConfigurationRefusesToStartWithFileLineColumn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capd-bad-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.yaml").path
        try "routes:\n  main:\n    - when: { sip.method: { regex: \"(\" } }\n      do: [capture]\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runCapd(["run", "-c", path, "--admin", "off", "--listen", "udp://127.0.0.1:1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad.yaml:3:"))
        #expect(result.stderr.contains("error:"))
    }
}

/// Sends HEPv3 INVITEs with unique Call-IDs to a port from a background thread until stopped (bounded:
/// at most 20 000 packets or 30 s), pacing ~1 packet per 200 µs.
final class TrafficSender: @unchecked Sendable {
    private let port: UInt16
    private let prefix: String
    private let lock = NSLock()
    private var running = false
    private var sent = 0
    private let done = DispatchSemaphore(value: 0)

    init(port: UInt16, prefix: String) {
        self.port = port
        self.prefix = prefix
    }

    func start() {
        lock.lock(); running = true; lock.unlock()
        Thread {
            let start = Date()
            var n = 0
            while n < 20_000, Date().timeIntervalSince(start) < 30 {
                self.lock.lock()
                let keepGoing = self.running
                self.lock.unlock()
                if !keepGoing { break }
                if let packet = try? RunDaemonTests.packet(callID: "\(self.prefix)-\(n)"),
                   (try? udpSend([packet.bytes], port: self.port)) != nil {
                    n += 1
                }
                usleep(200)
            }
            self.lock.lock(); self.sent = n; self.lock.unlock()
            self.done.signal()
        }.start()
    }

    /// Stops sending and returns how many packets went out.
    func stop() -> Int {
        lock.lock(); running = false; lock.unlock()
        done.wait()
        lock.lock(); defer { lock.unlock() }
        return sent
    }
}
