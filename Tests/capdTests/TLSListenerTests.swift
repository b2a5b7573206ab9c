import Foundation
import Testing

/// `tls://` listeners end to end: a real `capd run`, certificates made by openssl, Python `ssl` agents.
@Suite(.serialized) struct TLSListenerTests {
    static func rules(_ pki: TestPKI, requireClientCert: Bool = true, handshakeTimeout: Int = 10) -> String {
        """
        tls:
          cert: \(pki.path("server.pem"))
          key: \(pki.path("server.key"))
          ca: \(pki.path("ca.pem"))
          require_client_cert: \(requireClientCert)
          handshake_timeout_s: \(handshakeTimeout)
        \(RunDaemonTests.captureAll)
        """
    }

    static func start(_ pki: TestPKI, requireClientCert: Bool = true, handshakeTimeout: Int = 10) throws -> (DaemonProcess, UInt16) {
        let port = try freePort()
        let daemon = try DaemonProcess(
            rules: rules(pki, requireClientCert: requireClientCert, handshakeTimeout: handshakeTimeout),
            extraArguments: ["--listen", "tls://127.0.0.1:\(port)"])
        return (daemon, port)
    }

    static func agent(_ pki: TestPKI, port: UInt16, _ certificate: String?, frames: String, extra: [String] = []) throws -> [String: Any] {
        var arguments = ["send", "--port", String(port), "--ca", pki.path("ca.pem"), "--frames", frames]
        if let certificate { arguments += ["--cert", pki.path(certificate + ".pem"), "--key", pki.path(certificate + ".key")] }
        return try tlsClient(arguments + extra)
    }

