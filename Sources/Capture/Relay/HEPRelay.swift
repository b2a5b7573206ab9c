#if canImport(Glibc)
import Glibc
#endif
import CSocket
import Service
import Synchronization
import TLS

public struct RelayConfiguration: Sendable {
    /// Datagrams waiting per target; beyond this `send` drops and counts.
    public var queueCapacity = 16_384
    /// TCP reconnect back-off: first delay, doubled up to the maximum (seconds).
    public var reconnectInitialDelay = 0.1
    public var reconnectMaxDelay = 5.0
    /// Send (and connect) timeout of the TCP socket, milliseconds.
    public var sendTimeoutMilliseconds = 2_000

    public init() {}
}

public final class RelayCounters: Sendable {
    public let sent = Atomic<Int>(0)
    /// Send errors (UDP: refused/unreachable; TCP: the frame being written when the connection failed).
    public let failed = Atomic<Int>(0)
    /// Refused by `send` because the queue was full or the relay closed.
    public let dropped = Atomic<Int>(0)
    /// Refused because TCP carries HEPv3 only.
    public let rejected = Atomic<Int>(0)
    public let connects = Atomic<Int>(0)
    /// TLS targets: handshakes that failed (server certificate refused, protocol error, timeout).
    public let handshakeFailures = Atomic<Int>(0)
    /// The last TLS handshake failure, for logs and `capd ctl`.
    public let lastTLSFailure = Mutex<String?>(nil)
    /// TCP: the connection is open, or no attempt has failed yet (relay groups read it as member health).
    public let connectedOrStarting = Atomic<Bool>(true)

    init() {}
}

/// Sends HEP datagrams to one target from a bounded queue on its own thread. UDP carries any version;
/// TCP carries HEPv3 frames only and reconnects with back-off, keeping the queue meanwhile.
public final class HEPRelay: Sendable {
    public let target: RelayDestination
    public let counters = RelayCounters()
    let configuration: RelayConfiguration
    private let queue: Mutex<RelayQueue>
    /// The sender thread: `send` wakes it, it sleeps when the queue is empty or until the next reconnect.
    private let service: ServiceThread
    /// Signalled by the sender each time it finds the queue empty (`close` waits on it to drain).
    private let idle = WakeSignal()
    /// The client context of a TLS target (HEPRelay+TLS).
    let tlsContext: TLSContext?

    public init(target: RelayDestination, configuration: RelayConfiguration = .init()) throws(CaptureError) {
        self.target = target
        self.configuration = configuration
        tlsContext = try Self.makeTLSContext(for: target)
        queue = Mutex(RelayQueue(capacity: max(1, configuration.queueCapacity)))
        service = ServiceThread(name: "relay-\(target.endpoint.port)")
        try service.startCapture { [self] in run() }
    }

    public var isConnectedOrStarting: Bool { counters.connectedOrStarting.load(ordering: .relaxed) }

    /// Datagrams waiting.
    public var queued: Int { queue.withLock { $0.count } }

