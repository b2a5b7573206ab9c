#if canImport(Glibc)
import Glibc
#endif
import HEP
import Synchronization
import TLS

/// HEPv3 over TLS: the TCP listener's design (one thread polls the listening socket and every connection,
/// `HEPFrameSplitter` framing, the same connection limit, eviction order and frame/idle timeouts) with an
/// OpenSSL session per connection on a non-blocking socket. A connection must finish its handshake within
/// the handshake timeout; a failed handshake is counted by reason and logged once per peer and interval.
/// The server context can be replaced while running (`replaceContext`): new connections get it, established
/// ones keep the one they started with.
public final class HEPTLSListener: Sendable {
    public let localEndpoint: SocketEndpoint
    public let counters = ListenerCounters()
    /// Connections closed per reason (after the handshake, as for TCP).
    public let connections = TCPConnectionCounters()
    /// Handshakes completed and failed per reason.
    public let handshakes = TLSHandshakeCounters()
    /// Connections closed per framing error reason (`HEPFramingError.reason`).
    public let closeReasons = Mutex<[String: Int]>([:])
    private let core: StreamListenerCore
    private let configuration: TLSListenerConfiguration
    private let context: Mutex<TLSContext>

    public init(endpoint: SocketEndpoint, context: TLSContext,
                configuration: TLSListenerConfiguration = .init()) throws(CaptureError) {
        core = try StreamListenerCore(endpoint: endpoint)
        localEndpoint = core.localEndpoint
        self.configuration = configuration
        self.context = Mutex(context)
    }

    /// The context new connections start from.
    public var currentContext: TLSContext { context.withLock { $0 } }

    /// New connections use `next` from now on; established sessions keep theirs.
    public func replaceContext(_ next: TLSContext) {
        context.withLock { $0 = next }
    }

    /// Starts the thread. `consumer` gets each poll round's frames; `log` gets rate-limited lines about
    /// refused, evicted and timed-out connections (`kind`, count, detail); `logFailure` gets failed
    /// handshakes, at most one line per peer address and `failureLogIntervalSeconds`.
    public func start(
        _ consumer: @escaping @Sendable ([ReceivedDatagram]) -> Void,
        log: (@Sendable (_ kind: String, _ count: Int, _ detail: String) -> Void)? = nil,
        logFailure: (@Sendable (_ peer: String, _ count: Int, _ detail: String) -> Void)? = nil
    ) throws(CaptureError) {
        let events = RateLimitedEvents(interval: configuration.tcp.logIntervalSeconds, report: log ?? { _, _, _ in })
        let failures = PeerRateLimitedLog(interval: configuration.failureLogIntervalSeconds,
                                          report: logFailure ?? { _, _, _ in })
        try core.start { [self] in pollLoop(consumer, events: events, failures: failures) }
    }

    /// Stops accepting and reading, closes every connection, returns when the thread has ended.
    public func stop() {
        core.stop()
    }

    private final class Connection {
        let descriptor: Int32
        let peer: SocketEndpoint
        let session: TLSSession
        var established = false
        /// The session's last step asked for a writable socket.
        var wantsWrite = false
        /// Reading stopped at the per-round limit (or with decrypted bytes pending): poll without waiting.
        var moreToRead = false
        var splitter: HEPFrameSplitter
        var state: TCPConnectionState

        init(descriptor: Int32, peer: SocketEndpoint, session: TLSSession, splitter: HEPFrameSplitter, now: Double) {
            self.descriptor = descriptor
            self.peer = peer
            self.session = session
            self.splitter = splitter
            state = TCPConnectionState(connectedAt: now)
        }
    }

    /// Why a connection is closed: after the handshake a TCP close reason, during it a handshake failure.
    private enum Closing {
        case tcp(TCPCloseReason)
        case handshake(TLSFailure)
    }

    private struct Logs {
        var events: RateLimitedEvents
        var failures: PeerRateLimitedLog
    }

