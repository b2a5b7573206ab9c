#if canImport(Glibc)
import Glibc
#endif
@testable import Capture
import HEP
import Testing

@Suite struct UDPListenerTests {
    func exactlyOnce(on endpoint: SocketEndpoint, count: Int) throws {
        let listener = try HEPUDPListener(endpoint: endpoint)
        let collector = Collector()
        try listener.start(collector.consumer)
        defer { listener.stop() }
        let client = try TestClient.udp(to: listener.localEndpoint)
        defer { client.close() }
        for index in 0..<count {
            client.send(testFrame(index: index, size: 40 + index % 300))
            if index % 200 == 199 { usleep(2_000) }
        }
        #expect(collector.wait(for: count) == count)
        usleep(50_000)
        let received = collector.all
        #expect(received.count == count)
        #expect(Set(received.compactMap { frameIndex($0.bytes) }) == Set(0..<count))
        let sender = try #require(client.localEndpoint)
        #expect(received.allSatisfy { $0.net.source == sender && $0.net.destination == listener.localEndpoint })
        #expect(received.allSatisfy { $0.net.transport == .udp && $0.net.ipProtocol == 17 })
        #expect(received.allSatisfy { $0.bytes.count == 40 + (frameIndex($0.bytes) ?? -1) % 300 })
        #expect(listener.counters.received.load(ordering: .relaxed) == count)
        #expect(listener.counters.batches.load(ordering: .relaxed) <= count)
    }

    @Test("the receive thread is named after its port, and is gone once stop returns, with nothing ever received")
    func namedThreadEndsOnStop() throws {
        let listener = try HEPUDPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
        let name = "hep-udp-\(listener.localEndpoint.port)"
        try listener.start { _ in }
        let deadline = Clock.monotonicSeconds() + 10
        while threadCount(named: name) == 0 && Clock.monotonicSeconds() < deadline { usleep(1_000) }
        #expect(threadCount(named: name) == 1)
        // Idle (no datagram ever arrives, and the idle poll has no timeout): stop wakes the thread and joins it, so
        // stop returning at all shows the wake worked. pthread_join returns when the kernel clears the thread's id,
        // a moment before it removes /proc/self/task/<tid>, so the entry may linger briefly on a loaded machine.
        listener.stop()
        let gone = Clock.monotonicSeconds() + 2
        while threadCount(named: name) != 0 && Clock.monotonicSeconds() < gone { usleep(1_000) }
        #expect(threadCount(named: name) == 0)
    }

    @Test("IPv4: 5000 datagrams on 127.0.0.1 arrive exactly once")
    func ipv4() throws {
        try exactlyOnce(on: SocketEndpoint(address: IPAddress(ipv4: 0x7F00_0001), port: 0), count: 5_000)
    }

    @Test("IPv6: 500 datagrams on ::1 arrive exactly once, family 10")
    func ipv6() throws {
        let endpoint = try #require(SocketEndpoint("[::1]:0"))
        try exactlyOnce(on: endpoint, count: 500)
        let listener = try HEPUDPListener(endpoint: endpoint)
        #expect(listener.localEndpoint.address.isIPv6)
    }

    @Test func oversizeDatagramIsCountedAsTruncated() throws {
        var configuration = UDPListenerConfiguration()
        configuration.slotSize = 100
        let listener = try HEPUDPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")), configuration: configuration)
        let collector = Collector()
        try listener.start(collector.consumer)
        defer { listener.stop() }
        let client = try TestClient.udp(to: listener.localEndpoint)
        defer { client.close() }
        client.send(testFrame(index: 1, size: 200))
        client.send(testFrame(index: 2, size: 60))
        collector.wait(for: 1)
        usleep(50_000)
        #expect(collector.all.compactMap { frameIndex($0.bytes) } == [2])
        #expect(listener.counters.truncated.load(ordering: .relaxed) == 1)
    }

    @Test func receiveBufferIsEnlarged() throws {
        let listener = try HEPUDPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
        #expect(listener.receiveBufferBytes >= 4 * 1_024 * 1_024)   // default is ~208 KiB
    }

