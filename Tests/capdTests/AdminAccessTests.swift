import Foundation
import Testing
import TestSupport
@testable import capd

/// Issue 15 row 3 / issue 11 item 3: `/mi` refuses cross-site and unauthenticated control.
/// First the routing and checks without sockets, then a running `capd run` over real sockets.
@Suite("Admin access: content type, origin, bearer token")
struct AdminAccessTests {
    static let captureOff = #"{"jsonrpc":"2.0","method":"sip_capture","params":["off"],"id":1}"#
    static let local = AdminRequest.LocalAddress(host: "127.0.0.1", port: 9096)

    private func service(token: String? = nil) throws -> (AdminService, RecordingControl, CapdMetrics) {
        let metrics = CapdMetrics()
        let control = RecordingControl()
        return (AdminService(metrics: metrics, control: control, access: AdminAccessPolicy(token: token)), control, metrics)
    }

    private func mi(_ headers: [(String, String)], body: String = captureOff) -> AdminRequest {
        AdminRequest(method: "POST", path: "/mi", headers: headers.map { (name: $0.0, value: $0.1) },
                     body: Array(body.utf8), peer: "127.0.0.1:40000", local: Self.local)
    }

    @Test("the curl of issue 15 row 3 (empty Content-Type, foreign Origin) is refused and capture stays on")
    func crossSiteCurlRefused() throws {
        let (service, control, metrics) = try service()
        let reply = service.respond(to: mi([("Content-Type", ""), ("Origin", "http://evil.example")]))
        #expect(reply.status == .forbidden)
        #expect(control.captureEnabled)
        #expect(metrics.value("capd_admin_refused_total{reason=\"foreign_origin\"}") == 1)
    }

    @Test("no Content-Type, or not JSON: 415 and nothing changes", arguments: [
        [], [("Content-Type", "")], [("Content-Type", "text/plain")], [("Content-Type", "application/x-www-form-urlencoded")],
        [("Content-Type", "multipart/form-data; boundary=x")], [("Content-Type", "application/json-rpc")],
    ])
    func contentTypeRequired(headers: [(String, String)]) throws {
        let (service, control, _) = try service()
        #expect(service.respond(to: mi(headers)).status == .unsupportedMediaType)
        #expect(control.captureEnabled)
    }

    @Test("application/json with parameters, from curl or ctl (no Origin) or the admin page's own origin: served",
          arguments: [
            [("Content-Type", "application/json")], [("Content-Type", "Application/JSON; charset=utf-8")],
            [("Content-Type", "application/json"), ("Origin", "http://127.0.0.1:9096")],
            [("Content-Type", "application/json"), ("Origin", "http://localhost:9096")],
            [("Content-Type", "application/json"), ("Origin", "http://[::1]:9096")],
          ])
    func allowed(headers: [(String, String)]) throws {
        let (service, control, _) = try service()
        let reply = service.respond(to: mi(headers))
        #expect(reply.status == .ok)
        #expect(!control.captureEnabled)
    }

    @Test("an Origin other than the admin address: 403", arguments: [
        "http://evil.example", "null", "http://127.0.0.1:9097", "https://127.0.0.1:9096", "http://127.0.0.1",
        "http://10.0.0.1:9096", "http://localhost.evil.example:9096", "file://", "http://127.0.0.1:9096@evil.example",
    ])
    func foreignOrigin(origin: String) throws {
        let (service, control, _) = try service()
        let reply = service.respond(to: mi([("Content-Type", "application/json"), ("Origin", origin)]))
        #expect(reply.status == .forbidden)
        #expect(control.captureEnabled)
    }

    @Test("on a non-loopback address only that address is its own origin")
    func nonLoopbackOrigin() {
        let local = AdminRequest.LocalAddress(host: "192.0.2.7", port: 9096)
        #expect(AdminAccessPolicy.originIsOwn("http://192.0.2.7:9096", local: local))
        #expect(!AdminAccessPolicy.originIsOwn("http://localhost:9096", local: local))
        #expect(!AdminAccessPolicy.originIsOwn("http://127.0.0.1:9096", local: local))
    }

