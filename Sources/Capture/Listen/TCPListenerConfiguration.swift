import Synchronization

public struct TCPListenerConfiguration: Sendable {
    /// Largest HEPv3 frame accepted; a bigger declared length closes the connection.
    public var maxFrameSize = 65_535
    /// Unread bytes held per connection.
    public var maxBufferedBytesPerConnection = 4 * 65_536
    /// Open connections at once. When all are taken, a new connection evicts the open one that has gone
    /// longest without delivering a complete frame (connections that never delivered one go first); the new
    /// one is refused only when every open connection delivered a frame within `frameTimeoutSeconds`.
    public var maxConnections = 1_024
    /// A frame whose first bytes arrived must be complete within this many seconds, else the connection is
    /// closed (`frame_timeout`); 0 disables. Trickled bytes do not extend it.
    public var frameTimeoutSeconds: Double = 10
    /// A connection that delivers no complete frame for this long (since it connected or since its last
    /// frame) is closed (`idle`); 0 disables. Bytes of an unfinished frame are not activity.
    public var idleTimeoutSeconds: Double = 300
    /// Shortest time between two log lines of one kind (refusals, evictions, timeouts).
    public var logIntervalSeconds: Double = 10

    public init() {}
}

/// Why the listener closed a connection (`capd_tcp_connections_closed_total{reason}`).
public enum TCPCloseReason: String, Sendable, CaseIterable {
    /// The peer closed its side (EOF).
    case peerClosed = "peer_closed"
    /// No complete frame for `idleTimeoutSeconds`.
    case idle
    /// A started frame was not completed within `frameTimeoutSeconds`.
    case frameTimeout = "frame_timeout"
    /// Closed to make room for a new connection while all slots were taken.
    case evicted
    /// The stream was not HEPv3 framing within the limits (bad magic, bad or oversize length, buffer full).
    case badFrame = "bad_frame"
    /// recv failed (e.g. connection reset).
    case readError = "read_error"
}

/// Connection counts of a TCP listener, by close reason (readable from any thread). Updated once per
/// closed connection, never per frame, so a lock is cheap enough.
public final class TCPConnectionCounters: Sendable {
    private let closedCounts = Mutex<[Int]>(Array(repeating: 0, count: TCPCloseReason.allCases.count))

    init() {}

    /// Connections closed for `reason` since the listener started.
    public func closed(_ reason: TCPCloseReason) -> Int {
        closedCounts.withLock { $0[Self.index(reason)] }
    }

    func countClose(_ reason: TCPCloseReason) {
        closedCounts.withLock { $0[Self.index(reason)] += 1 }
    }

    private static func index(_ reason: TCPCloseReason) -> Int {
        TCPCloseReason.allCases.firstIndex(of: reason) ?? 0
    }
}
