#if canImport(Glibc)
import Glibc
#endif
import CSocket
import HEP
import Service
import Synchronization

public struct UDPListenerConfiguration: Sendable {
    /// Datagrams per recvmmsg call.
    public var batchSize = 64
    /// Slot size per datagram; a datagram longer than this is truncated and counted (MSG_TRUNC).
    public var slotSize = 65_535
    /// Requested SO_RCVBUF(FORCE) size; the kernel doubles it. Kernel memory, used only while a backlog
    /// waits: a ~650-byte datagram takes ~2.3 KB of it on loopback, so 256 MiB (512 MiB granted) holds
    /// ~230 000 datagrams, a whole 200 000-packet burst at full sender speed while the store and the
    /// sender share the 2 cores (32 MiB lost half of such a burst, 128 MiB a fifth into SQLite).
    public var receiveBufferBytes = 256 * 1_024 * 1_024

    public init() {}
}

/// Counters of one listener (readable from any thread).
public final class ListenerCounters: Sendable {
    public let received = Atomic<Int>(0)
    public let bytes = Atomic<Int>(0)
    public let batches = Atomic<Int>(0)
    /// UDP datagrams longer than the slot (MSG_TRUNC); dropped.
    public let truncated = Atomic<Int>(0)
    public let receiveErrors = Atomic<Int>(0)
    /// TCP: connections accepted / refused over the limit (no slot could be freed) / closed for bad framing /
    /// currently open.
    public let connectionsAccepted = Atomic<Int>(0)
    public let connectionsRefused = Atomic<Int>(0)
    public let connectionsClosedOnError = Atomic<Int>(0)
    public let connectionsOpen = Atomic<Int>(0)

    init() {}
}

/// HEP over UDP: a dedicated thread receives batches with recvmmsg (MSG_WAITFORONE) into fixed slots and
/// hands each batch to the consumer. The only per-packet allocation is the packet's own byte array. The socket
/// is non-blocking: the thread reads until it is empty, then sleeps in `poll` on it and on its wake
/// descriptor, so `stop` ends the loop at once (no receive timeout to wait out).
public final class HEPUDPListener: Sendable {
    public let localEndpoint: SocketEndpoint
    public let counters = ListenerCounters()
    /// The receive buffer size the kernel granted (bytes, as getsockopt reports it).
    public let receiveBufferBytes: Int
    private let socket: UDPReceiveSocket
    private var descriptor: Int32 { socket.descriptor }
    private let configuration: UDPListenerConfiguration
    private let service: ServiceThread

    /// Binds the socket (port 0 picks a free port; see `localEndpoint`). Receiving starts with `start`.
    public init(endpoint: SocketEndpoint, configuration: UDPListenerConfiguration = .init()) throws(CaptureError) {
        socket = try UDPReceiveSocket(endpoint: endpoint, receiveBufferBytes: configuration.receiveBufferBytes)
        service = try ServiceThread.polling(name: "hep-udp-\(socket.localEndpoint.port)")
        receiveBufferBytes = socket.receiveBufferBytes
        self.configuration = configuration
        localEndpoint = socket.localEndpoint
    }

    /// Datagrams the kernel dropped for this socket since it was opened, mostly because the receive buffer
    /// was full (the thread fell behind); also checksum and filter drops. Read with SO_MEMINFO
    /// (SK_MEMINFO_DROPS), at any time from any thread; 0 when the kernel cannot say.
    public var kernelDrops: Int {
        let drops = capd_socket_drops(descriptor)
        return drops < 0 ? 0 : Int(drops)
    }

    /// Starts the receive thread; `consumer` is called on it with every non-empty batch. `logDrops` (optional)
    /// is told, at most every 10 s, how many datagrams the kernel dropped since the last call and in total.
    public func start(
        _ consumer: @escaping @Sendable ([ReceivedDatagram]) -> Void,
        logDrops: (@Sendable (_ new: Int, _ total: Int) -> Void)? = nil
    ) throws(CaptureError) {
        try service.startCapture { [self] in receiveLoop(consumer, logDrops: logDrops) }
    }

    /// Stops receiving and returns when the receive thread has ended (it is woken, not polled).
    public func stop() {
        service.stopAndJoin()
    }

    private func receiveLoop(
        _ consumer: @Sendable ([ReceivedDatagram]) -> Void, logDrops: (@Sendable (Int, Int) -> Void)?
    ) {
        var dropWatch = DropCounterWatch()
        let count = max(1, min(configuration.batchSize, 256))
        let slot = max(1, configuration.slotSize)
        let buffers = UnsafeMutableRawBufferPointer.allocate(byteCount: count * slot, alignment: 16)
        let lengths = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        let flags = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        let addresses = UnsafeMutablePointer<sockaddr_storage>.allocate(capacity: count)
        defer {
            buffers.deallocate()
            lengths.deallocate()
            flags.deallocate()
            addresses.deallocate()
        }
        guard let base = buffers.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let local = localEndpoint
        // Idle, the drop watch still looks once per check interval: drops of a burst that ended get logged.
        let idleTimeout: Int32 = logDrops == nil ? -1 : Int32(dropWatch.checkInterval * 1_000)
        while !service.isStopping {
            if let logDrops {
                dropWatch.observe(now: Clock.monotonicSeconds(), read: { kernelDrops }, report: logDrops)
            }
            let received = capd_recvmmsg(descriptor, base, slot, UInt32(count), lengths, flags, addresses, 1)
            if received < 0 {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK {
                    sleepUntilReadable(timeoutMilliseconds: idleTimeout)
                } else if code != EINTR {
                    counters.receiveErrors.add(1, ordering: .relaxed)
                }
                continue
            }
            guard received > 0 else { continue }
            let now = Clock.now()
            var batch: [ReceivedDatagram] = []
            batch.reserveCapacity(Int(received))
            var bytesInBatch = 0
            var truncated = 0
            for index in 0..<Int(received) {
                if flags[index] & CAPD_MSG_TRUNC != 0 {
                    truncated += 1
                    continue
                }
                let length = Int(lengths[index])
                let packet = [UInt8](UnsafeRawBufferPointer(start: base + index * slot, count: length))
                let source = SocketEndpoint(addresses + index) ?? SocketEndpoint(address: .unspecifiedIPv4, port: 0)
                bytesInBatch += length
                batch.append(ReceivedDatagram(
                    bytes: packet, net: NetInfo(source: source, destination: local, transport: .udp), receivedAt: now))
            }
            counters.batches.add(1, ordering: .relaxed)
            counters.received.add(batch.count, ordering: .relaxed)
            counters.bytes.add(bytesInBatch, ordering: .relaxed)
            if truncated > 0 { counters.truncated.add(truncated, ordering: .relaxed) }
            if !batch.isEmpty { consumer(batch) }
            // A short batch emptied the socket: sleep now (poll returns at once if more has arrived) rather than
            // spend a recvmmsg on EAGAIN first. Full batches go straight back to recvmmsg.
            if Int(received) < count { sleepUntilReadable(timeoutMilliseconds: idleTimeout) }
        }
    }

    /// The socket is empty: sleeps until a datagram arrives, `stop` wakes the thread, or the timeout passes.
    private func sleepUntilReadable(timeoutMilliseconds: Int32) {
        guard let wake = service.wakeDescriptor else { return }
        var entries = (pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0))
        let ready = withUnsafeMutableBytes(of: &entries) { raw in
            poll(raw.baseAddress?.assumingMemoryBound(to: pollfd.self), 2, timeoutMilliseconds)
        }
        if ready > 0 && entries.1.revents != 0 { service.clearWake() }
    }
}