    @Test("with admin.token: 401 without it or with a wrong one (nothing changes), 200 with it")
    func token() throws {
        let (service, control, metrics) = try service(token: "s3cret-T0ken")
        let json = ("Content-Type", "application/json")
        for headers in [[json], [json, ("Authorization", "Bearer wrong")], [json, ("Authorization", "Basic czNjcmV0")],
                        [json, ("Authorization", "Bearer s3cret-T0ke")], [json, ("Authorization", "s3cret-T0ken")]] {
            let reply = service.respond(to: mi(headers))
            #expect(reply.status == .unauthorized)
            #expect(reply.extraHeaders.contains { $0.0 == "WWW-Authenticate" })
        }
        #expect(control.captureEnabled)
        #expect(control.reloadCount.value == 0)
        #expect(metrics.value("capd_admin_refused_total{reason=\"unauthorized\"}") == 5)
        let reply = service.respond(to: mi([json, ("Authorization", "bearer s3cret-T0ken")]))
        #expect(reply.status == .ok)
        #expect(!control.captureEnabled)
        // /metrics and /healthz stay open (Prometheus and probes carry no token).
        #expect(service.respond(to: AdminRequest(method: "GET", path: "/metrics")).status == .ok)
        #expect(service.respond(to: AdminRequest(method: "GET", path: "/healthz")).status == .ok)
    }

    @Test("refusals are logged at most once a minute per reason, with the count held back")
    func refusalLogIsRateLimited() {
        let log = RateLimitedLog(interval: .seconds(60))
        let start = ContinuousClock.now
        #expect(log.shouldLog("foreign_origin", now: start) == 0)
        #expect(log.shouldLog("foreign_origin", now: start + .seconds(1)) == nil)
        #expect(log.shouldLog("foreign_origin", now: start + .seconds(59)) == nil)
        #expect(log.shouldLog("unauthorized", now: start + .seconds(59)) == 0)
        #expect(log.shouldLog("foreign_origin", now: start + .seconds(61)) == 2)
        #expect(log.shouldLog("foreign_origin", now: start + .seconds(62)) == nil)
    }

    @Test("capd check warns (not errors) for a non-loopback admin address without a token")
    func checkWarns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capd-admin-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func check(_ admin: String) throws -> ProcessResult {
            let path = directory.appendingPathComponent("c.yaml").path
            try "admin:\n\(admin)routes:\n  main:\n    - do: [capture]\n".write(toFile: path, atomically: true, encoding: .utf8)
            return try runCapd(["check", path])
        }
        let open = try check("  listen: 0.0.0.0:9096\n")
        #expect(open.status == 0)
        #expect(open.stderr.contains("c.yaml:2:11: warning: admin.listen 0.0.0.0:9096 is not a loopback address and admin.token is not set"))
        let protected = try check("  listen: 0.0.0.0:9096\n  token: abc123\n")
        #expect(protected.status == 0)
        #expect(!protected.stderr.contains("warning"))
        let loopback = try check("  listen: 127.0.0.1:9096\n")
        #expect(loopback.status == 0 && !loopback.stderr.contains("warning"))
        let empty = try check("  token: \"\"\n")
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("admin.token must be non-empty"))
    }
}

/// The same against `capd run`: real sockets, the real capture switch, the daemon's log.
@Suite("Admin access against a running capd", .serialized)
struct AdminDaemonAccessTests {
    @Test("issue 15 row 3's curl is refused with 403, capture stays on, the refusal is logged and counted")
    func crossSiteRefused() throws {
        let daemon = try DaemonProcess(rules: RunDaemonTests.captureAll)
        let address = try SocketAddress(parsing: "127.0.0.1:\(daemon.adminPort)")
        let reply = try post(address, AdminAccessTests.captureOff, contentType: "",
                             headers: "Origin: http://evil.example\r\n")
        #expect(reply.status == 403)
        let noType = try post(address, AdminAccessTests.captureOff, contentType: nil)
        #expect(noType.status == 415)
        let metrics = try daemon.metrics()
        #expect(metrics["capd_capture_enabled"] == 1)
        #expect(metrics["capd_admin_refused_total{reason=\"foreign_origin\"}"] == 1)
        #expect(metrics["capd_admin_refused_total{reason=\"unsupported_media_type\"}"] == 1)
        #expect(daemon.waitFor { daemon.log.contains("event=admin_refused reason=foreign_origin method=POST path=/mi peer=127.0.0.1:") })
        // The same call done properly switches capture off, and the log names who asked.
        #expect(try post(address, AdminAccessTests.captureOff).status == 200)
        #expect(try daemon.metrics()["capd_capture_enabled"] == 0)
        #expect(daemon.waitFor { daemon.log.contains("event=capture_set capture=off was=on via=mi peer=127.0.0.1:") })
        #expect(daemon.terminate() == 0)
    }

