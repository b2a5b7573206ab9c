import Foundation
import Testing
import TestSupport
@testable import capd

@Suite("Admin endpoint (Hummingbird) on a real loopback socket", .serialized)
struct AdminServerTests {
    @Test("GET /metrics serves the text format with the values the pipeline counted")
    func metrics() throws {
        let fixture = try AdminFixture()
        fixture.metrics.packetsReceived.labels("udp://127.0.0.1:9060", "3").increment(by: Int64(41))
        fixture.metrics.packetsReceived.labels("udp://127.0.0.1:9060", "3").increment()
        fixture.metrics.decodeErrors.labels("chunk_overrun").increment(by: Int64(2))
        fixture.metrics.flushLatency.bind { HistogramSnapshot(observing: [0.02], upperBounds: CapdMetrics.flushLatencyBounds) }
        fixture.metrics.storeQueueDepth.bind { 17 }
        let reply = try get(fixture.address, "/metrics")
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(reply.header("Content-Length") == String(reply.body.count))
        let samples = try ExpositionSamples(reply.text)
        #expect(samples.value("capd_packets_received_total{listener=\"udp://127.0.0.1:9060\",version=\"3\"}") == 42)
        #expect(samples.value("capd_decode_errors_total{reason=\"chunk_overrun\"}") == 2)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"0.025\"}") == 1)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"0.01\"}") == 0)
        #expect(samples.value("capd_store_queue_depth") == 17)
        #expect(samples.value("capd_capture_enabled") == 1)
        #expect(samples.helps["capd_reloads_total"] == "Configuration reloads, per result.")
    }

    @Test("GET /healthz: ok, JSON on request, 503 when the probe says unhealthy")
    func healthz() throws {
        let fixture = try AdminFixture()
        let plain = try get(fixture.address, "/healthz")
        #expect(plain.status == 200)
        #expect(plain.text == "ok\n")
        let json = try get(fixture.address, "/healthz", headers: "Accept: application/json\r\n")
        #expect(json.status == 200)
        #expect(JSONValue.parse(json.body) == .object(["status": .string("ok"), "capture": .string("on")]))
        fixture.health.withLock { $0 = HealthStatus(healthy: false, details: ["store": "unreachable"]) }
        let sick = try get(fixture.address, "/healthz")
        #expect(sick.status == 503)
        #expect(sick.text == "unhealthy\nstore=unreachable\n")
    }

