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
        let names = Set(running.relay.keys).union(loaded.relay.keys)
        for name in names where running.relay[name] != loaded.relay[name] {
            applied.append("relay." + name)
        }
        let groups = Set(running.relayGroups.keys).union(loaded.relayGroups.keys).subtracting(names)
        for name in groups where running.relayGroups[name] != loaded.relayGroups[name] {
            applied.append("relay." + name)
        }
        if running.raw != nil, loaded.raw != nil {
            restart += ConfigKeys.rawChanges(running.raw, loaded.raw)
            if BPFGenerator.expression(for: running) != BPFGenerator.expression(for: loaded) {
                restart.append(ConfigKeys.rawFilter)
            }
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
