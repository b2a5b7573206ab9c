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
        for key in ConfigKeys.all {
            key.keepRunning(&next, running)
        }
        return next
    }
}

/// One configuration key as a reload sees it: its YAML path, whether a reload applies it, how to tell a
/// change and how to carry its value from one configuration to another.
struct ConfigKey: Sendable {
    enum Applies: Sendable { case live, afterRestart }

    let path: String
    let applies: Applies
    let differs: @Sendable (_ running: Config, _ loaded: Config) -> Bool
    /// Sets the key in `target` to its value in `source`.
    let copy: @Sendable (_ target: inout Config, _ source: Config) -> Void

    /// Copies the running value into the next configuration when the key needs a restart.
    func keepRunning(_ next: inout Config, _ running: Config) {
        if applies == .afterRestart { copy(&next, running) }
    }

    init(path: String, applies: Applies, differs: @escaping @Sendable (Config, Config) -> Bool,
         copy: @escaping @Sendable (inout Config, Config) -> Void) {
        self.path = path
        self.applies = applies
        self.differs = differs
        self.copy = copy
    }

    init<Value: Equatable & Sendable>(_ path: String, _ applies: Applies, _ field: WritableKeyPath<Config, Value> & Sendable) {
        self.init(path: path, applies: applies, differs: { $0[keyPath: field] != $1[keyPath: field] },
                  copy: { target, source in target[keyPath: field] = source[keyPath: field] })
    }

    /// The rest of a settings group (`store`, `admin`, `capture`): whatever its `known` keys do not cover, so
    /// a setting added to the group later is never silently ignored by a reload. It needs a restart until
    /// the reload learns better.
    static func remainder<Group: Equatable & Sendable>(of path: String, _ group: WritableKeyPath<Config, Group> & Sendable,
                                            known: [ConfigKey]) -> ConfigKey {
        let members = known.filter { $0.path.hasPrefix(path + ".") }
        @Sendable func overlaid(_ base: Config, _ source: Config) -> Group {
            var mixed = base
            for key in members { key.copy(&mixed, source) }
            return mixed[keyPath: group]
        }
        return ConfigKey(path: path, applies: .afterRestart,
                         differs: { running, loaded in overlaid(running, loaded) != loaded[keyPath: group] },
                         copy: { target, source in target[keyPath: group] = overlaid(source, target) })
    }
}

/// Every key of the configuration file and what a reload does with it. The packet path reads everything
/// live from the installed configuration; listeners, raw capture, the admin endpoint and the store are
/// opened once at start.
enum ConfigKeys {
    /// Not a YAML key: the BPF filter raw capture compiled from the rules at start.
    static let rawFilter = "raw.filter"

    static let settings: [ConfigKey] = [
        ConfigKey("capture.enabled", .live, \Config.capture.enabled),
        ConfigKey("capture.node", .live, \Config.capture.node),
        ConfigKey("auth_key", .live, \Config.authKey),
        ConfigKey(path: "hep_route", applies: .live, differs: { hepRouteName($0) != hepRouteName($1) },
                  copy: { target, source in target.hepRoute = source.hepRoute }),
        // `lists`, `routes` and `include`: the program is installed whole; copy is a no-op (never pinned).
        ConfigKey(path: "rules", applies: .live, differs: { RuleFingerprint($0.program) != RuleFingerprint($1.program) },
                  copy: { _, _ in }),
        ConfigKey("store.table", .live, \Config.store.table),
        ConfigKey("store.report_table", .live, \Config.store.reportTable),
        ConfigKey(path: "listen", applies: .afterRestart, differs: { Set($0.listen) != Set($1.listen) },
                  copy: { target, source in target.listen = source.listen }),
        ConfigKey(path: "raw", applies: .afterRestart, differs: { ConfigKeys.rawChanges($0.raw, $1.raw) == ["raw"] },
                  copy: { target, source in target.raw = source.raw }),
        ConfigKey(path: "admin.listen", applies: .afterRestart, differs: { adminListen($0) != adminListen($1) },
                  copy: { target, source in
                      target.admin.host = source.admin.host
                      target.admin.port = source.admin.port
                      target.admin.enabled = source.admin.enabled
                  }),
        ConfigKey("store.url", .afterRestart, \Config.store.url),
        ConfigKey("store.schema", .afterRestart, \Config.store.schema),
        ConfigKey("store.batch_rows", .afterRestart, \Config.store.batchRows),
        ConfigKey("store.flush_ms", .afterRestart, \Config.store.flushMilliseconds),
        ConfigKey("store.max_in_flight", .afterRestart, \Config.store.maxInFlight),
        ConfigKey("store.spool", .afterRestart, \Config.store.spool),
        ConfigKey("store.retention_days", .afterRestart, \Config.store.retentionDays),
    ]

    static let all: [ConfigKey] = settings + [
        .remainder(of: "capture", \Config.capture, known: settings),
        .remainder(of: "store", \Config.store, known: settings),
        .remainder(of: "admin", \Config.admin, known: settings),
    ]

    static func adminListen(_ config: Config) -> String {
        config.admin.enabled ? Daemon.hostPort(config.admin.host, config.admin.port) : "off"
    }

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
