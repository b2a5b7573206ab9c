/// Rows bound for one table (one COPY / one transaction).
struct Batch {
    var sequence: UInt64
    /// Committed with the rows (PostgreSQL: `capd_batches`).
    var id: BatchID
    /// The batch was sent but its result never came back (connection lost), or it is the first batch replayed
    /// from the spool after a start: it may already be committed, so look its id up before sending it again.
    var outcomeUnknown = false
    /// Resolved table name (HOMER 7: the parent).
    var table: String
    var family: RowFamily
    /// HOMER 7 on PostgreSQL: the UTC day (YYYYMMDD) whose partition must exist.
    var partitionDay: String?
    /// The rows as values; packed rows are in `records`, after them.
    var rows: [StoreRow]
    /// Set when the batch came from the spool: committing it moves the spool cursor here.
    var spoolEnd: SpoolPosition?
    var fromSpool: Bool
    var started: ContinuousClock.Instant
    /// PostgreSQL: the COPY payload, encoded ahead while every connection is busy.
    var payload: [UInt8]? = nil
    /// Rows from the queue's packed tail, as described spool records: transcoded into the COPY payload or bound
    /// to the SQLite INSERT without being decoded.
    var records: [ArraySlice<UInt8>] = []
    /// Records the payload left out because they did not decode (a codec bug: counted when the batch is stored).
    var undecodable = 0

    var count: Int { rows.count + records.count }

    /// Every row as a value: `rows`, then the records decoded (for the paths that need values:
    /// dead-letter, splitting, the spool). Records that do not decode are counted in `undecodable`.
    var values: (rows: [StoreRow], undecodable: Int) {
        guard !records.isEmpty else { return (rows, 0) }
        let decoded = records.compactMap { SpoolCodec.decode($0) }
        return (rows + decoded, records.count - decoded.count)
    }
}

enum BatchOutcome {
    case stored(Batch)
    /// The batch's id was found committed (its outcome had been lost with a connection): not sent again.
    case alreadyStored(Batch)
    /// The database refused the batch's data (the connection is fine): split and retry, dead-letter singles.
    case rejected(Batch, StoreError)
    /// A statement failed for a reason retrying cannot fix (bad table name, DDL refused, syntax error): the
    /// batch's rows go to the dead-letter file at once, nothing waits behind them.
    case failed(Batch, StoreError)
    /// The connection failed (or the database cannot write now: disk full, locked); the batches are intact
    /// and must be sent again after reconnecting.
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
    /// Starts writing a batch (creating its table or partition first when needed). A batch whose outcome is
    /// unknown is first looked up by id: if it is committed the outcome is `.alreadyStored` and nothing is sent.
    func submit(_ batch: Batch)
    /// Drives I/O until something finishes, `wakeFD` is readable, or the timeout passes.
    func pump(timeoutMilliseconds: Int32, wakeFD: Int32) -> [BatchOutcome]
    /// Drops time-named tables / partitions of `template` older than the UTC day `cutoffDay` (YYYYMMDD).
    func dropTables(olderThan cutoffDay: String, templates: [String]) throws(StoreError) -> [String]
    func close()
    /// Deletes old batch ids (PostgreSQL's `capd_batches`).
    func pruneBatchLog() throws(StoreError)
}

extension SinkBackend {
    func pruneBatchLog() throws(StoreError) {}
}
