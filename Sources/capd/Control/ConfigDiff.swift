import Rules

/// What changed between the running configuration and a newly loaded one, key by key (YAML paths such as
/// `store.schema`, `admin.listen`, `rules`, `relay.NAME`), split into what a reload applies live and what
/// only a restart applies. Both lists are sorted; a key is in at most one of them.
struct ConfigDiff: Equatable, Sendable {
    /// Changed keys that are live once the reload is done.
    var applied: [String] = []
    /// Changed keys that keep their running value until capd restarts.
    var restartRequired: [String] = []

    var isEmpty: Bool { applied.isEmpty && restartRequired.isEmpty }

    init(applied: [String] = [], restartRequired: [String] = []) {
        self.applied = applied.sorted()
        self.restartRequired = restartRequired.sorted()
    }

    /// Compares every key of `ConfigKeys.all`, the named relay targets and, while raw capture runs, the
    /// kernel filter derived from the rules.
    init(running: Config, loaded: Config) {
        var applied: [String] = []
        var restart: [String] = []
        for key in ConfigKeys.all where key.differs(running, loaded) {
            switch key.applies {
            case .live: applied.append(key.path)
            case .afterRestart: restart.append(key.path)
            }
        }
        if running.raw != nil, loaded.raw != nil {
            restart += ConfigKeys.rawChanges(running.raw, loaded.raw)
        }
        let names = Set(running.relay.keys).union(loaded.relay.keys)
        for name in names where running.relay[name] != loaded.relay[name] {
            applied.append("relay." + name)
        }
        if running.raw != nil, loaded.raw != nil,
           BPFGenerator.expression(for: running) != BPFGenerator.expression(for: loaded) {
            restart.append(ConfigKeys.rawFilter)
        }
        self.init(applied: applied, restartRequired: restart)
    }

    func changed(_ path: String) -> Bool {
        applied.contains(path) || restartRequired.contains(path)
    }

    /// The configuration a reload makes live: `loaded`, except that every key that needs a restart keeps
    /// its `running` value. Rows are therefore always built for the store the process opened, and the next
    /// reload still reports a pending restart-only change.
    static func live(_ loaded: Config, keeping running: Config) -> Config {
        var next = loaded
        for key in ConfigKeys.all where key.applies == .afterRestart {
            key.keepRunning(&next, running)
        }
        return next
    }
}

/// One configuration key as a reload sees it: its YAML path, whether a reload applies it, how to tell a
/// change and how to keep the running value.
struct ConfigKey: Sendable {
    enum Applies: Sendable { case live, afterRestart }

    let path: String
    let applies: Applies
    let differs: @Sendable (Config, Config) -> Bool
    /// Copies the running value into the next configuration (used for `afterRestart` keys).
    let keepRunning: @Sendable (inout Config, Config) -> Void

    /// A key read through `value`; restart-only keys are written back through `keep`.
    static func live<Value: Equatable>(_ path: String, _ value: @escaping @Sendable (Config) -> Value) -> ConfigKey {
        ConfigKey(path: path, applies: .live, differs: { value($0) != value($1) }, keepRunning: { _, _ in })
    }

    static func restart<Value: Equatable>(_ path: String, _ field: WritableKeyPath<Config, Value> & Sendable) -> ConfigKey {
        ConfigKey(path: path, applies: .afterRestart, differs: { $0[keyPath: field] != $1[keyPath: field] },
                  keepRunning: { next, running in next[keyPath: field] = running[keyPath: field] })
    }
}

/// Every key of the configuration file and what a reload does with it. The packet path reads everything
/// live from the installed configuration; listeners, raw capture, the admin endpoint and the store are
/// opened once at start.
enum ConfigKeys {
    /// Not a YAML key: the BPF filter raw capture compiled from the rules at start.
    static let rawFilter = "raw.filter"

    static let all: [ConfigKey] = [
        .live("capture.enabled") { $0.capture.enabled },
        .live("capture.node") { $0.capture.node },
        .live("auth_key") { $0.authKey },
        .live("hep_route") { hepRouteName($0) },
        .live("rules") { RuleFingerprint($0.program) },
        .live("store.table") { $0.store.table },
        .live("store.report_table") { $0.store.reportTable },
        ConfigKey(path: "listen", applies: .afterRestart, differs: { Set($0.listen) != Set($1.listen) },
                  keepRunning: { next, running in next.listen = running.listen }),
        ConfigKey(path: "raw", applies: .afterRestart, differs: { ConfigKeys.rawChanges($0.raw, $1.raw) == ["raw"] },
                  keepRunning: { next, running in next.raw = running.raw }),
        .restart("admin.listen", \Config.admin),
        .restart("store.url", \Config.store.url),
        .restart("store.schema", \Config.store.schema),
        .restart("store.batch_rows", \Config.store.batchRows),
        .restart("store.flush_ms", \Config.store.flushMilliseconds),
        .restart("store.max_in_flight", \Config.store.maxInFlight),
        .restart("store.spool", \Config.store.spool),
        .restart("store.retention_days", \Config.store.retentionDays),
    ]

    /// `raw` when raw capture is switched on or off, else the changed `raw.*` keys.
    static func rawChanges(_ running: RawSettings?, _ loaded: RawSettings?) -> [String] {
        guard let running, let loaded else { return running == nil && loaded == nil ? [] : ["raw"] }
        var keys: [String] = []
        if running.mode != loaded.mode { keys.append("raw.mode") }
        if running.interface != loaded.interface { keys.append("raw.interface") }
        if running.promiscuous != loaded.promiscuous { keys.append("raw.promiscuous") }
        if running.readers != loaded.readers { keys.append("raw.readers") }
        if running.ports != loaded.ports { keys.append("raw.ports") }
        return keys
    }

    /// `none`, `sip` or the route's name (an index would change when routes are reordered).
    static func hepRouteName(_ config: Config) -> String {
        switch config.hepRoute {
        case .none: return "none"
        case .sip: return "sip"
        case .route(let index):
            return config.program.routes.indices.contains(index) ? "route:" + config.program.routes[index].name : "route:?"
        }
    }
}