    @Test func mutualTLSStoresTheGoodAgentAndRefusesTheOthersByReason() throws {
        let pki = try TestPKI()
        let (daemon, port) = try Self.start(pki)
        let frames = pki.path("frames.bin")
        try writeFrames(3, prefix: "tls", to: frames)

        let good = try Self.agent(pki, port: port, "client", frames: frames)
        #expect(good["ok"] as? Bool == true)
        #expect(good["version"] as? String == "TLSv1.3")
        // The server presents its chain: the client trusts only the root CA, the leaf hangs off an intermediate.
        #expect(good["peer_sha256"] as? String == (try pki.sha256("server.pem")))
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 3 })

        let refused: [(certificate: String?, extra: [String], reason: String)] = [
            (nil, [], "no_client_certificate"),
            ("other-client", [], "certificate_untrusted"),
            ("expired-client", [], "certificate_expired"),
            ("client", ["--max-version", "1.0"], "protocol_version"),
        ]
        for case let (certificate, extra, reason) in refused {
            let answer = try Self.agent(pki, port: port, certificate, frames: frames, extra: extra)
            #expect(answer["ok"] as? Bool == false, "\(reason): \(answer)")
            #expect(try daemon.waitFor {
                try daemon.metrics()["capd_tls_handshake_failures_total{listener=\"tls://127.0.0.1:\(port)\",reason=\"\(reason)\"}"] == 1
            }, "\(reason)")
        }
        // A client that does not trust capd's CA refuses the server; capd counts the alert.
        let distrustful = try tlsClient(["send", "--port", String(port), "--ca", pki.path("other-ca.pem"),
                                         "--cert", pki.path("client.pem"), "--key", pki.path("client.key"), "--frames", frames])
        #expect(distrustful["ok"] as? Bool == false)
        #expect(try daemon.waitFor {
            try daemon.metrics()["capd_tls_handshake_failures_total{listener=\"tls://127.0.0.1:\(port)\",reason=\"peer_rejected_certificate\"}"] == 1
        })
        // Nothing of the refused agents was stored; the failures were logged once for the peer (per minute).
        #expect(SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 3)
        #expect(daemon.terminate() == 0)
        let failureLines = daemon.log.split(separator: "\n").filter { $0.contains("event=tls_handshake_failed") }
        #expect(failureLines.count == 1, "\(failureLines)")
        #expect(failureLines.first?.contains("peer=127.0.0.1") == true)
        #expect(try RunDaemonTests.callIDs(daemon).sorted() == ["tls-0", "tls-1", "tls-2"])
    }

    @Test func silentSlowAndGarbagePeersAreClosedWithoutHoldingTheListener() throws {
        let pki = try TestPKI()
        let (daemon, port) = try Self.start(pki, requireClientCert: false, handshakeTimeout: 1)
        // A peer that connects and says nothing, and one that stops half-way through its ClientHello.
        let silent = try tlsClient(["stall", "--port", String(port), "--wait", "8"])
        let halfHello = try tlsClient(["stall", "--port", String(port), "--prefix", "5", "--wait", "8"])
        for answer in [silent, halfHello] {
            let closedAfter = try #require(answer["closed_after"] as? Double, "still open: \(answer)")
            #expect(closedAfter >= 0.9 && closedAfter < 5)
        }
        let garbage = try tlsClient(["garbage", "--port", String(port), "--wait", "5"])
        #expect(garbage["closed_after"] as? Double != nil)
        let listener = "tls://127.0.0.1:\(port)"
        #expect(try daemon.waitFor {
            let metrics = try daemon.metrics()
            return metrics["capd_tls_handshake_failures_total{listener=\"\(listener)\",reason=\"timeout\"}"] == 2
                && metrics["capd_tls_handshake_failures_total{listener=\"\(listener)\",reason=\"not_tls\"}"] == 1
        })
        // The listener still serves an agent (without a client certificate: not required here).
        let frames = pki.path("frames.bin")
        try writeFrames(2, prefix: "after", to: frames)
        let good = try Self.agent(pki, port: port, nil, frames: frames)
        #expect(good["ok"] as? Bool == true, "\(good)")
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 2 })
        #expect(try daemon.metrics()["capd_tcp_connections_open{listener=\"\(listener)\"}"] == 0)
        #expect(daemon.terminate() == 0)
    }

    @Test func unfinishedHandshakesAreEvictedToLetAnAgentIn() throws {
        let pki = try TestPKI()
        let port = try freePort()
        let daemon = try DaemonProcess(rules: """
            tcp:
              max_connections: 2
            \(Self.rules(pki, requireClientCert: false, handshakeTimeout: 60))
            """, extraArguments: ["--listen", "tls://127.0.0.1:\(port)"])
        // Two peers take both slots and never say hello.
        nonisolated(unsafe) var silent: [[String: Any]] = []
        let lock = NSLock()
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                let answer = (try? tlsClient(["stall", "--port", String(port), "--wait", "20"])) ?? [:]
                lock.lock(); silent.append(answer); lock.unlock()
                group.leave()
            }
        }
        #expect(try daemon.waitFor { try daemon.metrics()["capd_tcp_connections_open{listener=\"tls://127.0.0.1:\(port)\"}"] == 2 })
        let frames = pki.path("frames.bin")
        try writeFrames(2, prefix: "evicting", to: frames)
        let agent = try Self.agent(pki, port: port, nil, frames: frames)
        #expect(agent["ok"] as? Bool == true, "\(agent)")
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 2 })
        let metrics = try daemon.metrics()
        #expect(metrics["capd_tcp_connections_closed_total{listener=\"tls://127.0.0.1:\(port)\",reason=\"evicted\"}"] ?? 0 >= 1)
        #expect(metrics["capd_tls_handshake_failures_total{listener=\"tls://127.0.0.1:\(port)\",reason=\"timeout\"}"] ?? 0 >= 1)
        #expect(daemon.terminate() == 0)
        group.wait()
        // At least one silent peer was closed long before its 60 s handshake timeout.
        #expect(silent.contains { ($0["closed_after"] as? Double).map { $0 < 15 } ?? false }, "\(silent)")
    }

    @Test func rotatedCertificateServesNewConnectionsAfterSIGHUPWithoutLosingRows() throws {
        let pki = try TestPKI()
        let (daemon, port) = try Self.start(pki, requireClientCert: false)
        let original = try pki.sha256("server.pem")
        let rotated = try pki.sha256("server2.pem")
        #expect(original != rotated)

        // An agent streams 300 frames over 3 s on one connection while the files are replaced and capd reloads.
        let frames = pki.path("stream.bin")
        try writeFrames(300, prefix: "stream", to: frames)
        nonisolated(unsafe) var streamAnswer: [String: Any] = [:]
        let streaming = DispatchGroup()
        streaming.enter()
        DispatchQueue.global().async {
            streamAnswer = (try? Self.agent(pki, port: port, nil, frames: frames,
                                            extra: ["--rate", "100"])) ?? ["ok": false]
            streaming.leave()
        }
        usleep(1_000_000)
        try FileManager.default.removeItem(atPath: pki.path("server.pem"))
        try FileManager.default.copyItem(atPath: pki.path("server2.pem"), toPath: pki.path("server.pem"))
        try FileManager.default.removeItem(atPath: pki.path("server.key"))
        try FileManager.default.copyItem(atPath: pki.path("server2.key"), toPath: pki.path("server.key"))
        daemon.signal(SIGHUP)
        #expect(daemon.waitFor { daemon.log.contains("event=tls_certificate_reloaded") })

        let probe = pki.path("probe.bin")
        try writeFrames(1, prefix: "probe", to: probe)
        let after = try Self.agent(pki, port: port, nil, frames: probe)
        #expect(after["peer_sha256"] as? String == rotated)
        streaming.wait()
        // The established connection went on with the old certificate and lost nothing.
        #expect(streamAnswer["ok"] as? Bool == true, "\(streamAnswer)")
        #expect(streamAnswer["peer_sha256"] as? String == original)
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 301 })

        // A broken certificate file: the reload fails, says why, and the running certificate stays.
        try "not a certificate\n".write(toFile: pki.path("server.pem"), atomically: true, encoding: .utf8)
        let reload = try runCapd(["ctl", "reload", "--admin", "127.0.0.1:\(daemon.adminPort)"])
        #expect(reload.status != 0)
        #expect((reload.stdout + reload.stderr).contains("is not a PEM certificate"), "\(reload)")
        let still = try Self.agent(pki, port: port, nil, frames: probe)
        #expect(still["peer_sha256"] as? String == rotated)
        #expect(daemon.terminate() == 0)
        #expect(SQLiteReader.count(daemon.databasePath, table: "sip_capture") == 302)
    }
}

