import Glibc
import HEP
import Hummingbird
import HummingbirdCore
import Logging
import Service
import Synchronization
import protocol NIOCore.Channel
import struct NIOCore.ChannelOptions
import struct NIOCore.TimeAmount
import class NIOPosix.MultiThreadedEventLoopGroup

/// Why the admin server could not start.
enum AdminServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotListen(SocketEndpoint, reason: String)
    case startTimedOut(SocketEndpoint)

    var description: String {
        switch self {
        case .cannotListen(let address, let reason): return "cannot listen on \(address): \(reason)"
        case .startTimedOut(let address): return "admin endpoint on \(address) did not start in time"
        }
    }
}

/// The admin endpoint's HTTP server: Hummingbird 2 (SwiftNIO) on one event-loop thread of its own, so the
/// receive path (plain sockets) never shares a thread with it. Connections are served concurrently and
/// kept alive; a silent or slow client costs one idle channel until `limits.idleTimeout`, never a worker.
/// `start()` and `stop()` are synchronous for the daemon's thread-based lifecycle.
final class AdminServer: Sendable {
    /// `admin.listen` when the configuration says nothing (loopback only).
    static let defaultListen = "127.0.0.1:9096"

    let requestedAddress: SocketEndpoint
    private let service: AdminService
    private let limits: AdminLimits
    private let logger: Logger
    private let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let running = Mutex<Task<Void, Never>?>(nil)
    private let bound = Mutex<SocketEndpoint?>(nil)
    /// The listening channel, closed first on `stop()` so that no connection arrives while the server task is
    /// cancelled (NIO traps when a connection's async channel is dropped unserved).
    private let listening = ListeningChannel()
    /// Signalled when the server task ends (`stop` waits for it, bounded).
    private let finished = WakeSignal()
    @available(macOS 15.0, *)
    private static let executor = AdminTaskExecutor()

    init(address: SocketEndpoint, service: AdminService, limits: AdminLimits = AdminLimits(),
         logger: Logger = Logger(label: "capd.admin")) {
        self.requestedAddress = address
        self.service = service
        self.limits = limits
        self.logger = logger
    }

    deinit {
        stop()
        try? eventLoopGroup.syncShutdownGracefully()
    }

    /// The address actually listened on (with the real port when port 0 was asked for).
    var boundAddress: SocketEndpoint? { bound.withLock { $0 } }

    /// Binds and starts serving; returns the bound address once the server accepts connections.
    @discardableResult
    func start() throws(AdminServerError) -> SocketEndpoint {
        let requested = requestedAddress
        let outcome = StartOutcome()
        let listening = self.listening
        // Hummingbird logs its start and stop lines, and the cancellation that `stop()` uses as an error;
        // capd logs its own key=value lines (start, refusals, state changes) and start failures are thrown.
        var httpLogger = logger
        httpLogger.logLevel = .critical
        let application = Application(
            responder: AdminResponder(service: service, limits: limits),
            server: .http1(configuration: HTTP1Channel.Configuration(
                idleTimeout: TimeAmount.nanoseconds(Int64(limits.idleTimeout.seconds * 1e9)),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeadBytes,
                                                maxHeaderListSize: limits.maxHeadBytes, maxHeaderFieldCount: 100))),
            configuration: ApplicationConfiguration(
                address: .hostname(requested.address.description, port: Int(requested.port)), serverName: nil, backlog: 256,
                reuseAddress: true, availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
            onServerRunning: { channel in
                listening.set(channel)
                let port = channel.localAddress?.port ?? Int(requested.port)
                outcome.finish(.success(SocketEndpoint(address: requested.address, port: UInt16(clamping: port))))
            },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: httpLogger)
        let done = finished
        let task = Self.detached {
            do {
                try await application.run()
                outcome.finish(.failure(.cannotListen(requested, reason: "server stopped")))
            } catch {
                outcome.finish(.failure(.cannotListen(requested, reason: Self.reason(error))))
            }
            done.signal()
        }
        running.withLock { $0 = task }
        guard let result = outcome.wait(timeout: limits.startTimeout) else {
            stop()
            throw .startTimedOut(requested)
        }
        switch result {
        case .success(let address):
            bound.withLock { $0 = address }
            logger.info("event=admin_listening address=\(address) server=hummingbird")
            return address
        case .failure(let error):
            running.withLock { $0 = nil }
            throw error
        }
    }

    /// Stops accepting and closes every connection (a request in progress is cut: the daemon is going
    /// away), waiting at most 5 s for the server task to end.
    ///
    /// Cancellation rather than Hummingbird's graceful shutdown: the graceful path finishes in an
    /// unstructured task on Swift's cooperative pool, which the callers of `stop()` may be blocking.
    func stop() {
        guard let task = running.withLock({ state -> Task<Void, Never>? in
            defer { state = nil }
            return state
        }) else { return }
        if let channel = listening.take() {
            // Stop accepting without closing first: closing the listening channel while a just-accepted
            // connection is still being set up drops that connection's async channel unserved, and NIO traps
            // ("Deinited NIOAsyncWriter without calling finish()"). With reads off no connection is accepted;
            // the ones in setup reach the server's loop within a few event-loop turns; then close. (A grace
            // period of three turns 10 ms apart, not a poll: nothing signals "no connection in setup".)
            try? channel.setOption(ChannelOptions.autoRead, value: false).wait()
            for _ in 0..<3 {
                try? channel.eventLoop.submit {}.wait()
                usleep(10_000)
            }
            do {
                try channel.close().wait()
            } catch {
                logger.warning("event=admin_close_failed detail=\"\(error)\"")
            }
        }
        task.cancel()
        if !finished.wait(timeout: .seconds(5)) {
            logger.warning("event=admin_stop_slow detail=\"server task still running 5 s after cancel\"")
        }
        bound.withLock { $0 = nil }
    }

    /// A task on the admin executor (see `AdminTaskExecutor`), not on the cooperative pool.
    @discardableResult
    private static func detached(_ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        if #available(macOS 15.0, *) {
            return Task.detached(executorPreference: executor) { await body() }
        }
        return Task.detached { await body() }
    }

    /// "address already in use" rather than NIO's `IOError` dump.
    private static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("EADDRINUSE") { return "address already in use" }
        return text
    }
}

/// The server's listening channel, handed from the server task to `stop()`.
private final class ListeningChannel: Sendable {
    private let channel = Mutex<(any Channel)?>(nil)
    func set(_ value: any Channel) { channel.withLock { $0 = value } }
    func take() -> (any Channel)? {
        channel.withLock { state in
            defer { state = nil }
            return state
        }
    }
}

/// The first result of a server start (bound, or failed), waited for by the starting thread.
private final class StartOutcome: Sendable {
    private let result = Mutex<Result<SocketEndpoint, AdminServerError>?>(nil)
    private let signal = WakeSignal()

    func finish(_ value: Result<SocketEndpoint, AdminServerError>) {
        let first = result.withLock { stored -> Bool in
            guard stored == nil else { return false }
            stored = value
            return true
        }
        if first { signal.signal() }
    }

    func wait(timeout: Duration) -> Result<SocketEndpoint, AdminServerError>? {
        guard signal.wait(timeout: timeout) else { return nil }
        return result.withLock { $0 }
    }
}

extension Duration {
    /// Seconds as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
