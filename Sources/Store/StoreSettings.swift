import Tables

/// What the store runs on: the configuration's `store:` section (`StoreSection`, where every default is) and
/// what the daemon works out besides it. The section's fields read and write as the settings' own
/// (`settings.batchRows`).
@dynamicMemberLookup
public struct StoreSettings: Sendable, Equatable {
    public var section: StoreSection
    /// Spool and dead-letter directory (the section's `spool`, resolved by the daemon).
    public var spoolDirectory: String
    /// Every table template the configuration's rules can write: retention drops their old tables even when
    /// no row was written to them since start.
    public var tableTemplates: [String] = []
    /// Rows held in memory before `append` turns to the spool.
    public var queueCapacity = 50_000
    /// First delay before reconnecting; doubles up to `reconnectMaxMilliseconds`.
    public var reconnectMinMilliseconds = 100
    public var reconnectMaxMilliseconds = 5_000

    public init(_ section: StoreSection, spoolDirectory: String) {
        self.section = section
        self.spoolDirectory = spoolDirectory
    }

    /// The documented defaults with this URL.
    public init(url: String, spoolDirectory: String) {
        var section = StoreSection()
        section.url = url
        self.init(section, spoolDirectory: spoolDirectory)
    }

    public subscript<Value>(dynamicMember path: WritableKeyPath<StoreSection, Value>) -> Value {
        get { section[keyPath: path] }
        set { section[keyPath: path] = newValue }
    }

    func validated() throws(StoreError) -> StoreSettings {
        guard section.batchRows >= 1 else { throw .badSettings("batch_rows must be >= 1") }
        guard section.flushMilliseconds >= 1 else { throw .badSettings("flush_ms must be >= 1") }
        guard (1...64).contains(section.maxInFlight) else { throw .badSettings("max_in_flight must be 1...64") }
        guard queueCapacity >= section.batchRows else { throw .badSettings("queue capacity must be >= batch_rows") }
        guard !spoolDirectory.isEmpty else { throw .badSettings("spool directory is empty") }
        guard section.retentionDays >= 0 else { throw .badSettings("retention_days must be >= 0") }
        if section.partitionsHomerFiveByDay, case .sqlite = try StoreLocation(url: section.url) {
            throw .badSettings(TablePartitioning.dayNeedsPostgreSQL)
        }
        return self
    }
}

/// Where rows go, parsed from `StoreSettings.url`.
public enum StoreLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(conninfo: String)

    public init(url: String) throws(StoreError) {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw .badURL(url) }
            self = .sqlite(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(conninfo: url)
        } else if !url.contains("://"), url.contains("=") {
            self = .postgres(conninfo: url)
        } else {
            throw .badURL(url)
        }
    }

    public var engine: Engine {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}
