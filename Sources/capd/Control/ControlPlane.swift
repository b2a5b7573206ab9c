import Synchronization

/// Why the admin endpoint could not start.
enum AdminStartError: Error, Equatable, Sendable, CustomStringConvertible {
    case badAddress(SocketAddressError)
    case socket(SocketError)

    var description: String {
        switch self {
        case .badAddress(let error): return "admin.listen: \(error)"
        case .socket(let error): return "admin endpoint: \(error)"
        }
    }
}

/// The daemon's operational surface in one place: metrics, the capture switch, counted and serialized
/// reloads, the admin endpoint and the run-until-signalled lifecycle. The daemon wiring creates it once:
///
///     let control = try ControlPlane(captureEnabled: config.capture.enabled) { reloadConfig() }
///     try control.startAdmin(listen: adminListen)            // "127.0.0.1:9096", "[::1]:9096"
///     let code = try control.run { stopListeners(); drainPipeline(); store.drain() }
///
/// and hands `metrics` and `captureSwitch` to the pipeline.
final class ControlPlane: Sendable {
    let metrics: CapdMetrics
    let captureSwitch: CaptureSwitch
    let reloader: ReloadCoordinator
    let lifecycle: DaemonLifecycle
    let adminControl: DaemonAdminControl
    private let adminServer = LockedServer()

    init(
        captureEnabled: Bool,
        metrics: CapdMetrics? = nil,
        lifecycle: DaemonLifecycle = DaemonLifecycle(),
        health: @escaping @Sendable () -> HealthStatus = { .ok },
        reload: @escaping @Sendable () -> ReloadResult
    ) throws(MetricsError) {
        let metrics: CapdMetrics = if let metrics { metrics } else { try CapdMetrics() }
        self.metrics = metrics
        captureSwitch = CaptureSwitch(enabled: captureEnabled)
        captureSwitch.bind(to: metrics.captureEnabled)
        reloader = ReloadCoordinator(metrics: metrics, reload: reload)
        self.lifecycle = lifecycle
        adminControl = DaemonAdminControl(
            captureSwitch: captureSwitch, reloader: reloader, registry: metrics.registry, health: health)
    }

    /// Starts `GET /metrics`, `GET /healthz` and `POST /mi` on `listen`; returns the bound address.
    @discardableResult
    func startAdmin(listen: String, limits: AdminLimits = AdminLimits()) throws(AdminStartError) -> SocketAddress {
        let address: SocketAddress
        do {
            address = try SocketAddress(parsing: listen)
        } catch {
            throw .badAddress(error)
        }
        let server = AdminServer(
            address: address, service: AdminService(registry: metrics.registry, control: adminControl), limits: limits)
        let bound: SocketAddress
        do {
            bound = try server.start()
        } catch {
            throw .socket(error)
        }
        adminServer.replace(with: server)?.stop()
        return bound
    }

    var adminAddress: SocketAddress? { adminServer.current?.boundAddress }

    /// Blocks until SIGTERM/SIGINT (or `lifecycle.requestShutdown`), SIGHUP reloading meanwhile; then
    /// stops the admin endpoint, runs `drain` and returns the exit status (0 clean, 1 drain failed).
    func run(ready: () -> Void = {}, drain: () throws -> Void) throws(SignalWatcherError) -> Int32 {
        try lifecycle.run(reload: reloader, ready: ready) {
            adminServer.current?.stop()
            try drain()
        }
    }
}

/// The admin server, swapped under a lock.
private final class LockedServer: Sendable {
    private let server = Mutex<AdminServer?>(nil)

    var current: AdminServer? { server.withLock { $0 } }

    /// Installs `new`; returns the previous server.
    func replace(with new: AdminServer) -> AdminServer? {
        server.withLock { current in
            let old = current
            current = new
            return old
        }
    }
}