    @Test func stopEndsTheThreadAndNothingMoreIsDelivered() throws {
        let listener = try HEPUDPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
        let collector = Collector()
        try listener.start(collector.consumer)
        let client = try TestClient.udp(to: listener.localEndpoint)
        defer { client.close() }
        client.send(testFrame(index: 1))
        #expect(collector.wait(for: 1) == 1)
        let started = Clock.monotonicSeconds()
        listener.stop()
        #expect(Clock.monotonicSeconds() - started < 1)
        client.send(testFrame(index: 2))
        usleep(100_000)
        #expect(collector.count == 1)
    }
}

@Suite struct TCPListenerTests {
    func makeListener(_ configuration: TCPListenerConfiguration = .init(), address: String = "127.0.0.1:0") throws -> (HEPTCPListener, Collector) {
        let listener = try HEPTCPListener(endpoint: #require(SocketEndpoint(address)), configuration: configuration)
        let collector = Collector()
        try listener.start(collector.consumer)
        return (listener, collector)
    }

    @Test func severalFramesInOneSegment() throws {
        let (listener, collector) = try makeListener()
        defer { listener.stop() }
        let client = try TestClient.tcp(to: listener.localEndpoint)
        defer { client.close() }
        client.send((0..<5).flatMap { testFrame(index: $0, size: 50 + $0) })
        #expect(collector.wait(for: 5) == 5)
        #expect(collector.all.compactMap { frameIndex($0.bytes) } == [0, 1, 2, 3, 4])
        #expect(collector.all.map(\.bytes.count) == [50, 51, 52, 53, 54])
        let sender = try #require(client.localEndpoint)
        #expect(collector.all.allSatisfy { $0.net.source == sender && $0.net.transport == .tcp && $0.net.destination == listener.localEndpoint })
    }

    @Test func oneFrameSplitAcrossSegments() throws {
        let (listener, collector) = try makeListener()
        defer { listener.stop() }
        let client = try TestClient.tcp(to: listener.localEndpoint)
        defer { client.close() }
        let frame = testFrame(index: 42, size: 600)
        for start in stride(from: 0, to: frame.count, by: 7) {
            client.send(Array(frame[start..<min(frame.count, start + 7)]))
            if start < 70 { usleep(3_000) }   // the first pieces surely arrive as separate reads
        }
        #expect(collector.wait(for: 1) == 1)
        #expect(collector.all.first?.bytes == frame)
    }

    @Test("IPv6 ::1 works too")
    func ipv6() throws {
        let (listener, collector) = try makeListener(address: "[::1]:0")
        defer { listener.stop() }
        let client = try TestClient.tcp(to: listener.localEndpoint)
        defer { client.close() }
        client.send(testFrame(index: 9))
        #expect(collector.wait(for: 1) == 1)
        #expect(collector.all.first?.net.family == 10)
    }

    @Test func garbageClosesOnlyThatConnection() throws {
        let (listener, collector) = try makeListener()
        defer { listener.stop() }
        let good = try TestClient.tcp(to: listener.localEndpoint)
        let bad = try TestClient.tcp(to: listener.localEndpoint)
        defer { good.close(); bad.close() }
        good.send(testFrame(index: 1))
        #expect(collector.wait(for: 1) == 1)
        bad.send(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(bad.peerClosed(within: 2))
        good.send(testFrame(index: 2))
        #expect(collector.wait(for: 2) == 2)
        #expect(collector.all.compactMap { frameIndex($0.bytes) } == [1, 2])
        #expect(listener.counters.connectionsClosedOnError.load(ordering: .relaxed) == 1)
        #expect(listener.closeReasons.withLock { $0["bad_magic"] } == 1)
    }

    @Test func frameAboveTheMaximumClosesTheConnection() throws {
        var configuration = TCPListenerConfiguration()
        configuration.maxFrameSize = 1_000
        let (listener, collector) = try makeListener(configuration)
        defer { listener.stop() }
        let client = try TestClient.tcp(to: listener.localEndpoint)
        defer { client.close() }
        client.send(testFrame(index: 1, size: 2_000))
        #expect(client.peerClosed(within: 2))
        #expect(collector.count == 0)
        #expect(listener.closeReasons.withLock { $0["frame_too_large"] } == 1)
    }

    @Test func connectionLimitRefusesTheExtraConnection() throws {
        var configuration = TCPListenerConfiguration()
        configuration.maxConnections = 1
        let (listener, collector) = try makeListener(configuration)
        defer { listener.stop() }
        let first = try TestClient.tcp(to: listener.localEndpoint)
        defer { first.close() }
        first.send(testFrame(index: 1))
        #expect(collector.wait(for: 1) == 1)
        let second = try TestClient.tcp(to: listener.localEndpoint)
        defer { second.close() }
        #expect(second.peerClosed(within: 2))
        #expect(listener.counters.connectionsRefused.load(ordering: .relaxed) == 1)
    }
}

@Suite struct SamePortListenerTests {
    @Test("UDP and TCP listeners share one port number")
    func udpAndTCPOnOnePort() throws {
        let udp = try HEPUDPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")))
        let tcp = try HEPTCPListener(endpoint: udp.localEndpoint)
        #expect(tcp.localEndpoint == udp.localEndpoint)
        let udpCollector = Collector(), tcpCollector = Collector()
        try udp.start(udpCollector.consumer)
        try tcp.start(tcpCollector.consumer)
        defer { udp.stop(); tcp.stop() }
        let udpClient = try TestClient.udp(to: udp.localEndpoint)
        let tcpClient = try TestClient.tcp(to: tcp.localEndpoint)
        defer { udpClient.close(); tcpClient.close() }
        udpClient.send(testFrame(index: 1))
        tcpClient.send(testFrame(index: 2))
        #expect(udpCollector.wait(for: 1) == 1 && tcpCollector.wait(for: 1) == 1)
        #expect(udpCollector.all.first?.net.transport == .udp && frameIndex(udpCollector.all.first?.bytes ?? []) == 1)
        #expect(tcpCollector.all.first?.net.transport == .tcp && frameIndex(tcpCollector.all.first?.bytes ?? []) == 2)
    }
}

@Suite struct UDPKernelDropTests {
    @Test("datagrams the kernel drops while the listener is not reading are counted exactly")
    func overflowIsCountedAsKernelDrops() throws {
        var configuration = UDPListenerConfiguration()
        configuration.receiveBufferBytes = 64 * 1_024   // the kernel doubles it: ~128 KiB, a few hundred datagrams
        let listener = try HEPUDPListener(endpoint: #require(SocketEndpoint("127.0.0.1:0")), configuration: configuration)
        let client = try TestClient.udp(to: listener.localEndpoint)
        defer { client.close() }
        let sent = 3_000
        for index in 0..<sent { client.send(testFrame(index: index, size: 500)) }   // nobody reads yet
        let drops = listener.kernelDrops
        #expect(drops > 0, "the buffer was meant to overflow")
        let collector = Collector()
        try listener.start(collector.consumer)
        defer { listener.stop() }
        #expect(collector.wait(for: sent - drops) == sent - drops)
        usleep(100_000)
        #expect(collector.count + listener.kernelDrops == sent)
        #expect(listener.kernelDrops == drops)
    }
}

/// Threads of this process whose name (`/proc/self/task/*/comm`) is `name`.
func threadCount(named name: String) -> Int {
    guard let directory = opendir("/proc/self/task") else { return 0 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        let task = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard !task.hasPrefix(".") else { continue }
        let fd = open("/proc/self/task/\(task)/comm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { continue }
        var buffer = [UInt8](repeating: 0, count: 32)
        let length = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        close(fd)
        if length > 0, String(decoding: buffer.prefix(length), as: UTF8.self) == name + "\n" { count += 1 }
    }
    return count
}
