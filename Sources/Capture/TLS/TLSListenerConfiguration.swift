import Synchronization
import TLS

/// Limits of a `tls://` listener: the TCP listener's (frame size, buffer, connection limit, frame and idle
/// timeouts) plus the time a handshake may take.
public struct TLSListenerConfiguration: Sendable {
    public var tcp = TCPListenerConfiguration()
    /// A connection must finish its TLS handshake within this many seconds, else it is closed and counted
    /// (`timeout`). Trickled handshake bytes do not extend it. Must be > 0.
    public var handshakeTimeoutSeconds: Double = 10
    /// Handshake failures are logged at most once per peer address per this many seconds.
    public var failureLogIntervalSeconds: Double = 60
    /// Reads of one connection per poll round before the others get their turn.
    public var readsPerRound = 32

    public init() {}
}

/// Handshake outcomes of a TLS listener, by failure reason (`capd_tls_handshake_failures_total{reason}`).
/// Updated once per handshake, never per frame.
public final class TLSHandshakeCounters: Sendable {
    private let failures = Mutex<[Int]>(Array(repeating: 0, count: TLSFailure.Reason.allCases.count))
    /// Handshakes completed.
    public let completed = Atomic<Int>(0)

    init() {}

    /// Handshakes that failed for `reason` since the listener started.
    public func failed(_ reason: TLSFailure.Reason) -> Int {
        failures.withLock { $0[Self.index(reason)] }
    }

    func countFailure(_ reason: TLSFailure.Reason) {
        failures.withLock { $0[Self.index(reason)] += 1 }
    }

    private static func index(_ reason: TLSFailure.Reason) -> Int {
        TLSFailure.Reason.allCases.firstIndex(of: reason) ?? 0
    }
}
