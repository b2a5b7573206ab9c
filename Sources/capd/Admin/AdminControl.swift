/// What the admin endpoint can ask of the running daemon. The daemon wiring provides it; tests can
/// provide their own.
protocol AdminControl: Sendable {
    var captureEnabled: Bool { get }
    func setCaptureEnabled(_ enabled: Bool)
    /// Reloads the configuration (SIGHUP does the same); must keep the old rules when it fails.
    func reload() -> ReloadResult
    /// Counters and gauges by series name, e.g. `capd_reloads_total{result="ok"}`.
    func stats() -> [(name: String, value: Double)]
    func health() -> HealthStatus
}

/// The answer of `GET /healthz`.
struct HealthStatus: Equatable, Sendable {
    var healthy: Bool
    /// Short facts shown with the status, e.g. `store: "ok"` or `store: "spooling"`.
    var details: [String: String]

    static let ok = HealthStatus(healthy: true, details: [:])
}

/// The ordinary `AdminControl` of the daemon: the shared capture switch, reloads through the
/// coordinator (counted, serialized with SIGHUP), stats from the metrics registry, and an optional health
/// probe (for example the store's connection state).
struct DaemonAdminControl: AdminControl {
    let captureSwitch: CaptureSwitch
    let reloader: ReloadCoordinator
    let exporter: MetricsExporter
    let healthProbe: @Sendable () -> HealthStatus

    init(captureSwitch: CaptureSwitch, reloader: ReloadCoordinator, exporter: MetricsExporter,
         health: @escaping @Sendable () -> HealthStatus = { .ok }) {
        self.captureSwitch = captureSwitch
        self.reloader = reloader
        self.exporter = exporter
        self.healthProbe = health
    }

    var captureEnabled: Bool { captureSwitch.isOn }
    func setCaptureEnabled(_ enabled: Bool) { captureSwitch.set(enabled) }
    func reload() -> ReloadResult { reloader.reload(trigger: "mi") }
    func stats() -> [(name: String, value: Double)] { exporter.stats() }
    func health() -> HealthStatus { healthProbe() }
}
