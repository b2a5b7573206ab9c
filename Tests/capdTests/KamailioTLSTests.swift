import Foundation
import Testing
import TestSupport

/// A real HEP-over-TLS agent: Kamailio 5.6 (`tls.so`, `siptrace` in HEP mode) proxies sipp calls and
/// mirrors every SIP message it receives and sends as HEPv3 over TLS, with a client certificate, to capd.
/// Needs Debian's kamailio, kamailio-tls-modules and sip-tester (scripts/setup.sh --test installs them).
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/kamailio")
                              && FileManager.default.isExecutableFile(atPath: "/usr/bin/sipp")))
struct KamailioTLSTests {
    @Test func everyMessageOfEveryCallArrivesOverTLS() throws {
        let pki = try TestPKI()
        let (capd, tlsPort) = try TLSListenerTests.start(pki, requireClientCert: true)
        let proxyPort = try freePort(), proxyTLSPort = try freePort(), uasPort = try freePort(), uacPort = try freePort()
        let directory = pki.directory
        let tlsConfig = directory.appendingPathComponent("kamailio-tls.cfg").path
        try """
            [server:default]
            method = TLSv1.2+
            certificate = \(pki.path("server.pem"))
            private_key = \(pki.path("server.key"))

            [client:default]
            method = TLSv1.2+
            verify_certificate = yes
            require_certificate = yes
            ca_list = \(pki.path("ca.pem"))
            certificate = \(pki.path("client.pem"))
            private_key = \(pki.path("client.key"))
            """.write(toFile: tlsConfig, atomically: true, encoding: .utf8)
        let kamailioConfig = directory.appendingPathComponent("kamailio.cfg").path
        try """
            #!KAMAILIO
            debug=2
            log_stderror=yes
            children=2
            tcp_children=2
            auto_aliases=no
            listen=udp:127.0.0.1:\(proxyPort)
            listen=tls:127.0.0.1:\(proxyTLSPort)
            enable_tls=yes
            mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
            loadmodule "tls.so"
            loadmodule "sl.so"
            loadmodule "tm.so"
            loadmodule "pv.so"
            loadmodule "siptrace.so"
            modparam("tls", "config", "\(tlsConfig)")
            modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:\(tlsPort);transport=tls")
            modparam("siptrace", "hep_mode_on", 1)
            modparam("siptrace", "hep_version", 3)
            modparam("siptrace", "hep_capture_id", 2001)
            modparam("siptrace", "trace_on", 1)
            modparam("siptrace", "trace_to_database", 0)
            modparam("siptrace", "trace_mode", 1)

            request_route {
                $du = "sip:127.0.0.1:\(uasPort)";
                if ($rm == "ACK") {
                    forward();
                    exit;
                }
                t_relay();
            }
            """.write(toFile: kamailioConfig, atomically: true, encoding: .utf8)

        // Kamailio forks workers and does not act on a SIGTERM from this process (the test runner's threads
        // block it and children inherit the mask): it runs in a session of its own, and the whole process
        // group (its main pid, from -P) is killed at the end.
        let kamailio = Process()
        let pidFile = directory.appendingPathComponent("kamailio.pid").path
        kamailio.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        kamailio.arguments = ["/usr/sbin/kamailio", "-f", kamailioConfig, "-DD", "-E", "-w", directory.path, "-P", pidFile]
        let kamailioLog = directory.appendingPathComponent("kamailio.log")
        FileManager.default.createFile(atPath: kamailioLog.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: kamailioLog)
        kamailio.standardOutput = logHandle
        kamailio.standardError = logHandle
        try kamailio.run()
        defer {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 {
                kill(-pid, SIGKILL)
            }
            kamailio.waitUntilExitReliably()
        }
        usleep(1_500_000)
        #expect(FileManager.default.fileExists(atPath: pidFile), "\((try? String(contentsOf: kamailioLog, encoding: .utf8)) ?? "")")

        let calls = 10
        // sipp's own UAS with 100 ms between its 180 and its 200: sent back to back, the two replies reach two
        // Kamailio workers at once, and when the 200 is relayed first tm does not relay the late 180 (a
        // provisional reply after the final one), so that call has no "180 out" to trace — seen in a quarter
        // of the runs on a busy machine, on the one TLS connection capd accepted, with no framing error.
        let builtIn = try runTool(["sipp", "-sd", "uas"])
        let uasScenario = directory.appendingPathComponent("uas.xml").path
        guard let sent180 = builtIn.stdout.range(of: "</send>") else {
            Issue.record("sipp -sd uas printed no scenario: \(builtIn.stderr)")
            return
        }
        try builtIn.stdout.replacingCharacters(in: sent180, with: "</send>\n  <pause milliseconds=\"100\"/>")
            .write(toFile: uasScenario, atomically: true, encoding: .utf8)
        let uas = Process()
        uas.executableURL = URL(fileURLWithPath: "/usr/bin/sipp")
        uas.arguments = ["-sf", uasScenario, "-i", "127.0.0.1", "-p", String(uasPort), "-m", String(calls), "-nostdin",
                         "-timeout", "60"]
        uas.standardOutput = FileHandle.nullDevice
        uas.standardError = FileHandle.nullDevice
        uas.currentDirectoryURL = directory
        try uas.run()
        defer { if !uas.hasExited { uas.terminate() } }
        usleep(300_000)
        let uac = try runTool(["sipp", "-sn", "uac", "127.0.0.1:\(proxyPort)", "-i", "127.0.0.1", "-p", String(uacPort),
                               "-m", String(calls), "-r", "10", "-nostdin", "-timeout", "60"], timeout: 90)
        #expect(uac.status == 0, "sipp uac: \(uac.stdout.suffix(2_000))")

        // Per call the proxy sees and sends 13 distinct messages: INVITE in/out, 100 out, 180 in/out, 200 in/out,
        // ACK in/out, BYE in/out, 200 in/out. On a busy machine sipp or Kamailio may retransmit one (a second
        // INVITE when the 100 comes late): Kamailio traces every copy, so a call has 13 kinds of message (method
        // or status, CSeq, direction) and at least 13 rows, and capd stores every message it received.
        let expected = 13 * calls
        let received = "capd_packets_received_total{listener=\"tls://127.0.0.1:\(tlsPort)\",version=\"3\"}"
        let kindsPerCall = """
            SELECT callid, count(DISTINCT method || '|' || cseq || '|' || source_port || '|' || destination_port), count(*)
            FROM sip_capture GROUP BY callid
            """
        #expect(try capd.waitFor(20) {
            ((try? SQLiteReader.rows(capd.databasePath, kindsPerCall)) ?? []).filter { $0[1] == "13" }.count == calls
        })
        // Settled: what arrived is stored.
        #expect(try capd.waitFor(10) {
            let stored = SQLiteReader.count(capd.databasePath, table: "sip_capture")
            return stored >= expected && Double(stored) == (try? capd.metrics())?[received]
        })
        let perCall = try SQLiteReader.rows(capd.databasePath, kindsPerCall)
        #expect(perCall.count == calls)
        let incomplete = perCall.filter { $0[1] != "13" }.compactMap { $0[0] }
        let incompleteRows = try incomplete.flatMap { callID in
            try SQLiteReader.rows(capd.databasePath, "SELECT micro_ts, method, reply_reason, cseq, source_port, destination_port FROM sip_capture WHERE callid = '\(callID)' ORDER BY id")
        }
        #expect(perCall.allSatisfy { $0[1] == "13" && (Int($0[2] ?? "") ?? 0) >= 13 },
                "incomplete calls: \(incompleteRows.map { $0.compactMap { $0 }.joined(separator: " ") })")
        let kamailioErrors = ((try? String(contentsOf: kamailioLog, encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { ($0.contains("ERROR") || $0.contains("WARNING")) && !$0.contains("tm_load") && !$0.contains("bug #1491") }
        let metrics = try capd.metrics()
        let stored = SQLiteReader.count(capd.databasePath, table: "sip_capture")
        #expect(metrics[received] == Double(stored) && stored >= expected,
                "kamailio: \(kamailioErrors.prefix(10)) capd: \(metrics.filter { ($0.key.contains("tls") || $0.key.contains("tcp_conn") || $0.key.contains("decode")) && $0.value > 0 })")
        #expect(metrics["capd_tls_handshakes_total{listener=\"tls://127.0.0.1:\(tlsPort)\"}"] ?? 0 >= 1)
        #expect(capd.terminate() == 0)
    }
}