    @Test("admin.token: 401 and unchanged state without it; ctl works with --token and with -c")
    func tokenRequired() throws {
        let daemon = try DaemonProcess(rules: RunDaemonTests.captureAll, adminKeys: ["token: tok-123456"])
        let address = try SocketAddress(parsing: "127.0.0.1:\(daemon.adminPort)")
        let admin = address.description
        #expect(try post(address, AdminAccessTests.captureOff).status == 401)
        #expect(try post(address, AdminAccessTests.captureOff, headers: "Authorization: Bearer nope\r\n").status == 401)
        let reload = #"{"jsonrpc":"2.0","method":"reload","id":2}"#
        #expect(try post(address, reload).status == 401)
        var metrics = try daemon.metrics()
        #expect(metrics["capd_capture_enabled"] == 1)
        #expect(metrics["capd_reloads_total{result=\"ok\"}"] == 0)
        #expect(metrics["capd_admin_refused_total{reason=\"unauthorized\"}"] == 3)
        #expect(try get(address, "/healthz").status == 200)

        let refused = try runCapd(["ctl", "--admin", admin, "sip_capture", "off"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("HTTP 401"))
        #expect(try daemon.metrics()["capd_capture_enabled"] == 1)

        let withToken = try runCapd(["ctl", "--admin", admin, "--token", "tok-123456", "sip_capture", "off"])
        #expect(withToken.status == 0)
        #expect(withToken.stdout == "off\n")
        #expect(try daemon.metrics()["capd_capture_enabled"] == 0)
        // -c reads admin.listen and admin.token from the daemon's own file.
        let fromConfig = try runCapd(["ctl", "-c", daemon.configPath, "sip_capture", "on"])
        #expect(fromConfig.status == 0, "\(fromConfig.stderr)")
        #expect(fromConfig.stdout == "on\n")
        let reloaded = try runCapd(["ctl", "-c", daemon.configPath, "reload"])
        #expect(reloaded.status == 0, "\(reloaded.stderr)")
        metrics = try daemon.metrics()
        #expect(metrics["capd_capture_enabled"] == 1)
        #expect(metrics["capd_reloads_total{result=\"ok\"}"] == 1)
        #expect(daemon.waitFor { daemon.log.contains("event=reload_requested via=mi peer=127.0.0.1:") })
        #expect(daemon.terminate() == 0)
    }

    @Test("capd run on a non-loopback admin address without a token says so in its log")
    func runWarnsWhenUnprotected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capd-open-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let adminPort = try freePort()
        let config = directory.appendingPathComponent("c.yaml").path
        try "admin:\n  listen: 0.0.0.0:\(adminPort)\nstore:\n  url: sqlite://capd.db\nroutes:\n  main:\n    - do: [capture]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.capdBinary)
        process.arguments = ["run", "-c", config, "--listen", "udp://127.0.0.1:\(try freePort())",
                             "--spool", directory.appendingPathComponent("spool").path]
        process.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var text = ""
        for _ in 0..<200 where !text.contains("event=admin_listening") {
            usleep(50_000)
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        kill(process.processIdentifier, SIGTERM)
        let exitStatus = process.waitUntilExitReliably()
        text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("event=admin_unprotected address=0.0.0.0:\(adminPort)"), "\(text)")
        #expect(text.contains("warning: admin.listen 0.0.0.0:\(adminPort) is not a loopback address"))
        #expect(exitStatus == 0)
    }

    @Test("32 concurrent scrapers while 20 silent connections are open: every scrape answered 200")
    func scrapersBesideSilentConnections() throws {
        let daemon = try DaemonProcess(rules: RunDaemonTests.captureAll)
        let silent = try (0..<20).map { _ in try TCPClient(port: daemon.adminPort) }
        // A slow client too: half a request head, then nothing.
        let trickler = try TCPClient(port: daemon.adminPort)
        try trickler.write(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8))
        let port = daemon.adminPort
        let answered = scrapeConcurrently(scrapers: 32, rounds: 5) {
            try httpRequest(port: port, method: "GET", path: "/metrics").status
        }
        #expect(answered == 32 * 5)
        #expect(silent.count == 20)
        #expect(daemon.terminate() == 0)
    }
}
