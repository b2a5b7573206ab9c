import Foundation
import Glibc
import Logging
import Service
import Synchronization
import Tables

/// The store front object: a bounded in-memory queue in front of one writer thread that batches rows into
/// SQLite or PostgreSQL, with an on-disk spool as the overflow tail (rows beyond the queue, and rows the
/// database cannot take while it is down).
///
/// Ordering: rows carry their capture time and HOMER sorts by it; the store promises each accepted row is
/// stored exactly once (or counted as a drop), not that row ids follow capture order. Under backlog fresh rows
/// keep flowing through memory while the writer replays the spool on its other connections.
public final class Store: RowSink, @unchecked Sendable {
    public let settings: StoreSettings
    public let location: StoreLocation
    let logger: Logger

    struct Shared {
        /// The head of the queue: the rows the writer takes next, as values.
        var queue: [StoreRow] = []
        /// The rest of the queue while a backlog exists, packed (`PackedRows`); always after `queue` in order.
        var packed = PackedRows()
        var oldest: ContinuousClock.Instant?
        var closed = false
        var drainRequests: UInt64 = 0
        var drainsDone: UInt64 = 0
        var lastDrain: DrainReport?
        var stopRequested = false
        /// After this the writer stops replaying and persists what is left in memory to the spool.
        var stopDeadline: ContinuousClock.Instant?
        var writerExited = false
        var inMemory = 0

        /// Rows waiting in the queue (head and packed tail).
        var queuedCount: Int { queue.count + packed.count }
    }

    let shared = Mutex(Shared())
    let metricsState = Mutex(MetricsRecorder())
    let spool: Spool
    /// Signalled whenever a drain is answered or the writer exits.
    let drainSignal = NSCondition()
    /// The writer's thread (`store-wr-<tag>`); its wake descriptor is what the writer polls next to the database.
    let writerThread: ServiceThread
    /// The read end of the writer thread's wake descriptor.
    let wakeFD: Int32
    private let writer: StoreWriter
    /// Ends this store's thread names (`store-wr-<tag>`, `store-sp-<tag>`): one process may hold several stores.
    let threadTag: String
    private static let instances = Atomic<Int>(0)
    private let stuckLog = Mutex(LogLimiter())

    public convenience init(settings: StoreSettings, logger: Logger = Logger(label: "capd.store")) throws(StoreError) {
        try self.init(settings: settings, logger: logger, postgresHooks: nil)
    }

    /// `postgresHooks`: tests only (faults staged on PostgreSQL batches, replay observed).
    init(settings: StoreSettings, logger: Logger = Logger(label: "capd.store"),
         postgresHooks: (any PostgresBatchHooks)?) throws(StoreError) {
        let settings = try settings.validated()
        self.settings = settings
        self.logger = logger
        location = try StoreLocation(url: settings.url)
        let tag = String(Store.instances.add(1, ordering: .relaxed).newValue & 0xffffff, radix: 16)
        threadTag = tag
        spool = try Spool(directory: settings.spoolDirectory, maxBytes: settings.spoolMaxBytes,
                          inboxLimit: max(settings.queueCapacity, 10_000), threadName: "store-sp-" + tag, logger: logger)
        let wakeDescriptor: WakeDescriptor
        do throws(ServiceThreadError) {
            wakeDescriptor = try WakeDescriptor()
        } catch {
            spool.shutdown()
            throw .thread("\(error)")
        }
        writerThread = ServiceThread(name: "store-wr-" + tag, wakeDescriptor: wakeDescriptor)
        wakeFD = wakeDescriptor.readEnd
        let backend: any SinkBackend = switch location {
        case .sqlite(let path): SQLiteBackend(path: path, flavour: settings.schema)
        case .postgres(let conninfo): PostgresBackend(conninfo: conninfo, flavour: settings.schema, maxInFlight: settings.maxInFlight,
                                                          dayPartitions: settings.section.partitionsHomerFiveByDay, hooks: postgresHooks)
        }
        writer = StoreWriter(settings: settings, engine: location.engine, backend: backend, logger: logger)
        writer.store = self
        do throws(ServiceThreadError) {
            try writerThread.start { [writer] in writer.run() }
        } catch {
            spool.shutdown()
            throw .thread("\(error)")
        }
    }

    /// While the spool disk has no room, memory is the only place left for rows: the queue may hold this many
    /// times its capacity before rows are dropped (a homer5 row holds ~2 KB, ~4 KB with its batch encoding: tens
    /// of MB more for the default 20 000; docs/performance.md "Stop 18").
    static let holdFactorWithoutSpool = 2

    /// Rows kept as values at the head of the queue; beyond them (a backlog) rows are packed until the writer
    /// has taken every packed row. A quarter of the queue (5 000 rows by default, ~15 MB): packing costs the
    /// listener an encode and the writer a decode per row, so short backlogs are not packed at all.
    var headCapacity: Int { min(settings.queueCapacity, max(settings.batchRows * 2, settings.queueCapacity / 4)) }

