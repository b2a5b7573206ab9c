#if canImport(Glibc)
import Glibc
#endif
@testable import Capture
import HEP
import Testing

@Suite struct RelayTests {
    @Test func targetDescriptions() throws {
        let udp = RelayDestination(transport: .udp, endpoint: try #require(SocketEndpoint("127.0.0.1:9070")))
        #expect(udp.description == "udp://127.0.0.1:9070")
        let tcp = RelayDestination(transport: .tcp, endpoint: try #require(SocketEndpoint("[::1]:9061")))
        #expect(tcp.endpoint.address.isIPv6 && tcp.description == "tcp://[::1]:9061")
    }

    private func target(_ transport: EndpointTransport, _ text: String) throws -> RelayDestination {
        RelayDestination(transport: transport, endpoint: try #require(SocketEndpoint(text)))
    }

    @Test("UDP relay: 1000 datagrams arrive byte-identical at a real socket")
    func udpRelay() throws {
        let listener = try HEPUDPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
        let collector = Collector()
        try listener.start(collector.consumer)
        defer { listener.stop() }
        let relay = try HEPRelay(target: target(.udp, "\(listener.localEndpoint)"))
        let frames = (0..<1_000).map { testFrame(index: $0, size: 30 + $0 % 500) }
        for (index, frame) in frames.enumerated() {
            #expect(relay.send(frame))
            if index % 100 == 99 { usleep(1_000) }
        }
        #expect(collector.wait(for: 1_000) == 1_000)
        relay.close()
        let byIndex = Dictionary(collector.all.map { (frameIndex($0.bytes) ?? -1, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        #expect(byIndex.count == 1_000)
        #expect((0..<1_000).allSatisfy { byIndex[$0] == frames[$0] })
        #expect(relay.counters.sent.load(ordering: .relaxed) == 1_000)
        #expect(relay.counters.failed.load(ordering: .relaxed) == 0)
    }

    @Test("TCP relay: frames arrive in order; non-HEPv3 bytes are refused")
    func tcpRelay() throws {
        let listener = try HEPTCPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
        let collector = Collector()
        try listener.start(collector.consumer)
        defer { listener.stop() }
        let relay = try HEPRelay(target: target(.tcp, "\(listener.localEndpoint)"))
        for index in 0..<500 { relay.send(testFrame(index: index, size: 40 + index)) }
        #expect(!relay.send([0x02, 0x10, 0x02, 0x11]))   // a HEPv2 header: UDP only
        #expect(collector.wait(for: 500) == 500)
        relay.close()
        #expect(collector.all.compactMap { frameIndex($0.bytes) } == Array(0..<500))
        #expect(relay.counters.sent.load(ordering: .relaxed) == 500)
        #expect(relay.counters.rejected.load(ordering: .relaxed) == 1)
    }

    @Test("TCP relay: queued frames survive until the target comes up (reconnect with back-off)")
    func tcpReconnect() throws {
        let port = try {
            let probe = try HEPTCPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
            return probe.localEndpoint.port
        }()
        var configuration = RelayConfiguration()
        configuration.reconnectInitialDelay = 0.05
        configuration.reconnectMaxDelay = 0.2
        let relay = try HEPRelay(target: target(.tcp, "127.0.0.1:\(port)"), configuration: configuration)
        for index in 0..<10 { relay.send(testFrame(index: index)) }
        usleep(300_000)
        #expect(relay.counters.sent.load(ordering: .relaxed) == 0)
        #expect(relay.queued == 10)
        let listener = try HEPTCPListener(endpoint: SocketEndpoint(address: IPAddress(ipv4: 0x7F00_0001), port: port))
        let collector = Collector()
        try listener.start(collector.consumer)
        defer { listener.stop() }
        #expect(collector.wait(for: 10, seconds: 5) == 10)
        relay.close()
        #expect(collector.all.compactMap { frameIndex($0.bytes) } == Array(0..<10))
        #expect(relay.counters.connects.load(ordering: .relaxed) == 1)
    }

    @Test("close sends everything queued before it returns (it waits for the sender's idle signal)")
    func closeDrainsTheQueue() throws {
        let listener = try HEPUDPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
        let collector = Collector()
        try listener.start(collector.consumer)
        defer { listener.stop() }
        var configuration = RelayConfiguration()
        configuration.queueCapacity = 5_000
        let relay = try HEPRelay(target: target(.udp, "\(listener.localEndpoint)"), configuration: configuration)
        var accepted = 0
        for index in 0..<2_000 where relay.send(testFrame(index: index, size: 60)) { accepted += 1 }
        relay.close(drainTimeout: 30)
        // Counted before close returned: nothing was left in the queue to drop.
        let sent = relay.counters.sent.load(ordering: .relaxed)
        let dropped = relay.counters.dropped.load(ordering: .relaxed)
        #expect(accepted == 2_000)
        #expect(sent == 2_000)
        #expect(dropped == 0)
        #expect(collector.wait(for: 2_000) == 2_000)
        // A closed relay refuses and counts.
        #expect(!relay.send(testFrame(index: 0)))
    }

    @Test func fullQueueDropsAndCounts() throws {
        let port = try {
            let probe = try HEPTCPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
            return probe.localEndpoint.port
        }()
        var configuration = RelayConfiguration()
        configuration.queueCapacity = 10
        let relay = try HEPRelay(target: target(.tcp, "127.0.0.1:\(port)"), configuration: configuration)
        var accepted = 0
        for index in 0..<25 where relay.send(testFrame(index: index)) { accepted += 1 }
        #expect(accepted == 10)
        #expect(relay.counters.dropped.load(ordering: .relaxed) == 15)
        relay.close(drainTimeout: 0)
        #expect(relay.counters.dropped.load(ordering: .relaxed) == 25)   // the 10 queued ones never went out
    }
}
