#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Service
import Synchronization

/// Runs the daemon until a shutdown is requested (SIGTERM, SIGINT or a call), then drains.
/// SIGHUP triggers a reload. A second shutdown signal while draining exits at once.
final class DaemonLifecycle: Sendable {
    private let requested = Atomic<Bool>(false)
    private let reason = Mutex<String?>(nil)
    /// Latched by the first shutdown request: every waiter, now and later, goes through.
    private let wakeUp = WakeSignal()
    private let logger: Logger
    private let forceExit: @Sendable (Int32) -> Void

    init(logger: Logger = Logger(label: "capd.lifecycle"),
         forceExit: @escaping @Sendable (Int32) -> Void = { code in exit(code) }) {
        self.logger = logger
        self.forceExit = forceExit
    }

    var isShutdownRequested: Bool { requested.load(ordering: .acquiring) }

    /// Asks the daemon to stop; returns false if a shutdown was already requested.
    @discardableResult
    func requestShutdown(reason: String) -> Bool {
        let (first, _) = requested.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        guard first else { return false }
        self.reason.withLock { $0 = reason }
        logger.info("event=shutdown_requested reason=\(reason)")
        wakeUp.latch()
        return true
    }

    /// Blocks until a shutdown is requested (returns its reason) or `timeout` passes (returns nil).
    func waitForShutdown(timeout: Duration? = nil) -> String? {
        guard wakeUp.wait(timeout: timeout) else { return nil }
        return reason.withLock { $0 }
    }

    /// Watches SIGHUP (reload), SIGTERM and SIGINT (shutdown), blocks until a shutdown is requested, then
    /// runs `drain` (stop listeners, flush the pipeline and the store). `ready` runs once the signal
    /// handlers are in place. Returns the exit code: 0 after a
    /// clean drain, 1 when the drain threw. The signal handlers are removed before returning.
    func run(
        reload: ReloadCoordinator?,
        signals: SignalWatcher = .shared,
        ready: () -> Void = {},
        drain: () throws -> Void
    ) throws(SignalWatcherError) -> Int32 {
        if let reload {
            try signals.install(SIGHUP) { _ in reload.reload(trigger: "sighup") }
        }
        for signal in [SIGTERM, SIGINT] {
            try signals.install(signal) { [self] signal in
                let name = signal == SIGTERM ? "sigterm" : "sigint"
                if !requestShutdown(reason: name) {
                    logger.warning("event=shutdown_forced reason=second_\(name)")
                    forceExit(1)
                }
            }
        }
        defer {
            for signal in [SIGHUP, SIGTERM, SIGINT] { signals.remove(signal) }
        }
        ready()
        let why = waitForShutdown() ?? "unknown"
        logger.info("event=draining reason=\(why)")
        do {
            try drain()
        } catch {
            logger.error("event=drain_failed error=\"\(error)\"")
            return 1
        }
        logger.info("event=stopped")
        return 0
    }
}
