/// Rows bound for one table (one COPY / one transaction).
struct Batch {
    var sequence: UInt64
    /// Resolved table name (HOMER 7: the parent).
    var table: String
    var family: RowFamily
    /// HOMER 7 on PostgreSQL: the UTC day (YYYYMMDD) whose partition must exist.
    var partitionDay: String?
    var rows: [StoreRow]
    /// Set when the batch came from the spool: committing it moves the spool cursor here.
    var spoolEnd: SpoolPosition?
    var fromSpool: Bool
    var started: ContinuousClock.Instant
    /// PostgreSQL: the COPY payload, encoded ahead while every connection is busy.
    var payload: [UInt8]? = nil
}

enum BatchOutcome {
    case stored(Batch)
    /// The database refused the batch's data (the connection is fine): split and retry, dead-letter singles.
    case rejected(Batch, StoreError)
    /// The connection failed; the batches are intact and must be sent again after reconnecting.
    case lost([Batch], StoreError)
}

/// A database the writer thread drives. Not thread-safe: only the writer thread touches it.
protocol SinkBackend: AnyObject {
    /// Connects and applies the schema.
    func open() throws(StoreError)
    var isOpen: Bool { get }
    /// Batches that can be submitted now.
    var idleSlots: Int { get }
    var inFlight: Int { get }
    /// False when the batch needs DDL (a new table or partition) that must not run while COPYs are in flight
    /// (CREATE TABLE ... PARTITION OF waits for the parent's lock, which a running COPY holds).
    func canSubmitNow(_ batch: Batch) -> Bool
    /// Does the CPU work for a batch ahead of time (PostgreSQL: encodes the COPY payload).
    func prepare(_ batch: inout Batch)
    /// Starts writing a batch (creating its table or partition first when needed).
    func submit(_ batch: Batch)
    /// Drives I/O until something finishes, `wakeFD` is readable, or the timeout passes.
    func pump(timeoutMilliseconds: Int32, wakeFD: Int32) -> [BatchOutcome]
    /// Drops time-named tables / partitions of `template` older than the UTC day `cutoffDay` (YYYYMMDD).
    func dropTables(olderThan cutoffDay: String, templates: [String]) throws(StoreError) -> [String]
    func close()
}
