/// What the daemon's `store:` configuration maps to.
public struct StoreSettings: Sendable, Equatable {
    /// `sqlite://PATH` (relative), `sqlite:///abs/path`, `postgres://user:pass@host:port/db`, `postgresql://...`,
    /// or a libpq `key=value` string.
    public var url: String
    public var schema: SchemaFlavour = .homer5
    /// Default table template for SIP rows (rows carry their own template; this one gets retention).
    public var table = "sip_capture"
    /// Default table template for report rows.
    public var reportTable = "rtcp_capture"
    /// Every table template the configuration's rules can write: retention drops their old tables even when
    /// no row was written to them since start.
    public var tableTemplates: [String] = []
    /// A batch is written when it holds this many rows...
    public var batchRows = 500
    /// ...or when its oldest row is this old.
    public var flushMilliseconds = 200
    /// PostgreSQL: batches in flight at once, each on its own connection.
    public var maxInFlight = 2
    /// Rows held in memory before `append` turns to the spool.
    public var queueCapacity = 50_000
    /// Spool and dead-letter directory.
    public var spoolDirectory: String
    /// Spool size bound in bytes on disk (`store.spool_max_bytes`); past it rows are dropped and counted
    /// (`spool_full`).
    public var spoolMaxBytes: Int = 1 << 30
    /// Time-named tables / partitions older than this many days are dropped (0: keep everything).
    public var retentionDays = 0
    /// First delay before reconnecting; doubles up to `reconnectMaxMilliseconds`.
    public var reconnectMinMilliseconds = 100
    public var reconnectMaxMilliseconds = 5_000

    public init(url: String, spoolDirectory: String) {
        self.url = url
        self.spoolDirectory = spoolDirectory
    }

    func validated() throws(StoreError) -> StoreSettings {
        guard batchRows >= 1 else { throw .badSettings("batch_rows must be >= 1") }
        guard flushMilliseconds >= 1 else { throw .badSettings("flush_ms must be >= 1") }
        guard (1...64).contains(maxInFlight) else { throw .badSettings("max_in_flight must be 1...64") }
        guard queueCapacity >= batchRows else { throw .badSettings("queue capacity must be >= batch_rows") }
        guard !spoolDirectory.isEmpty else { throw .badSettings("spool directory is empty") }
        guard retentionDays >= 0 else { throw .badSettings("retention_days must be >= 0") }
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
