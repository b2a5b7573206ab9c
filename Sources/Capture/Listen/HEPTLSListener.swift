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
    let configuration: TLSListenerConfiguration
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
        let logs = Logs(events: events, failures: failures)
        try core.start { [self] in core.run(self, logs: logs, consumer: consumer) }
    }

    /// Stops accepting and reading, closes every connection, returns when the thread has ended.
    public func stop() {
        core.stop()
    }
}
