import Rules

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