    /// Queues one datagram; false when it was dropped (queue full, closed, or not HEPv3 on TCP).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        if target.transport != .udp && !bytes.starts(with: [0x48, 0x45, 0x50, 0x33]) {
            counters.rejected.add(1, ordering: .relaxed)
            return false
        }
        guard !service.isStopping, queue.withLock({ $0.push(bytes) }) else {
            counters.dropped.add(1, ordering: .relaxed)
            return false
        }
        service.wake()
        return true
    }

    /// Sends what is queued for at most `drainTimeout` seconds, then stops the thread and returns.
    public func close(drainTimeout: Double = 1) {
        let deadline = ContinuousClock.now + .milliseconds(Int((max(0, drainTimeout) * 1_000).rounded()))
        while queued > 0, idle.wait(until: deadline) {}
        service.stopAndJoin()
        let left = queue.withLock { queue -> Int in
            defer { queue.removeAll() }
            return queue.count
        }
        if left > 0 { counters.dropped.add(left, ordering: .relaxed) }
    }

    deinit {
        service.stop()
    }

    // MARK: sender thread

    private func run() {
        var descriptor: Int32 = -1
        var session: TLSSession?
        var delay = configuration.reconnectInitialDelay
        var nextAttempt = 0.0
        var batch: [[UInt8]] = []
        defer { if descriptor >= 0 { Glibc.close(descriptor) } }
        while !service.isStopping {
            if descriptor < 0 {
                let now = Clock.monotonicSeconds()
                if now < nextAttempt {
                    service.waitForWake(timeout: .milliseconds(Int((nextAttempt - now) * 1_000) + 1))
                    continue
                }
                descriptor = connectSocket()
                if descriptor >= 0, tlsContext != nil {
                    session = startTLS(on: descriptor)
                    if session == nil {
                        Glibc.close(descriptor)
                        descriptor = -1
                    }
                }
                if descriptor < 0 {
                    counters.connectedOrStarting.store(false, ordering: .relaxed)
                    nextAttempt = now + delay
                    delay = min(delay * 2, configuration.reconnectMaxDelay)
                    continue
                }
                counters.connects.add(1, ordering: .relaxed)
                counters.connectedOrStarting.store(true, ordering: .relaxed)
                delay = configuration.reconnectInitialDelay
            }
            batch.removeAll(keepingCapacity: true)
            queue.withLock { $0.pop(upTo: 64, into: &batch) }
            if batch.isEmpty {
                idle.signal()
                service.waitForWake()
                continue
            }
            switch target.transport {
            case .udp: sendDatagrams(batch, on: descriptor)
            case .tcp, .tls:
                for (index, frame) in batch.enumerated() {
                    if session.map({ writeAll(frame, through: $0) }) ?? writeAll(frame, on: descriptor) {
                        counters.sent.add(1, ordering: .relaxed)
                    } else {
                        counters.failed.add(1, ordering: .relaxed)
                        session = nil
                        Glibc.close(descriptor)
                        descriptor = -1
                        counters.connectedOrStarting.store(false, ordering: .relaxed)
                        nextAttempt = Clock.monotonicSeconds() + delay
                        // Frames after the failed one go back to the front of the queue.
                        let rest = Array(batch[(index + 1)...])
                        queue.withLock { $0.pushFront(rest) }
                        break
                    }
                }
            }
        }
    }

    private func connectSocket() -> Int32 {
        let type = target.transport == .udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
        guard let descriptor = try? Socket.make(family: target.endpoint.socketFamily, type: type) else { return -1 }
        if target.transport != .udp {
            Socket.setOption(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            Socket.setSendTimeout(descriptor, milliseconds: configuration.sendTimeoutMilliseconds)
        }
        let status = target.endpoint.withSocketAddress { connect(descriptor, $0, $1) }
        guard status == 0 else {
            Glibc.close(descriptor)
            return -1
        }
        return descriptor
    }

    private func sendDatagrams(_ batch: [[UInt8]], on descriptor: Int32) {
        var offset = 0
        while offset < batch.count {
            let slice = batch[offset...]
            let sent = sendBatch(slice, on: descriptor)
            if sent <= 0 {
                // The first datagram of the slice failed (e.g. ECONNREFUSED from an earlier ICMP); skip it.
                counters.failed.add(1, ordering: .relaxed)
                offset += 1
            } else {
                counters.sent.add(sent, ordering: .relaxed)
                offset += sent
            }
        }
    }

    private func sendBatch(_ slice: ArraySlice<[UInt8]>, on descriptor: Int32) -> Int {
        var pointers: [UnsafePointer<UInt8>?] = []
        var lengths: [UInt32] = []
        pointers.reserveCapacity(slice.count)
        lengths.reserveCapacity(slice.count)
        // The arrays outlive the call: `slice` holds them, and their buffers are not mutated.
        for datagram in slice {
            datagram.withUnsafeBufferPointer { pointers.append($0.baseAddress) }
            lengths.append(UInt32(datagram.count))
        }
        return Int(capd_sendmmsg(descriptor, pointers, lengths, UInt32(slice.count), nil, 0))
    }

    private func writeAll(_ bytes: [UInt8], on descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

/// FIFO with a fixed capacity.
struct RelayQueue {
    private var items: [[UInt8]] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { items.count - head }

    mutating func push(_ item: [UInt8]) -> Bool {
        guard count < capacity else { return false }
        items.append(item)
        return true
    }

    mutating func pushFront(_ front: [[UInt8]]) {
        items = front + items[head...]
        head = 0
    }

    mutating func pop(upTo limit: Int, into batch: inout [[UInt8]]) {
        let end = min(items.count, head + limit)
        batch.append(contentsOf: items[head..<end])
        head = end
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4_096 && head * 2 > items.count {
            items.removeSubrange(0..<head)
            head = 0
        }
    }

    mutating func removeAll() {
        items.removeAll()
        head = 0
    }
}
