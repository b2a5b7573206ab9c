import Synchronization

/// Counters for the daemon's Prometheus metrics.
public struct StoreMetricsSnapshot: Sendable, Equatable {
    /// Rows written to the database, by table family (`sip_capture`, `report`, `homer7`).
    public var rowsStored: [String: UInt64] = [:]
    /// Of `rowsStored`, the rows written from records packed in the queue's tail during a backlog (COPY or
    /// SQLite binds made from the record, no row rebuilt). Not exported; tests check the path with it.
    public var rowsStoredFromPacked: UInt64 = 0
    /// Rows accepted by `append` (queued or spooled).
    public var rowsAccepted: UInt64 = 0
    /// Rows that went to the spool (queue full or database down).
    public var rowsSpooled: UInt64 = 0
    /// Rows waiting in memory (queue and batches not yet written).
    public var queueDepth: Int = 0
    /// Bytes of the rows packed in the queue's tail while a backlog exists (`PackedRows`).
    public var packedQueueBytes: Int = 0
    /// Flush latency (batch formed → committed), cumulative counts per upper bound in seconds (last is +Inf).
    public var flushLatencyBuckets: [(upperBound: Double, count: UInt64)] = []
    public var flushLatencySum: Double = 0
    public var flushLatencyCount: UInt64 = 0
    public var spoolBytes: Int = 0
    /// Seconds listener threads waited for the spool thread to take rows (it was behind; back-pressure instead
    /// of dropping accepted rows).
    public var spoolWaitSeconds: Double = 0
    public var deadLettered: UInt64 = 0
    /// Rows dropped, by reason (`spool_full`, `closed`).
    public var dropped: [String: UInt64] = [:]
    public var reconnects: UInt64 = 0
    /// Batches whose outcome was lost with a connection (or not yet recorded in the spool cursor) and that were
    /// found already committed, so not written again.
    public var batchesFoundCommitted: UInt64 = 0
    public var connected: Bool = false
    public var lastError: String?
    /// ok, or why the store is degraded (`/healthz`, `capd_store_state`).
    public var state: StoreState = .ok
    /// Store errors by kind (`capd_store_errors_total{kind}`): `connect`, `transient` (statement failed for a
    /// reason that may pass: connection lost, locked, disk full), `disk_full`, `permanent` (statement that retrying
    /// cannot fix: its rows are dead-lettered), `spool_write`.
    public var errors: [String: UInt64] = [:]
    /// When the writer last stored a batch (or connected).
    public var lastProgress: ContinuousClock.Instant?

    public static func == (a: StoreMetricsSnapshot, b: StoreMetricsSnapshot) -> Bool {
        a.rowsStored == b.rowsStored && a.rowsAccepted == b.rowsAccepted && a.rowsSpooled == b.rowsSpooled
            && a.queueDepth == b.queueDepth && a.spoolBytes == b.spoolBytes && a.deadLettered == b.deadLettered
            && a.dropped == b.dropped && a.reconnects == b.reconnects
            && a.batchesFoundCommitted == b.batchesFoundCommitted && a.connected == b.connected
            && a.state == b.state && a.errors == b.errors
            && a.flushLatencyCount == b.flushLatencyCount && a.flushLatencySum == b.flushLatencySum
            && a.flushLatencyBuckets.map(\.count) == b.flushLatencyBuckets.map(\.count)
    }

    public var totalStored: UInt64 { rowsStored.values.reduce(0, +) }
    public var totalDropped: UInt64 { dropped.values.reduce(0, +) }
}

/// The store's condition, worst first when several hold.
public enum StoreState: String, Sendable, CaseIterable {
    case ok
    /// The spool cannot be written (its disk is full or failing): rows that reach it are dropped.
    case spoolWriteFailed = "spool_write_failed"
    /// The spool is at its bound: rows that reach it are dropped.
    case spoolFull = "spool_full"
    /// The database's disk is full: rows go to the spool.
    case diskFull = "disk_full"
    /// The database cannot be reached: rows go to the spool.
    case databaseUnreachable = "database_unreachable"
    /// Connected, rows waiting, nothing stored for 30 s.
    case writerStuck = "writer_stuck"
}

struct MetricsRecorder {
    static let latencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    var snapshot = StoreMetricsSnapshot()
    var bucketCounts = [UInt64](repeating: 0, count: latencyBounds.count + 1)

    mutating func error(_ kind: String, _ message: String) {
        snapshot.errors[kind, default: 0] += 1
        snapshot.lastError = message
    }

    mutating func stored(_ family: RowFamily, rows: Int, latencySeconds: Double) {
        snapshot.lastProgress = .now
        snapshot.rowsStored[family.rawValue, default: 0] += UInt64(rows)
        let index = Self.latencyBounds.firstIndex { latencySeconds <= $0 } ?? Self.latencyBounds.count
        bucketCounts[index] += 1
        snapshot.flushLatencySum += latencySeconds
        snapshot.flushLatencyCount += 1
    }

    func snapshotWithBuckets() -> StoreMetricsSnapshot {
        var s = snapshot
        var cumulative: UInt64 = 0
        s.flushLatencyBuckets = []
        for (i, count) in bucketCounts.enumerated() {
            cumulative += count
            s.flushLatencyBuckets.append((i < Self.latencyBounds.count ? Self.latencyBounds[i] : .infinity, cumulative))
        }
        return s
    }
}