    /// Queues the row in memory; past the queue's bound hands it to the spool's thread (no disk I/O here).
    @discardableResult
    public func append(_ row: StoreRow) -> AppendResult {
        enum Admission { case queued(wake: Bool), overflow, closed }
        let headCapacity = headCapacity
        let admission = shared.withLock { s -> Admission in
            if s.closed { return .closed }
            let queued = s.queuedCount
            guard queued < settings.queueCapacity
                    || (queued < settings.queueCapacity * Self.holdFactorWithoutSpool
                        && spool.health.withLock({ $0.noRoom })) else { return .overflow }
            if s.packed.isEmpty && s.queue.count < headCapacity {
                s.queue.append(row)
            } else {
                s.packed.append(row)
            }
            if queued == 0 { s.oldest = .now }
            return .queued(wake: queued + 1 == settings.batchRows)
        }
        let result: AppendResult
        switch admission {
        case .queued(let wake):
            metricsState.withLock { $0.snapshot.rowsAccepted += 1 }
            if wake { self.wake() }
            return .queued
        case .closed:
            result = .dropped(.closed)
            metricsState.withLock { $0.snapshot.dropped[RowDropReason.closed.rawValue, default: 0] += 1 }
        case .overflow:
            // Refusals are counted by the spool (its drops are merged into `metrics()`).
            if let reason = spool.enqueue(row) {
                result = .dropped(reason)
            } else {
                result = .spooled
                metricsState.withLock { m in
                    m.snapshot.rowsAccepted += 1
                    m.snapshot.rowsSpooled += 1
                }
            }
        }
        return result
    }

    public func drain(timeout: Duration = .seconds(60)) -> DrainReport {
        let ticket = shared.withLock { s -> UInt64 in
            s.drainRequests += 1
            return s.drainRequests
        }
        wake()
        if let report = waitForWriter(timeout: timeout, { s in s.drainsDone >= ticket || s.writerExited ? s.lastDrain : nil }) {
            return report
        }
        let s = shared.withLock { $0 }
        return DrainReport(complete: false, rowsInMemory: s.inMemory + s.queuedCount + spool.rowsNotWritten, spoolBytes: spool.bytes,
                           timedOut: true, lastError: metrics().lastError)
    }

    /// Blocks on `drainSignal` until `answer` returns a report (or the timeout passes).
    private func waitForWriter(timeout: Duration, _ answer: (Shared) -> DrainReport?) -> DrainReport? {
        let deadline = Date().addingTimeInterval(timeout.inSeconds)
        drainSignal.lock()
        defer { drainSignal.unlock() }
        while true {
            if let report = shared.withLock({ answer($0) }) { return report }
            if !drainSignal.wait(until: deadline) {
                return shared.withLock { answer($0) }
            }
        }
    }

    /// Drains, stops the writer and closes the database. Rows that could not be written go to the spool (and
    /// are replayed by the next `Store` on the same spool directory).
    @discardableResult
    public func close(timeout: Duration = .seconds(60)) -> DrainReport {
        var report = drain(timeout: timeout)
        shared.withLock { s in
            s.closed = true
            s.stopRequested = true
            s.stopDeadline = .now
        }
        wake()
        if let final = waitForWriter(timeout: .seconds(30), { $0.writerExited ? $0.lastDrain : nil }) { report = final }
        // The writer said it exited: its thread ends once it has closed the database connections.
        if shared.withLock({ $0.writerExited }), writerThread.join(timeout: .seconds(5)) == .timedOut {
            logger.warning("event=store_writer_stop_slow detail=\"writer still closing its connections 5 s after it stopped\"")
        }
        spool.shutdown()
        return report
    }

    public func metrics() -> StoreMetricsSnapshot {
        var snapshot = metricsState.withLock { $0.snapshotWithBuckets() }
        snapshot.spoolBytes = spool.bytes
        let spoolHealth = spool.health.withLock { $0 }
        for (reason, count) in spoolHealth.dropped { snapshot.dropped[reason.rawValue, default: 0] += count }
        if spoolHealth.writeErrors > 0 { snapshot.errors["spool_write", default: 0] += spoolHealth.writeErrors }
        snapshot.spoolWaitSeconds = spoolHealth.waitedSeconds
        let (depth, exited, packedBytes) = shared.withLock { ($0.queuedCount + $0.inMemory, $0.writerExited, $0.packed.bytes) }
        snapshot.packedQueueBytes = packedBytes
        snapshot.queueDepth = depth + spool.rowsNotWritten
        // Worst first: rows being lost beats the database being away.
        if spoolHealth.writeFailure != nil {
            snapshot.state = .spoolWriteFailed
        } else if spoolHealth.full {
            snapshot.state = .spoolFull
        } else if snapshot.state == .ok, !exited, snapshot.connected, depth > 0,
                  let last = snapshot.lastProgress, ContinuousClock.now - last > .seconds(30) {
            snapshot.state = .writerStuck
            if stuckLog.withLock({ $0.allow("stuck", every: .seconds(60)) }) {
                logger.error("event=store_writer_stuck detail=\"\(depth) rows waiting, nothing stored for over 30 s\"")
            }
        }
        return snapshot
    }

    func wake() {
        writerThread.wake()
    }
}
