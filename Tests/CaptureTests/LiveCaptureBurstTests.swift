#if canImport(Glibc)
import Glibc
#endif
@testable import Capture
import HEP
import Synchronization
import Testing

/// Bursts on `lo` while the consumer is busy: libpcap must hold the whole burst in its ring (or count
/// what it could not hold). NEED ROOT, like `LiveCaptureTests` (they fail, never skip, without it).
@Suite(.serialized) struct LiveCaptureBurstTests {
    static let burst = 200

    /// A consumer that spends `microsecondsPerMessage` per message, as the pipeline does on the reader thread.
    final class SlowCollector: Sendable {
        let items = Mutex<[CapturedMessage]>([])
        let microsecondsPerMessage: UInt32

        init(microsecondsPerMessage: UInt32) { self.microsecondsPerMessage = microsecondsPerMessage }

        var consumer: @Sendable ([CapturedMessage]) -> Void {
            { batch in
                usleep(self.microsecondsPerMessage * UInt32(batch.count))
                self.items.withLock { $0.append(contentsOf: batch) }
            }
        }

        var count: Int { items.withLock { $0.count } }

        /// Waits until `wanted` messages arrived or nothing new arrived for `quietSeconds`.
        func settle(wanted: Int, quietSeconds: Double = 1.5, limit: Double = 15) -> Int {
            let start = Clock.monotonicSeconds()
            var last = -1
            var lastChange = start
            while Clock.monotonicSeconds() - start < limit {
                let now = count
                if now >= wanted { return now }
                if now != last { last = now; lastChange = Clock.monotonicSeconds() }
                if Clock.monotonicSeconds() - lastChange > quietSeconds { return now }
                usleep(10_000)
            }
            return count
        }
    }

    func start(_ configuration: LiveCaptureConfiguration, collector: SlowCollector) throws -> LiveCapture {
        #expect(getuid() == 0, "\(LiveCaptureTests.privilegeMessage)")
        let capture: LiveCapture
        do {
            capture = try LiveCapture(configuration: configuration)
        } catch {
            Issue.record("\(LiveCaptureTests.privilegeMessage): \(error)")
            throw error
        }
        try capture.start(collector.consumer)
        usleep(200_000)
        return capture
    }

    /// 200 SIP OPTIONS as fast as the socket takes them, to a bound (unread) UDP port on 127.0.0.1.
    func mirrorBurst(
        busyMicroseconds: UInt32, packets: Int = burst, bufferBytes: Int32? = nil
    ) throws -> (stored: Int, distinct: Int, kernelDrops: Int) {
        let sink = try HEPUDPListener(endpoint: SocketEndpoint(address: IPAddress(ipv4: 0x7F00_0001), port: 0))
        var configuration = LiveCaptureConfiguration(interface: "lo")
        configuration.filter = "udp dst port \(sink.localEndpoint.port)"
        configuration.ports = [sink.localEndpoint.port...sink.localEndpoint.port]
        if let bufferBytes { configuration.bufferBytes = bufferBytes }
        let collector = SlowCollector(microsecondsPerMessage: busyMicroseconds)
        let capture = try start(configuration, collector: collector)
        defer { capture.stop() }
        let client = try Socket.make(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue))
        defer { close(client) }
        let destination = sink.localEndpoint
        for index in 0..<packets {
            let bytes = PacketBuilder.sip("OPTIONS", callID: "burst-\(index)", body: String(repeating: "x", count: 300))
            _ = destination.withSocketAddress { address, length in
                bytes.withUnsafeBytes { sendto(client, $0.baseAddress, $0.count, 0, address, length) }
            }
        }
        let stored = collector.settle(wanted: packets)
        let seen = collector.items.withLock { $0 }
        return (stored, Corpus.callIDs(seen).count, capture.kernelStats.dropped)
    }

    /// 200 IP-in-IP SIP OPTIONS through a raw socket on 127.0.0.1.
    func ipipBurst(busyMicroseconds: UInt32) throws -> (stored: Int, distinct: Int, kernelDrops: Int) {
        var configuration = LiveCaptureConfiguration(interface: "lo")
        configuration.mode = .ipip
        configuration.ports = [5090...5090]
        let collector = SlowCollector(microsecondsPerMessage: busyMicroseconds)
        let capture = try start(configuration, collector: collector)
        defer { capture.stop() }
        let raw = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
        #expect(raw >= 0, "raw socket: \(LiveCaptureTests.privilegeMessage)")
        defer { close(raw) }
        let destination = SocketEndpoint(address: IPAddress(ipv4: 0x7F00_0001), port: 0)
        for index in 0..<Self.burst {
            let sip = PacketBuilder.sip("OPTIONS", callID: "ipip-burst-\(index)", body: String(repeating: "y", count: 300))
            let inner = PacketBuilder.ipv4("10.1.2.3", "10.4.5.6", protocol: 17, payload: PacketBuilder.udp(5062, 5090, sip))
            let outer = PacketBuilder.ipv4("127.0.0.1", "127.0.0.1", protocol: 4, payload: inner, identification: index + 1)
            _ = destination.withSocketAddress { address, length in
                outer.withUnsafeBytes { sendto(raw, $0.baseAddress, $0.count, 0, address, length) }
            }
        }
        let stored = collector.settle(wanted: Self.burst)
        let seen = collector.items.withLock { $0 }
        #expect(seen.allSatisfy { $0.source.description == "10.1.2.3" && $0.outer?.ipProtocol == 4 })
        return (stored, Corpus.callIDs(seen).count, capture.kernelStats.dropped)
    }

    @Test("mirror on lo: a 200-packet burst is captured whole while the consumer works 200 µs per message (root)")
    func mirrorBurstWhole() throws {
        let result = try mirrorBurst(busyMicroseconds: 200)
        #expect(result.stored == Self.burst, "kernel drops: \(result.kernelDrops)")
        #expect(result.distinct == Self.burst)
        #expect(result.kernelDrops == 0)
    }

    @Test("IPIP on lo: a 200-packet burst is captured whole while the consumer works 200 µs per message (root)")
    func ipipBurstWhole() throws {
        let result = try ipipBurst(busyMicroseconds: 200)
        #expect(result.stored == Self.burst, "kernel drops: \(result.kernelDrops)")
        #expect(result.distinct == Self.burst)
        #expect(result.kernelDrops == 0)
    }

    @Test("a ring too small for the burst: every packet is either delivered or counted in ps_drop (root)")
    func overflowIsCounted() throws {
        let packets = 3_000
        let result = try mirrorBurst(busyMicroseconds: 300, packets: packets, bufferBytes: 256 * 1_024)
        #expect(result.kernelDrops > 0, "stored \(result.stored): the burst was meant to overflow the ring")
        #expect(result.stored + result.kernelDrops == packets)
        #expect(result.distinct == result.stored)
    }
}
