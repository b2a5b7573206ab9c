import Rules

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
                      target.admin.listen = source.admin.listen
                      target.admin.enabled = source.admin.enabled
                  }),
        ConfigKey("store.url", .afterRestart, \Config.store.url),
        ConfigKey("store.schema", .afterRestart, \Config.store.schema),
        ConfigKey("store.shards", .afterRestart, \Config.store.shards),
        ConfigKey("store.shard_by", .afterRestart, \Config.store.shardBy),
        ConfigKey("store.batch_rows", .afterRestart, \Config.store.batchRows),
        ConfigKey("store.flush_ms", .afterRestart, \Config.store.flushMilliseconds),
        ConfigKey("store.max_in_flight", .afterRestart, \Config.store.maxInFlight),
        ConfigKey("store.spool", .afterRestart, \Config.store.spool),
        ConfigKey("store.spool_max_bytes", .afterRestart, \Config.store.spoolMaxBytes),
        ConfigKey("store.retention_days", .afterRestart, \Config.store.retentionDays),
        ConfigKey("tcp.max_connections", .afterRestart, \Config.tcp.maxConnections),
        ConfigKey("tcp.frame_timeout_s", .afterRestart, \Config.tcp.frameTimeoutSeconds),
        ConfigKey("tcp.idle_timeout_s", .afterRestart, \Config.tcp.idleTimeoutSeconds),
    ] + tlsSettings

    static let all: [ConfigKey] = settings + [
        .remainder(of: "capture", \Config.capture, known: settings),
        .remainder(of: "store", \Config.store, known: settings),
        .remainder(of: "admin", \Config.admin, known: settings),
        .remainder(of: "tcp", \Config.tcp, known: settings),
    ]

    static func adminListen(_ config: Config) -> String {
        config.admin.enabled ? config.admin.listen.hostPort : "off"
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
        if running.bufferMegabytes != loaded.bufferMegabytes { keys.append("raw.buffer_mb") }
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
