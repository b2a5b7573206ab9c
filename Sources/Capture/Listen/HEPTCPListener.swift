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
        let logs = Logs(events: RateLimitedEvents(interval: configuration.logIntervalSeconds,
                                                  report: log ?? { _, _, _ in }))
        try core.start { [self] in core.run(self, logs: logs, consumer: consumer) }
    }

    /// Stops accepting and reading, closes every connection, returns when the thread has ended.
    public func stop() {
        core.stop()
    }
}

extension HEPTCPListener: StreamListenerDriver {
    struct Connection: StreamConnection {
        var descriptor: Int32
        var peer: SocketEndpoint
        var splitter: HEPFrameSplitter
        var state: TCPConnectionState
        var pollEvents: Int16 { Int16(POLLIN) }
        var hasPendingInput: Bool { false }
    }

    struct Logs: StreamListenerLogs {
        var events: RateLimitedEvents
    }

    var tcpConfiguration: TCPListenerConfiguration { configuration }

    func open(_ descriptor: Int32, peer: SocketEndpoint, now: Double) -> Connection? {
        Connection(
            descriptor: descriptor, peer: peer,
            splitter: HEPFrameSplitter(
                maxFrameSize: configuration.maxFrameSize,
                maxBufferedBytes: configuration.maxBufferedBytesPerConnection),
            state: TCPConnectionState(connectedAt: now))
    }

    func deadline(of connection: Connection) -> (time: Double, reason: TCPCloseReason)? {
        connection.state.deadline(configuration)
    }

    func close(_ connection: Connection, _ reason: TCPCloseReason, open: Int, now: Double, logs: inout Logs) {
        countClose(reason, peer: connection.peer, open: open, now: now, events: &logs.events)
        Glibc.close(connection.descriptor)
    }

    func evict(_ connection: Connection, open: Int, now: Double, logs: inout Logs) {
        close(connection, .evicted, open: open, now: now, logs: &logs)
    }

    /// Reads what is available; the close reason when the connection must be closed (EOF, error, bad framing).
    func advance(
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
        guard splitFrames(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), &connection.splitter, net: net,
                          now: now, frames: &frames, into: &batch)
        else { return .badFrame }
        connection.state.didRead(frames: frames, buffered: connection.splitter.bufferedByteCount, now: monotonic)
        return nil
    }
}