    private func pollLoop(_ consumer: @Sendable ([ReceivedDatagram]) -> Void, events: RateLimitedEvents,
                          failures: PeerRateLimitedLog) {
        var logs = Logs(events: events, failures: failures)
        var connections: [Connection] = []
        var pollSet: [pollfd] = []
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer {
            readBuffer.deallocate()
            for connection in connections { close(connection.descriptor) }
            counters.connectionsOpen.store(0, ordering: .relaxed)
        }
        while !core.isStopping {
            pollSet.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: core.wake.read, events: Int16(POLLIN), revents: 0))
            pollSet.append(pollfd(fd: core.descriptor, events: Int16(POLLIN), revents: 0))
            var nextDeadline = Double.infinity
            for connection in connections {
                let events = connection.wantsWrite ? Int16(POLLOUT) : Int16(POLLIN)
                pollSet.append(pollfd(fd: connection.descriptor, events: events, revents: 0))
                if connection.moreToRead { nextDeadline = 0 }
                if let deadline = deadline(of: connection) { nextDeadline = min(nextDeadline, deadline.time) }
            }
            let timeout: Int32 = nextDeadline.isFinite
                ? Int32(clamping: Int(max(0, (nextDeadline - Clock.monotonicSeconds()) * 1_000).rounded(.up)))
                : -1
            let ready = poll(&pollSet, nfds_t(pollSet.count), timeout)
            if ready < 0 { continue }   // EINTR
            if pollSet[0].revents != 0 { continue }   // woken by stop
            let now = Clock.now()
            let monotonic = Clock.monotonicSeconds()
            var batch: [ReceivedDatagram] = []
            var closing: [(index: Int, reason: Closing)] = []
            for index in 2..<pollSet.count {
                let connection = connections[index - 2]
                if pollSet[index].revents != 0 || connection.moreToRead {
                    if let reason = advance(connection, buffer: readBuffer, now: now, monotonic: monotonic, into: &batch) {
                        closing.append((index - 2, reason))
                        continue
                    }
                }
                if let deadline = deadline(of: connection), deadline.time <= monotonic {
                    closing.append((index - 2, deadline.reason))
                }
            }
            for (index, reason) in closing.reversed() {
                let connection = connections.remove(at: index)
                finish(connection, reason, open: connections.count, now: monotonic, logs: &logs)
            }
            if pollSet[1].revents != 0 { acceptAll(&connections, monotonic: monotonic, logs: &logs) }
            counters.connectionsOpen.store(connections.count, ordering: .relaxed)
            if !batch.isEmpty {
                counters.batches.add(1, ordering: .relaxed)
                consumer(batch)
            }
        }
    }

    private func deadline(of connection: Connection) -> (time: Double, reason: Closing)? {
        if connection.established {
            return connection.state.deadline(configuration.tcp).map { ($0.time, .tcp($0.reason)) }
        }
        let failure = TLSFailure(reason: .timeout, detail: "handshake not finished within \(configuration.handshakeTimeoutSeconds) s")
        return (connection.state.connectedAt + max(0.001, configuration.handshakeTimeoutSeconds), .handshake(failure))
    }

    private func finish(_ connection: Connection, _ reason: Closing, open: Int, now: Double, logs: inout Logs) {
        switch reason {
        case .tcp(let reason):
            if reason != .peerClosed && reason != .readError { connection.session.shutdown() }
            connections.countClose(reason)
            if reason == .badFrame { counters.connectionsClosedOnError.add(1, ordering: .relaxed) }
            if reason != .peerClosed {
                logs.events.record(reason.rawValue, now: now, detail: "last_peer=\(connection.peer) open=\(open)")
            }
        case .handshake(let failure):
            handshakes.countFailure(failure.reason)
            logs.failures.record(connection.peer.address, now: now,
                                 detail: "reason=\(failure.reason.rawValue) last_port=\(connection.peer.port) detail=\"\(failure.detail)\"")
        }
        close(connection.descriptor)
    }

    private func acceptAll(_ connections: inout [Connection], monotonic: Double, logs: inout Logs) {
        let limit = max(1, configuration.tcp.maxConnections)
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(core.descriptor, $0, &length)
                }
            }
            guard client >= 0 else { return }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            let peer = SocketEndpoint(&storage) ?? SocketEndpoint(address: .unspecifiedIPv4, port: 0)
            if connections.count >= limit {
                guard let victim = evictionCandidate(connections, now: monotonic) else {
                    counters.connectionsRefused.add(1, ordering: .relaxed)
                    close(client)
                    logs.events.record("refused", now: monotonic, detail: "last_peer=\(peer) open=\(connections.count)")
                    continue
                }
                let evicted = connections.remove(at: victim)
                if evicted.established {
                    finish(evicted, .tcp(.evicted), open: connections.count, now: monotonic, logs: &logs)
                } else {
                    let failure = TLSFailure(reason: .timeout, detail: "evicted by a new connection before finishing the handshake")
                    self.connections.countClose(.evicted)
                    finish(evicted, .handshake(failure), open: connections.count, now: monotonic, logs: &logs)
                }
            }
            Socket.setOption(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            guard let session = try? TLSSession(context: currentContext, descriptor: client) else {
                close(client)
                handshakes.countFailure(.other)
                continue
            }
            let splitter = HEPFrameSplitter(maxFrameSize: configuration.tcp.maxFrameSize,
                                            maxBufferedBytes: configuration.tcp.maxBufferedBytesPerConnection)
            connections.append(Connection(descriptor: client, peer: peer, session: session, splitter: splitter,
                                          now: monotonic))
            counters.connectionsAccepted.add(1, ordering: .relaxed)
        }
    }

    /// The connection a newcomer may replace, or nil when every open connection is delivering frames.
    /// Unfinished handshakes have delivered no frame, so they go first.
    private func evictionCandidate(_ connections: [Connection], now: Double) -> Int? {
        var best: Int?
        for index in connections.indices where connections[index].state.isEvictable(now: now, configuration.tcp) {
            if let current = best, !connections[index].state.evictsBefore(connections[current].state) { continue }
            best = index
        }
        return best
    }

    /// Moves the handshake on, or reads what is available; why to close the connection, or nil.
    private func advance(
        _ connection: Connection, buffer: UnsafeMutableRawBufferPointer, now: CaptureTimestamp, monotonic: Double,
        into batch: inout [ReceivedDatagram]
    ) -> Closing? {
        connection.moreToRead = false
        connection.wantsWrite = false
        if !connection.established {
            switch connection.session.handshake() {
            case .done:
                connection.established = true
                handshakes.completed.add(1, ordering: .relaxed)
            case .wantRead: return nil
            case .wantWrite:
                connection.wantsWrite = true
                return nil
            case .closed:
                return .handshake(TLSFailure(reason: .peerClosed, detail: "connection closed during the handshake"))
            case .failed(let failure):
                return .handshake(failure)
            }
        }
        let net = NetInfo(source: connection.peer, destination: localEndpoint, transport: .tcp)
        var frames = 0
        var reads = 0
        defer {
            connection.state.didRead(frames: frames, buffered: connection.splitter.bufferedByteCount, now: monotonic)
        }
        while true {
            if reads == configuration.readsPerRound {
                connection.moreToRead = true
                return nil
            }
            reads += 1
            switch connection.session.read(into: buffer) {
            case .done(let count):
                do {
                    try connection.splitter.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    while let frame = try connection.splitter.nextFrame() {
                        frames += 1
                        counters.received.add(1, ordering: .relaxed)
                        counters.bytes.add(frame.count, ordering: .relaxed)
                        batch.append(ReceivedDatagram(bytes: frame, net: net, receivedAt: now))
                    }
                } catch {
                    closeReasons.withLock { $0[error.reason, default: 0] += 1 }
                    return .tcp(.badFrame)
                }
            case .wantRead:
                return nil
            case .wantWrite:
                connection.wantsWrite = true
                return nil
            case .closed:
                return .tcp(.peerClosed)
            case .failed:
                return .tcp(.readError)
            }
        }
    }
}
