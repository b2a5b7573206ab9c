import Affinity

/// HOMER table layout the store writes.
public enum SchemaFlavour: String, Sendable { case homer5, homer7 }

/// `store.partition`: how PostgreSQL tables are split in time. HOMER 7 tables are always partitioned by day.
public enum TablePartitioning: String, Sendable {
    /// One table per template expansion (a time-named template such as `sip_capture_%Y%m%d` splits by name).
    case none
    /// HOMER 5 tables become range-partitioned on `date`, one partition per UTC day (`<table>_pYYYYMMDD`), so
    /// index maintenance stays bounded as data grows while searches still read one table.
    case day

    /// Why `day` cannot apply to a SQLite store.
    public static let dayNeedsPostgreSQL = "store.partition: day needs PostgreSQL (SQLite has no partitions; a time-named table such as sip_capture_%Y%m%d splits by day there)"
}

/// The `store:` section of the configuration, with the defaults DESIGN.md documents: the one settings model
/// of the store. The configuration parser (Rules) fills it; the store (Store's `StoreSettings`) runs on it.
public struct StoreSection: Sendable, Equatable {
    // Constant names that pass `TableName.problem` (RulesTests checks them with `init(validating:)`).
    public static let defaultTable = try! TableTemplate(parsing: "sip_capture")
    public static let defaultReportTable = try! TableTemplate(parsing: "rtcp_capture")
    public typealias Schema = SchemaFlavour

    /// `sqlite://capd.db` (relative), `sqlite:///abs/path.db`, `postgres://...`, or a libpq `key=value` string.
    public var url = "sqlite://capd.db"
    public var schema: SchemaFlavour = .homer5
    /// `store.partition`; PostgreSQL only.
    public var partition: TablePartitioning = .none
    /// Table template for SIP rows when the capture action names none.
    public var table = StoreSection.defaultTable
    /// Table template for report rows when the report action names none.
    public var reportTable = StoreSection.defaultReportTable
    /// A batch is written when it holds this many rows...
    public var batchRows = 500
    /// ...or when its oldest row is this old.
    public var flushMilliseconds = 250
    /// PostgreSQL: batches in flight at once, each on its own connection (`max_async_queries`).
    public var maxInFlight = 5
    /// Spool and dead-letter directory as configured (relative to the working directory).
    public var spool = "capd-spool"
    /// Bound of the spool on disk (deflated bytes); past it rows are dropped and counted (`spool_full`).
    public var spoolMaxBytes = 1 << 30
    /// Time-named tables / partitions older than this many days are dropped (0: keep everything).
    public var retentionDays = 14
    /// `store.shards`: several databases, each row to the one owning its call (`shardBy`); empty = `url` alone.
    public var shards: [String] = []
    public var shardBy: AffinityKey = .callID

    public init() {}

    /// HOMER 5 tables range-partitioned by day (`partition: day`; HOMER 7 partitions by day whatever it says).
    public var partitionsHomerFiveByDay: Bool { schema == .homer5 && partition == .day }
}