/// `capd check` loads the TLS files as the listener will and points at the key naming the faulty one.
@Suite struct TLSCheckTests {
    /// Writes `capd.yaml` with the `tls:` lines (relative paths: resolved against the file's directory) next
    /// to a copy of the PKI, and runs `capd check` from another directory.
    static func check(_ pki: TestPKI, _ tlsLines: [String]) throws -> ProcessResult {
        let directory = pki.directory.appendingPathComponent("conf-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("certs"), withIntermediateDirectories: true)
        for name in ["server.pem", "server.key", "server2.key", "server-encrypted.key", "ca.pem"] {
            try FileManager.default.copyItem(atPath: pki.path(name), toPath: directory.appendingPathComponent("certs/" + name).path)
        }
        let yaml = "listen:\n  - tls://127.0.0.1:9061\ntls:\n" + tlsLines.map { "  " + $0 + "\n" }.joined()
            + "routes:\n  main:\n    - do: [capture]\n"
        let path = directory.appendingPathComponent("capd.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try runCapd(["check", "-c", path])
    }

    @Test(arguments: [
        (["cert: certs/server.pem", "key: certs/server.key", "ca: certs/ca.pem", "require_client_cert: true"], nil as String?, ""),
        (["cert: certs/server.pem", "key: certs/server-encrypted.key"], ":5:8:", "encrypted with a passphrase"),
        (["cert: certs/server.pem", "key: certs/server2.key"], ":5:8:", "does not belong to the certificate"),
        (["cert: certs/missing.pem", "key: certs/server.key"], ":4:9:", "No such file or directory"),
        (["cert: certs/server.key", "key: certs/server.key"], ":4:9:", "is not a PEM certificate"),
        (["cert: certs/server.pem", "key: certs/server.key", "ca: certs/nope.pem"], ":6:7:", "CA file"),
        (["cert: certs/server.pem", "key: certs/server.key", "require_client_cert: true"], ":6:24:", "needs tls.ca"),
        (["cert: certs/server.pem", "key: certs/server.key", "min_version: 1.0"], ":6:16:", "must be 1.2 or 1.3"),
    ])
    func checkNamesTheFaultyFileAtItsKey(lines: [String], position: String?, message: String) throws {
        let pki = try TestPKI()
        let result = try Self.check(pki, lines)
        let output = result.stdout + result.stderr
        if let position {
            #expect(result.status != 0, "\(output)")
            #expect(output.contains("capd.yaml" + position), "\(output)")
            #expect(output.contains(message), "\(output)")
        } else {
            #expect(result.status == 0, "\(output)")
        }
    }

    @Test func tlsListenerWithoutTLSSectionIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capd-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("capd.yaml").path
        try "listen:\n  - udp://127.0.0.1:9060\n  - tls://127.0.0.1:9061\nroutes:\n  main:\n    - do: [capture]\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runCapd(["check", "-c", path])
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("capd.yaml:3:5:"), "\(result)")
        #expect((result.stdout + result.stderr).contains("needs a tls: section"))
    }
}

