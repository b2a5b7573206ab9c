#if canImport(Glibc)
import Glibc
#endif
@testable import Capture
import HEP
import Synchronization
import Testing

/// The TCP listener against peers that hold connections without delivering frames: silent ones, ones that
/// trickle bytes, floods beyond the connection limit. Real sockets on 127.0.0.1.
@Suite(.serialized) struct TCPListenerHostileTests {
    func makeListener(_ configuration: TCPListenerConfiguration) throws -> (HEPTCPListener, Collector) {
        let listener = try HEPTCPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")), configuration: configuration)
        let collector = Collector()
        try listener.start(collector.consumer)
        return (listener, collector)
    }

    /// Waits (bounded) until `condition` holds; true if it did.
    func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Clock.monotonicSeconds() + seconds
        while !condition() && Clock.monotonicSeconds() < deadline { usleep(10_000) }
        return condition()
    }

    @Test("500 hostile connections (250 silent, 250 trickling 1 byte/s) then an agent: all its frames arrive")
    func agentGetsInPastHostilePeers() throws {
        var configuration = TCPListenerConfiguration()
        configuration.maxConnections = 256
        configuration.frameTimeoutSeconds = 2
        let (listener, collector) = try makeListener(configuration)
        defer { listener.stop() }
        var silent: [TestClient] = []
        var tricklers: [TestClient] = []
        defer { for client in silent + tricklers { client.close() } }
        // A valid frame header, one byte at a time: nothing a framing check could reject.
        let frame = testFrame(index: 7, size: 600)
        for index in 0..<500 {
            let client = try TestClient.tcp(to: listener.localEndpoint)
            if index % 2 == 0 {
                silent.append(client)
            } else {
                client.send([frame[0]])
                tricklers.append(client)
            }
        }
        #expect(eventually { listener.counters.connectionsAccepted.load(ordering: .relaxed) == 500 })
        #expect(listener.counters.connectionsOpen.load(ordering: .relaxed) == 256)
        // Trickle for ~3 s: one more byte per connection per second.
        for second in 1...3 {
            sleep(1)
            for client in tricklers { client.send([frame[second]]) }
        }
        let agent = try TestClient.tcp(to: listener.localEndpoint)
        defer { agent.close() }
        let agentPort = try #require(agent.localEndpoint).port
        let frames = 300
        for index in 0..<frames {
            #expect(agent.send(testFrame(index: 10_000 + index, size: 200 + index % 100)) > 0)
            if index == 0 { usleep(50_000) }
        }
        let fromAgent = { collector.all.filter { $0.net.source.port == agentPort } }
        #expect(eventually { fromAgent().count == frames })
        #expect(fromAgent().compactMap { frameIndex($0.bytes) } == (0..<frames).map { 10_000 + $0 })
        #expect(!agent.peerClosed(within: 0.2))
        #expect(listener.counters.connectionsRefused.load(ordering: .relaxed) == 0)
        #expect(listener.connections.closed(.evicted) >= 244)   // 500 + agent into 256 slots
        #expect(listener.connections.closed(.frameTimeout) > 0)   // tricklers that kept a slot
        #expect(listener.connections.closed(.evicted) + listener.connections.closed(.frameTimeout)
            + listener.counters.connectionsOpen.load(ordering: .relaxed) == 501)
    }

    @Test("a connection trickling bytes of one frame is closed after the frame timeout, bytes do not extend it")
    func tricklingIsClosedByFrameTimeout() throws {
        var configuration = TCPListenerConfiguration()
        configuration.frameTimeoutSeconds = 1
        let (listener, _) = try makeListener(configuration)
        defer { listener.stop() }
        let client = try TestClient.tcp(to: listener.localEndpoint)
        defer { client.close() }
        let frame = testFrame(index: 1, size: 100)
        let started = Clock.monotonicSeconds()
        var closedAfter: Double?
        for byte in frame.prefix(30) {
            client.send([byte])
            if client.peerClosed(within: 0.2) { closedAfter = Clock.monotonicSeconds() - started; break }
        }
        let elapsed = try #require(closedAfter, "still open after 30 trickled bytes (~6 s)")
        #expect(elapsed >= 0.9 && elapsed < 3)
        #expect(listener.connections.closed(.frameTimeout) == 1)
        #expect(listener.connections.closed(.idle) == 0)
    }

    @Test("a silent connection is closed after the idle timeout; one delivering frames stays")
    func silentIsClosedByIdleTimeout() throws {
        var configuration = TCPListenerConfiguration()
        configuration.idleTimeoutSeconds = 1
        let (listener, collector) = try makeListener(configuration)
        defer { listener.stop() }
        let silent = try TestClient.tcp(to: listener.localEndpoint)
        let agent = try TestClient.tcp(to: listener.localEndpoint)
        defer { silent.close(); agent.close() }
        for index in 0..<8 {
            agent.send(testFrame(index: index))
            usleep(250_000)
        }
        #expect(silent.peerClosed(within: 1))
        #expect(collector.wait(for: 8) == 8)
        agent.send(testFrame(index: 8))
        #expect(collector.wait(for: 9) == 9)
        #expect(listener.connections.closed(.idle) == 1)
        #expect(listener.counters.connectionsOpen.load(ordering: .relaxed) == 1)
    }

    @Test("when full, the connection without frames is evicted, a working agent is kept, and refusal is the last resort")
    func evictionOrder() throws {
        var configuration = TCPListenerConfiguration()
        configuration.maxConnections = 2
        let (listener, collector) = try makeListener(configuration)
        defer { listener.stop() }
        let agent = try TestClient.tcp(to: listener.localEndpoint)
        defer { agent.close() }
        agent.send(testFrame(index: 1))
        #expect(collector.wait(for: 1) == 1)
        let silent = try TestClient.tcp(to: listener.localEndpoint)
        defer { silent.close() }
        #expect(eventually { listener.counters.connectionsOpen.load(ordering: .relaxed) == 2 })
        let newcomer = try TestClient.tcp(to: listener.localEndpoint)
        defer { newcomer.close() }
        #expect(silent.peerClosed(within: 2))
        newcomer.send(testFrame(index: 2))
        agent.send(testFrame(index: 3))
        #expect(collector.wait(for: 3) == 3)
        // Both open connections delivered a frame just now: a third is refused, not let in at their cost.
        let third = try TestClient.tcp(to: listener.localEndpoint)
        defer { third.close() }
        #expect(third.peerClosed(within: 2))
        agent.send(testFrame(index: 4))
        newcomer.send(testFrame(index: 5))
        #expect(collector.wait(for: 5) == 5)
        #expect(listener.connections.closed(.evicted) == 1)
        #expect(listener.counters.connectionsRefused.load(ordering: .relaxed) == 1)
    }

    @Test("refusals, evictions and timeouts are logged at most once per interval, with counts")
    func eventsAreRateLimited() throws {
        var configuration = TCPListenerConfiguration()
        configuration.maxConnections = 1
        configuration.logIntervalSeconds = 60
        let listener = try HEPTCPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")), configuration: configuration)
        let lines = Mutex<[String]>([])
        let collector = Collector()
        try listener.start(collector.consumer) { kind, count, detail in
            lines.withLock { $0.append("\(kind) \(count) \(detail)") }
        }
        defer { listener.stop() }
        var clients: [TestClient] = []
        defer { for client in clients { client.close() } }
        for _ in 0..<20 { clients.append(try TestClient.tcp(to: listener.localEndpoint)) }
        #expect(eventually { listener.connections.closed(.evicted) == 19 })
        let logged = lines.withLock { $0 }
        #expect(logged.count == 1)
        #expect(logged.first?.hasPrefix("evicted 1 ") == true)
    }
}
