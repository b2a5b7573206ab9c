import HEP
import Synchronization

/// One accepted connection as the poll loop sees it.
protocol StreamConnection {
    var descriptor: Int32 { get }
    var state: TCPConnectionState { get }
    /// What to poll for: POLLIN, or POLLOUT while the protocol waits to write.
    var pollEvents: Int16 { get }
    /// Input waits that `poll` cannot see (a read limit hit, decrypted bytes held): advance without waiting.
    var hasPendingInput: Bool { get }
}

/// The poll thread's log state; `events` gets refusals, evictions and timeouts.
protocol StreamListenerLogs {
    var events: RateLimitedEvents { get set }
}

/// The protocol side of a stream listener (plain TCP, TLS), driven by `StreamListenerCore.run`, which
/// owns the sockets, the poll, accepting, evicting and deadlines.
protocol StreamListenerDriver: Sendable {
    associatedtype Connection: StreamConnection
    /// Why a connection is closed.
    associatedtype Closing
    associatedtype Logs: StreamListenerLogs

    var counters: ListenerCounters { get }
    var connections: TCPConnectionCounters { get }
    /// Connections closed per framing error reason (`HEPFramingError.reason`).
    var closeReasons: Mutex<[String: Int]> { get }
    var tcpConfiguration: TCPListenerConfiguration { get }

    /// A connection for a socket just accepted (TCP_NODELAY set), or nil after closing `descriptor`.
    func open(_ descriptor: Int32, peer: SocketEndpoint, now: Double) -> Connection?
    /// When the connection must be closed and why, or nil when no timeout applies.
    func deadline(of connection: Connection) -> (time: Double, reason: Closing)?
    /// Moves the connection on (reads what is available into `batch`); why to close it, or nil.
    func advance(
        _ connection: inout Connection, buffer: UnsafeMutableRawBufferPointer, now: CaptureTimestamp,
        monotonic: Double, into batch: inout [ReceivedDatagram]
    ) -> Closing?
    /// Counts and logs the close, then closes the socket.
    func close(_ connection: Connection, _ reason: Closing, open: Int, now: Double, logs: inout Logs)
    /// Closes a connection to make room for a newcomer.
    func evict(_ connection: Connection, open: Int, now: Double, logs: inout Logs)
}

extension StreamListenerDriver {
    /// Counts and logs a close for `reason` (peer closes are not logged); the caller closes the socket after.
    func countClose(
        _ reason: TCPCloseReason, peer: SocketEndpoint, open: Int, now: Double, events: inout RateLimitedEvents
    ) {
        connections.countClose(reason)
        if reason == .badFrame { counters.connectionsClosedOnError.add(1, ordering: .relaxed) }
        guard reason != .peerClosed else { return }
        events.record(reason.rawValue, now: now, detail: "last_peer=\(peer) open=\(open)")
    }

    /// Appends `bytes` to `splitter` and each complete frame to `batch` (adding to `frames`); false when
    /// the stream is not HEPv3 framing within the limits (counted by reason).
    func splitFrames(
        _ bytes: UnsafeRawBufferPointer, _ splitter: inout HEPFrameSplitter, net: NetInfo, now: CaptureTimestamp,
        frames: inout Int, into batch: inout [ReceivedDatagram]
    ) -> Bool {
        do {
            try splitter.append(bytes)
            while let frame = try splitter.nextFrame() {
                frames += 1
                counters.received.add(1, ordering: .relaxed)
                counters.bytes.add(frame.count, ordering: .relaxed)
                batch.append(ReceivedDatagram(bytes: frame, net: net, receivedAt: now))
            }
        } catch {
            closeReasons.withLock { $0[error.reason, default: 0] += 1 }
            return false
        }
        return true
    }
}
