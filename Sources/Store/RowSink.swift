/// What the daemon hands rows to.
public protocol RowSink: AnyObject, Sendable {
    /// Never blocks on the database: queue, else spool, else a counted drop.
    @discardableResult
    func append(_ row: StoreRow) -> AppendResult
    /// Writes every accepted row before returning (or leaves them in the spool when the database is down).
    func drain(timeout: Duration) -> DrainReport
    /// Drains, stops writing and leaves what could not be written in the spool for the next start.
    @discardableResult
    func close(timeout: Duration) -> DrainReport
    func metrics() -> StoreMetricsSnapshot
}

public enum AppendResult: Equatable, Sendable {
    case queued
    case spooled
    case dropped(RowDropReason)
}

/// Why the store refused a row (`capd_drops_total{reason="store_<this>"}`); packet drops are capd's
/// `PacketDropReason`.
public enum RowDropReason: String, Sendable, CaseIterable {
    /// The spool is at `store.spool_max_bytes` on disk.
    case spoolFull = "spool_full"
    /// Rows wait for the spool's disk beyond the inbox bound: the disk does not keep up.
    case spoolBehind = "spool_behind"
    /// The spool could not be written (disk full, I/O error): the rows could not be kept.
    case spoolWriteFailed = "spool_write_failed"
    case closed = "closed"
    /// A row packed in the queue's tail did not decode again (a codec bug; logged).
    case queueUndecodable = "queue_undecodable"
}

public struct DrainReport: Sendable, Equatable, CustomStringConvertible {
    /// Every accepted row is in the database.
    public var complete: Bool
    /// Rows still in memory (database down at close time: written to the spool by `close`).
    public var rowsInMemory: Int
    /// Bytes left in the on-disk spool for the next start.
    public var spoolBytes: Int
    public var timedOut: Bool
    public var lastError: String?

    public var description: String {
        if complete { return "store drained: every accepted row is in the database" }
        return "store not drained\(timedOut ? " (timed out)" : ""): \(rowsInMemory) rows in memory, "
            + "\(spoolBytes) spool bytes left for the next start" + (lastError.map { "; last error: \($0)" } ?? "")
    }
}