/// An edge capd relays to a central one over TLS with a client certificate (the central one requires it).
@Suite(.serialized) struct TLSRelayTests {
    @Test func relayOverTLSBetweenTwoInstancesCarriesTheEdits() throws {
        let pki = try TestPKI()
        let (central, port) = try TLSListenerTests.start(pki, requireClientCert: true)
        let edge = try DaemonProcess(rules: """
            store:
              url: sqlite://capd.db
              flush_ms: 20
            relay:
              central:
                to: tls://127.0.0.1:\(port)
                ca: \(pki.path("ca.pem"))
                cert: \(pki.path("client.pem"))
                key: \(pki.path("client.key"))
              untrusted:
                to: tls://127.0.0.1:\(port)
                ca: \(pki.path("other-ca.pem"))
                cert: \(pki.path("client.pem"))
                key: \(pki.path("client.key"))
            routes:
              main:
                - name: tag-and-forward
                  when: { sip.method: INVITE }
                  do:
                    - set: { chunk: capture_id, value: 4242 }
                    - set: { chunk: 0x0026, value: "relayed-by-capd", type: utf8 }
                    - relay: central
                    - relay: untrusted
            """)
        try edge.sendUDP([try RunDaemonTests.packet(callID: "tls-relayed-1").bytes,
                          try RunDaemonTests.packet(callID: "tls-relayed-2").bytes])
        #expect(try central.waitFor { SQLiteReader.count(central.databasePath, table: "sip_capture") == 2 })
        #expect(try edge.waitFor { try edge.metrics()["capd_relay_sent_total{target=\"central\"}"] == 2 })
        // The target whose CA does not sign the central certificate never hands it a packet.
        #expect(try edge.waitFor {
            (try edge.metrics()["capd_relay_tls_handshake_failures_total{target=\"tls://127.0.0.1:\(port)\"}"] ?? 0) >= 1
        })
        // (`capd_relay_sent_total` counts packets queued for a target; the central store shows what arrived.)
        usleep(500_000)
        #expect(SQLiteReader.count(central.databasePath, table: "sip_capture") == 2)
        #expect(edge.terminate() == 0)
        #expect(central.terminate() == 0)
        let rows = try SQLiteReader.rows(central.databasePath, "SELECT callid, node, source_ip, micro_ts, msg FROM sip_capture ORDER BY callid")
        #expect(rows.map { $0[0] } == ["tls-relayed-1", "tls-relayed-2"])
        #expect(rows.allSatisfy { $0[1] == "homer01:4242" && $0[2] == "192.0.2.10" && $0[3] == "1700000000000001" })
        let original = String(decoding: try RunDaemonTests.packet(callID: "tls-relayed-1").payload, as: UTF8.self)
        #expect(rows.first?[0 + 4] == original)
    }
}
