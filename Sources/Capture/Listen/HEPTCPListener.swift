#if canImport(Glibc)
import Glibc
#endif
import HEP
import Synchronization

/// HEPv3 over TCP: one thread polls the listening socket and every connection, splits each stream into
/// frames (`HEPFrameSplitter`), and hands the frames of one poll round to the consumer. A connection that
/// sends anything but HEPv3 frames within the limits is closed; the others are not disturbed. Slots are
/// held by progress, not by bytes: a connection that completes no frame is closed by the frame and idle
/// timeouts, and evicted first when a new connection finds every slot taken (`TCPListenerConfiguration`).
/// The thread sleeps in `poll` until a socket is ready, the next timeout is due, or `stop` wakes it.
public final class HEPTCPListener: Sendable {
    public let localEndpoint: SocketEndpoint
    public let counters = ListenerCounters()
    /// Connections closed per reason.
    public let connections = TCPConnectionCounters()
    /// Connections closed per framing error reason (`HEPFramingError.reason`).
    public let closeReasons = Mutex<[String: Int]>([:])
    private let core: StreamListenerCore
    private let configuration: TCPListenerConfiguration

    public init(endpoint: SocketEndpoint, configuration: TCPListenerConfiguration = .init()) throws(CaptureError) {
        core = try StreamListenerCore(endpoint: endpoint)
        localEndpoint = core.localEndpoint
        self.configuration = configuration
    }

    /// Starts the thread. `consumer` gets each poll round's frames; `log` (optional) gets rate-limited lines
    /// about refused, evicted and timed-out connections (`kind`, events since the last line, detail).
    public func start(
        _ consumer: @escaping @Sendable ([ReceivedDatagram]) -> Void,
        log: (@Sendable (_ kind: String, _ count: Int, _ detail: String) -> Void)? = nil
    ) throws(CaptureError) {
        let events = RateLimitedEvents(interval: configuration.logIntervalSeconds, report: log ?? { _, _, _ in })
        try core.start { [self] in pollLoop(consumer, events: events) }
    }

    /// Stops accepting and reading, closes every connection, returns when the thread has ended.
    public func stop() {
        core.stop()
    }

    private struct Connection {
        var descriptor: Int32
        var peer: SocketEndpoint
        var splitter: HEPFrameSplitter
        var state: TCPConnectionState
    }

    private func pollLoop(_ consumer: @Sendable ([ReceivedDatagram]) -> Void, events: RateLimitedEvents) {
        var events = events
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
                pollSet.append(pollfd(fd: connection.descriptor, events: Int16(POLLIN), revents: 0))
                if let deadline = connection.state.deadline(configuration) {
                    nextDeadline = min(nextDeadline, deadline.time)
                }
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
            var closing: [(index: Int, reason: TCPCloseReason)] = []
            for index in 2..<pollSet.count {
                let connectionIndex = index - 2
                if pollSet[index].revents != 0,
                   let reason = read(&connections[connectionIndex], buffer: readBuffer, now: now, monotonic: monotonic,
                                     into: &batch) {
                    closing.append((connectionIndex, reason))
                } else if let deadline = connections[connectionIndex].state.deadline(configuration),
                          deadline.time <= monotonic {
                    closing.append((connectionIndex, deadline.reason))
                }
            }
            for (index, reason) in closing.reversed() {
                let connection = connections.remove(at: index)
                // Counted before the close: whoever sees the connection closed also sees it counted.
                countClose(reason, peer: connection.peer, open: connections.count, now: monotonic, events: &events)
                close(connection.descriptor)
            }
            if pollSet[1].revents != 0 { acceptAll(&connections, monotonic: monotonic, events: &events) }
            counters.connectionsOpen.store(connections.count, ordering: .relaxed)
            if !batch.isEmpty {
                counters.batches.add(1, ordering: .relaxed)
                consumer(batch)
            }
        }
    }

    private func countClose(
        _ reason: TCPCloseReason, peer: SocketEndpoint, open: Int, now: Double, events: inout RateLimitedEvents
    ) {
        connections.countClose(reason)
        if reason == .badFrame { counters.connectionsClosedOnError.add(1, ordering: .relaxed) }
        guard reason != .peerClosed else { return }
        events.record(reason.rawValue, now: now, detail: "last_peer=\(peer) open=\(open)")
    }

    private func acceptAll(_ connections: inout [Connection], monotonic: Double, events: inout RateLimitedEvents) {
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
            let peer = SocketEndpoint(&storage) ?? SocketEndpoint(address: .unspecifiedIPv4, port: 0)
            if connections.count >= max(1, configuration.maxConnections) {
                guard let victim = evictionCandidate(connections, now: monotonic) else {
                    counters.connectionsRefused.add(1, ordering: .relaxed)
                    close(client)
                    events.record("refused", now: monotonic, detail: "last_peer=\(peer) open=\(connections.count)")
                    continue
                }
                let evicted = connections.remove(at: victim)
                countClose(.evicted, peer: evicted.peer, open: connections.count, now: monotonic, events: &events)
                close(evicted.descriptor)
            }
            Socket.setOption(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            connections.append(Connection(
                descriptor: client, peer: peer,
                splitter: HEPFrameSplitter(
                    maxFrameSize: configuration.maxFrameSize,
                    maxBufferedBytes: configuration.maxBufferedBytesPerConnection),
                state: TCPConnectionState(connectedAt: monotonic)))
            counters.connectionsAccepted.add(1, ordering: .relaxed)
        }
    }

    /// The connection a newcomer may replace, or nil when every open connection is delivering frames.
    private func evictionCandidate(_ connections: [Connection], now: Double) -> Int? {
        var best: Int?
        for index in connections.indices where connections[index].state.isEvictable(now: now, configuration) {
            if let current = best, !connections[index].state.evictsBefore(connections[current].state) { continue }
            best = index
        }
        return best
    }

    /// Reads what is available; the close reason when the connection must be closed (EOF, error, bad framing).
    private func read(
        _ connection: inout Connection, buffer: UnsafeMutableRawBufferPointer, now: CaptureTimestamp,
        monotonic: Double, into batch: inout [ReceivedDatagram]
    ) -> TCPCloseReason? {
        let count = recv(connection.descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
        if count == 0 { return .peerClosed }
        if count < 0 {
            let code = errno
            return code == EAGAIN || code == EWOULDBLOCK || code == EINTR ? nil : .readError
        }
        let net = NetInfo(source: connection.peer, destination: localEndpoint, transport: .tcp)
        var frames = 0
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
            return .badFrame
        }
        connection.state.didRead(frames: frames, buffered: connection.splitter.bufferedByteCount, now: monotonic)
        return nil
    }
}