    @Test("sip_capture off, query, on: the shared switch and the gauge follow")
    func sipCaptureRoundTrip() throws {
        let fixture = try AdminFixture()
        let off = try post(fixture.address, #"{"jsonrpc":"2.0","method":"sip_capture","params":["off"],"id":1}"#)
        #expect(off.status == 200)
        #expect(JSONValue.parse(off.body) == .object(["jsonrpc": .string("2.0"), "result": .string("off"), "id": .int(1)]))
        #expect(fixture.captureSwitch.isOn == false)
        let query = try post(fixture.address, #"{"jsonrpc":"2.0","method":"sip_capture","id":2}"#)
        #expect(JSONValue.parse(query.body) == .object(["jsonrpc": .string("2.0"), "result": .string("off"), "id": .int(2)]))
        #expect(try ExpositionSamples(get(fixture.address, "/metrics").text).value("capd_capture_enabled") == 0)
        let on = try post(fixture.address, #"{"jsonrpc":"2.0","method":"sip_capture","params":{"mode":"on"},"id":3}"#)
        #expect(JSONValue.parse(on.body) == .object(["jsonrpc": .string("2.0"), "result": .string("on"), "id": .int(3)]))
        #expect(fixture.captureSwitch.isOn)
        #expect(try ExpositionSamples(get(fixture.address, "/metrics").text).value("capd_capture_enabled") == 1)
    }

    @Test("reload: ok and error results, each counted in capd_reloads_total")
    func reloads() throws {
        let fixture = try AdminFixture()
        let ok = try post(fixture.address, #"{"jsonrpc":"2.0","method":"reload","id":1}"#)
        let applied = JSONValue.object(["result": .string("ok"), "applied": .array([]), "restart_required": .array([])])
        #expect(JSONValue.parse(ok.body) == .object(["jsonrpc": .string("2.0"), "result": applied, "id": .int(1)]))
        fixture.nextReload.withLock { $0 = .failed("capd.yaml:12:9: error: unknown field 'sip.methd'") }
        let bad = try post(fixture.address, #"{"jsonrpc":"2.0","method":"reload","id":2}"#)
        #expect(bad.status == 200)
        #expect(JSONValue.parse(bad.body) == .object([
            "jsonrpc": .string("2.0"), "id": .int(2),
            "error": .object(["code": .int(-32000), "message": .string("reload failed"),
                              "data": .string("capd.yaml:12:9: error: unknown field 'sip.methd'")]),
        ]))
        _ = try post(fixture.address, #"{"jsonrpc":"2.0","method":"reload","id":3}"#)
        let samples = try ExpositionSamples(get(fixture.address, "/metrics").text)
        #expect(samples.value("capd_reloads_total{result=\"ok\"}") == 1)
        #expect(samples.value("capd_reloads_total{result=\"error\"}") == 2)
    }

    @Test("stats over HTTP lists the registry's series")
    func stats() throws {
        let fixture = try AdminFixture()
        fixture.metrics.relaySent.labels("central").increment(by: Int64(9))
        let reply = try post(fixture.address, #"{"jsonrpc":"2.0","method":"stats","params":["capd_relay"],"id":1}"#)
        #expect(JSONValue.parse(reply.body) == .object([
            "jsonrpc": .string("2.0"), "id": .int(1),
            "result": .object(["capd_relay_sent_total{target=\"central\"}": .int(9)]),
        ]))
    }

    @Test("non-JSON-RPC input is refused cleanly and the server keeps serving")
    func refusals() throws {
        var limits = AdminLimits()
        limits.maxBodyBytes = 64 * 1024
        limits.maxHeadBytes = 4096
        limits.idleTimeout = .milliseconds(400)
        let fixture = try AdminFixture(limits: limits)
        let address = fixture.address

        let garbage = try post(address, "\u{0}\u{1}garbage{{{")
        #expect(garbage.status == 400)
        #expect(JSONValue.parse(garbage.body) == .object([
            "jsonrpc": .string("2.0"), "id": .null,
            "error": .object(["code": .int(-32700), "message": .string("Parse error")]),
        ]))
        #expect(try post(address, #"{"jsonrpc":"2.0","method":"x","id":1}"#, contentType: "text/plain").status == 415)
        #expect(try post(address, #"{"hello":"world"}"#).status == 400)
        let getMI = try get(address, "/mi")
        #expect(getMI.status == 405)
        #expect(getMI.header("Allow") == "POST")
        #expect(try rawHTTP(address, "POST /metrics HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").status == 405)
        #expect(try get(address, "/nope").status == 404)
        #expect(try get(address, "/").status == 404)
        // Chunked bodies are decoded by the HTTP stack (the old server answered 501).
        let chunkedBody = #"{"jsonrpc":"2.0","method":"sip_capture","id":5}"#
        let chunked = try rawHTTP(address, "POST /mi HTTP/1.1\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(chunkedBody.utf8.count, radix: 16) + "\r\n" + chunkedBody + "\r\n0\r\n\r\n")
        #expect(JSONValue.parse(chunked.body) == .object(["jsonrpc": .string("2.0"), "result": .string("on"), "id": .int(5)]))
        #expect(try rawHTTP(address, "BREW /pot HTCPCP/1.0\r\n\r\n").status == 400)

        // A body over the limit, actually sent: 413 and nothing called.
        let huge = [UInt8](repeating: UInt8(ascii: "x"), count: 256 * 1024)
        let hugeRequest = Array("POST /mi HTTP/1.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(huge.count)\r\n\r\n".utf8) + huge
        #expect(try rawHTTP(address, hugeRequest).status == 413)
        #expect(fixture.metrics.value("capd_admin_refused_total{reason=\"too_large\"}") == 1)
        // A head over the limit: the HTTP decoder refuses it.
        let longHeader = "GET /metrics HTTP/1.1\r\nX-Fill: " + String(repeating: "a", count: 8192) + "\r\n\r\n"
        #expect(try rawHTTP(address, longHeader).status == 400)
        // A client that stops half-way through the head or the body is closed by the idle timeout.
        #expect(try closedWithoutAnswer(address, "GET /metrics HTTP/1.1\r\nHost: x\r\n"))
        #expect(try closedWithoutAnswer(address, "POST /mi HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\""))
        // A client that connects and leaves.
        let fd = try TCPSocket.connect(to: address, timeout: .seconds(1))
        close(fd)

        // Still serving, and a request that arrives in small pieces is assembled.
        let body = #"{"jsonrpc":"2.0","method":"sip_capture","id":7}"#
        let slow = try rawHTTP(
            address, "POST /mi HTTP/1.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
            pieces: 6, pause: .milliseconds(20))
        #expect(JSONValue.parse(slow.body) == .object(["jsonrpc": .string("2.0"), "result": .string("on"), "id": .int(7)]))
        #expect(try get(address, "/healthz").text == "ok\n")
    }

    @Test("a body that trickles in is answered 408 and the connection closed when bodyTimeout runs out")
    func tricklingBody() throws {
        var limits = AdminLimits()
        limits.idleTimeout = .seconds(1)
        limits.bodyTimeout = .milliseconds(1500)
        let fixture = try AdminFixture(limits: limits)
        let fd = try TCPSocket.connect(to: fixture.address, timeout: .seconds(2))
        defer { close(fd) }
        try TCPSocket.writeAll(fd, Array("POST /mi HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".utf8),
                               until: .now + .seconds(1))
        // One byte every 300 ms: each resets the idle timer, so only the body deadline can end it.
        let started = ContinuousClock.now
        var reply: [UInt8] = []
        var closed = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now - started < .seconds(8) && !closed {
            try? TCPSocket.writeAll(fd, [UInt8(ascii: " ")], until: .now + .seconds(1))
            switch Result(catching: { () throws(SocketError) -> Int in try TCPSocket.read(fd, into: &buffer, at: 0, until: .now + .milliseconds(300)) }) {
            case .success(let n) where n > 0: reply += buffer[0..<n]
            case .success: closed = true
            case .failure(.timeout): break
            case .failure: closed = true
            }
        }
        let elapsed = ContinuousClock.now - started
        #expect(closed)
        #expect(elapsed < .seconds(5))
        #expect(String(decoding: reply, as: UTF8.self).hasPrefix("HTTP/1.1 408"))
        #expect(fixture.metrics.value("capd_admin_refused_total{reason=\"body_timeout\"}") == 1)
        #expect(fixture.captureSwitch.isOn)
        #expect(try get(fixture.address, "/healthz").status == 200)
    }

    /// Sends `request` and waits: true when the server closes the connection (within 5 s) without a byte.
    private func closedWithoutAnswer(_ address: SocketAddress, _ request: String) throws -> Bool {
        let fd = try TCPSocket.connect(to: address, timeout: .seconds(2))
        defer { close(fd) }
        try TCPSocket.writeAll(fd, Array(request.utf8), until: .now + .seconds(2))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let outcome = Result { () throws(SocketError) -> Int in
            try TCPSocket.read(fd, into: &buffer, at: 0, until: .now + .seconds(5))
        }
        switch outcome {
        case .success(let n): return n == 0
        case .failure(.io(errno: ECONNRESET)): return true
        case .failure: return false
        }
    }

    @Test("random bytes as requests never stop the server")
    func randomRequests() throws {
        var limits = AdminLimits()
        limits.idleTimeout = .milliseconds(200)
        let fixture = try AdminFixture(limits: limits)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<40 {
            var bytes = (0..<Int.random(in: 1..<600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if round.isMultiple(of: 2) { bytes = Array("POST /mi HTTP/1.1\r\nContent-Length: \(bytes.count)\r\n\r\n".utf8) + bytes }
            if let reply = try? rawHTTP(fixture.address, bytes, timeout: .seconds(3)) {
                #expect([400, 404, 405, 413, 415].contains(reply.status))
            }
        }
        #expect(fixture.captureSwitch.isOn)
        #expect(try get(fixture.address, "/healthz").status == 200)
    }

    @Test("IPv6 loopback [::1] works too")
    func ipv6() throws {
        let fixture = try AdminFixture(host: "::1")
        #expect(fixture.address.description.hasPrefix("[::1]:"))
        #expect(fixture.address.port != 0)
        #expect(try get(fixture.address, "/healthz").text == "ok\n")
    }

    @Test("32 concurrent scrapers are all answered 200 while 20 silent connections stay open")
    func concurrentScrapersBesideSilentConnections() throws {
        let fixture = try AdminFixture()
        let silent = try (0..<20).map { _ in try TCPSocket.connect(to: fixture.address, timeout: .seconds(2)) }
        defer { silent.forEach { close($0) } }
        let answered = scrapeConcurrently(scrapers: 32, rounds: 5) { try get(fixture.address, "/metrics").status }
        #expect(answered == 32 * 5)
    }

    @Test("after stop the port no longer answers")
    func stop() throws {
        let fixture = try AdminFixture()
        #expect(try get(fixture.address, "/healthz").status == 200)
        let listening = listeningSocketInodes(port: fixture.address.port)
        #expect(!listening.isEmpty)
        fixture.server.stop()
        // The server's own socket is gone (another test may have bound the freed port since: not a failure).
        #expect(listeningSocketInodes(port: fixture.address.port).isDisjoint(with: listening))
        fixture.server.stop()       // a second stop is harmless
    }

    @Test("a port in use is reported, not crashed on")
    func portInUse() throws {
        let fixture = try AdminFixture()
        let second = AdminServer(address: fixture.address,
                                 service: AdminService(exporter: fixture.metrics.exporter, control: RecordingControl()))
        #expect(throws: AdminServerError.cannotListen(fixture.address, reason: "address already in use")) { try second.start() }
        #expect(try get(fixture.address, "/healthz").status == 200)
    }
}
