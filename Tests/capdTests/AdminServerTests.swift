import Foundation
import Testing
@testable import capd

@Suite("Admin endpoint on a real loopback socket", .serialized)
struct AdminServerTests {
    @Test("GET /metrics serves the text format with the values the pipeline counted")
    func metrics() throws {
        let fixture = try AdminFixture()
        fixture.metrics.packetsReceived.labels("udp://127.0.0.1:9060", "3").increment(by: 41)
        fixture.metrics.packetsReceived.labels("udp://127.0.0.1:9060", "3").increment()
        fixture.metrics.decodeErrors.labels("chunk_overrun").increment(by: 2)
        fixture.metrics.flushLatency.observe(0.02)
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
        fixture.metrics.relaySent.labels("central").increment(by: 9)
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
        limits.readTimeout = .milliseconds(400)
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
        #expect(try rawHTTP(address, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status == 405)
        #expect(try get(address, "/nope").status == 404)
        #expect(try get(address, "/").status == 404)
        #expect(try rawHTTP(address, "POST /mi HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{}").status == 411)
        #expect(try rawHTTP(address, "POST /mi HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n").status == 501)
        #expect(try rawHTTP(address, "BREW /pot HTCPCP/1.0\r\n\r\n").status == 400)
        #expect(try rawHTTP(address, "\r\n\r\n").status == 400)

        // A body over the limit, actually sent: 413, not a reset.
        let huge = [UInt8](repeating: UInt8(ascii: "x"), count: 256 * 1024)
        let hugeRequest = Array("POST /mi HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: \(huge.count)\r\n\r\n".utf8) + huge
        #expect(try rawHTTP(address, hugeRequest).status == 413)
        // A head over the limit.
        let longHeader = "GET /metrics HTTP/1.1\r\nX-Fill: " + String(repeating: "a", count: 8192) + "\r\n\r\n"
        #expect(try rawHTTP(address, longHeader).status == 431)
        // A client that stops half-way through the head or the body.
        #expect(try rawHTTP(address, "GET /metrics HTTP/1.1\r\nHost: x\r\n").status == 408)
        #expect(try rawHTTP(address, "POST /mi HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\"").status == 408)
        // A client that connects and leaves.
        let fd = try TCPSocket.connect(to: address, timeout: .seconds(1))
        close(fd)

        // Still serving, and a request that arrives in small pieces is assembled.
        let body = #"{"jsonrpc":"2.0","method":"sip_capture","id":7}"#
        let slow = try rawHTTP(
            address, "POST /mi HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
            pieces: 6, pause: .milliseconds(20))
        #expect(JSONValue.parse(slow.body) == .object(["jsonrpc": .string("2.0"), "result": .string("on"), "id": .int(7)]))
        #expect(try get(address, "/healthz").text == "ok\n")
    }

    @Test("random bytes as requests never stop the server")
    func randomRequests() throws {
        var limits = AdminLimits()
        limits.readTimeout = .milliseconds(200)
        let fixture = try AdminFixture(limits: limits)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<40 {
            var bytes = (0..<Int.random(in: 1..<600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if round.isMultiple(of: 2) { bytes = Array("POST /mi HTTP/1.1\r\nContent-Length: \(bytes.count)\r\n\r\n".utf8) + bytes }
            if let reply = try? rawHTTP(fixture.address, bytes) {
                #expect([400, 404, 405, 408, 415, 431, 505].contains(reply.status))
            }
        }
        #expect(try get(fixture.address, "/healthz").status == 200)
    }

    @Test("IPv6 loopback [::1] works too")
    func ipv6() throws {
        let fixture = try AdminFixture(host: "::1")
        #expect(fixture.address.description.hasPrefix("[::1]:"))
        #expect(fixture.address.port != 0)
        #expect(try get(fixture.address, "/healthz").text == "ok\n")
    }

    @Test("concurrent clients are all answered")
    func concurrentClients() async throws {
        let fixture = try AdminFixture()
        let address = fixture.address
        let answered = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var ok = 0
                    for _ in 0..<15 {
                        if let reply = try? post(address, #"{"jsonrpc":"2.0","method":"sip_capture","id":1}"#), reply.status == 200 {
                            ok += 1
                        }
                    }
                    return ok
                }
            }
            return await group.reduce(0, +)
        }
        #expect(answered == 120)
    }

    @Test("after stop the port no longer answers")
    func stop() throws {
        let fixture = try AdminFixture()
        #expect(try get(fixture.address, "/healthz").status == 200)
        fixture.server.stop()
        #expect(throws: SocketError.self) { try TCPSocket.connect(to: fixture.address, timeout: .seconds(1)) }
    }

    @Test("a port in use is reported, not crashed on")
    func portInUse() throws {
        let fixture = try AdminFixture()
        let second = AdminServer(address: fixture.address,
                                 service: AdminService(registry: fixture.metrics.registry, control: RecordingControl()))
        #expect(throws: SocketError.bind(fixture.address, errno: EADDRINUSE)) { try second.start() }
    }
}
