import ArgumentParser
import Foundation
import Rules
import Store
import Tables

/// `-c FILE` / `--store URL` / `--schema`: which store `capd calls` reads, as `capd run` would write it.
struct CallsStoreOptions: ParsableArguments {
    /// The configuration gives the store URL, schema and table templates.
    @OptionGroup var source: ConfigStoreOptions

    @Option(name: .customLong("schema"), help: "homer5 or homer7; replaces store.schema.")
    var schema: String?

    func validate() throws {
        if let schema, SchemaFlavour(rawValue: schema) == nil {
            throw ValidationError("invalid --schema '\(schema)': expected homer5 or homer7")
        }
    }

    /// The configuration's store, with the command line's replacements. Without a readable default file and
    /// with `--store` given, the embedded defaults (`sip_capture`, `rtcp_capture`) are used.
    func configuration() throws -> CallStore.Configuration {
        let loaded: Config?
        if source.store != nil, source.config == ConfigStoreOptions.defaultConfig, !FileManager.default.fileExists(atPath: source.config) {
            loaded = nil
        } else {
            let result = ConfigLoader.load(path: source.config)
            guard let parsed = result.config else {
                FileHandle.standardError.write(Data((result.sources.render(result.errors) + "\n").utf8))
                throw ExitCode(1)
            }
            loaded = parsed
        }
        var configuration = loaded.map(CallsStoreOptions.configuration(of:))
            ?? CallStore.Configuration(url: "sqlite://capd.db", flavour: .homer5, sipTemplates: ["sip_capture"],
                                       reportTemplates: ["rtcp_capture"])
        if let store = source.store {
            configuration.url = store
            configuration.shardURLs = []
        }
        if let schema, let chosen = SchemaFlavour(rawValue: schema) { configuration.flavour = chosen }
        return configuration
    }

    /// The store a configuration writes: URL, schema, and every table template of `store:` and of the rules'
    /// `capture`/`report` actions.
    static func configuration(of config: Config) -> CallStore.Configuration {
        let (sip, reports) = config.tableTemplatesByFamily
        var configuration = CallStore.Configuration(url: config.store.url, flavour: config.store.schema == .homer7 ? .homer7 : .homer5,
                                                    sipTemplates: sip, reportTemplates: reports)
        configuration.shardURLs = config.store.shards
        return configuration
    }

    func open() throws -> CallStore {
        do {
            return try CallStore(try configuration())
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("capd calls: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `--since`, `--from`, `--to`: the search window.
struct CallsTimeOptions: ParsableArguments {
    @Option(name: .customLong("since"), help: "Window ending now (or at --to): 90s, 15m, 1h, 2d. Default 1h.")
    var since: String?

    @Option(name: .customLong("from"), help: "Window start, UTC: 2024-05-01, '2024-05-01 13:00', 2024-05-01T13:00:00Z or epoch seconds.")
    var from: String?

    @Option(name: .customLong("to"), help: "Window end, UTC (default: now, or --from plus --since).")
    var to: String?

    var isGiven: Bool { spec.isGiven }
    var spec: WindowSpec { WindowSpec(since: since, from: from, to: to) }
    func window(now: Int64) throws -> TimeWindow { try spec.window(now: now) }

    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec / 1000)
    }
}

/// The window of a search from `since`/`from`/`to` texts (command line or web form).
struct WindowSpec: Sendable {
    var since: String?
    var from: String?
    var to: String?

    var isGiven: Bool { since != nil || from != nil || to != nil }

    static let defaultSpan: Int64 = 3_600_000_000

    /// Seconds, minutes, hours or days: `90s`, `15m`, `1h`, `2d` (a bare number is seconds).
    static func duration(_ text: String) -> Int64? {
        guard let unit = text.last else { return nil }
        let scale: Int64 = switch unit {
        case "s": 1
        case "m": 60
        case "h": 3600
        case "d": 86_400
        default: 0
        }
        let digits = scale == 0 ? Substring(text) : text.dropLast()
        guard let value = Int64(digits), value > 0 else { return nil }
        return value * (scale == 0 ? 1 : scale) * 1_000_000
    }

    static func time(_ text: String) -> Int64? {
        if let seconds = Int64(text) { return seconds * 1_000_000 }
        return CallTime.parse(text)
    }

    func window(now: Int64) throws -> TimeWindow {
        var span = Self.defaultSpan
        if let since {
            guard let parsed = Self.duration(since) else { throw ValidationError("invalid --since '\(since)': expected e.g. 90s, 15m, 1h, 2d") }
            span = parsed
        }
        let start = try from.map { text -> Int64 in
            guard let t = Self.time(text) else { throw ValidationError("invalid --from '\(text)'") }
            return t
        }
        let end = try to.map { text -> Int64 in
            guard let t = Self.time(text) else { throw ValidationError("invalid --to '\(text)'") }
            return t
        }
        let window: TimeWindow = switch (start, end) {
        case let (s?, e?): TimeWindow(from: s, to: e)
        case let (s?, nil): TimeWindow(from: s, to: since == nil ? max(now, s + span) : s + span)
        case let (nil, e?): TimeWindow(from: e - span, to: e)
        case (nil, nil): TimeWindow(from: now - span, to: now)
        }
        guard window.from < window.to else { throw ValidationError("the window ends before it starts") }
        return window
    }

}
