import Foundation
import Glibc
import HEP
import Logging

/// The writer thread: forms batches from the memory queue and the spool and drives the backend.
/// Its facets live in `StoreWriter+*.swift`: batching (memory first, the spool on every other idle
/// connection), outcomes (commit, split, dead-letter, lost), connection (reconnect with back-off, the outage
/// path that moves memory to the spool), drain (answering drain and close), maintenance (retention,
/// batch-log pruning) and health (state changes logged once, errors counted by kind).
final class StoreWriter: @unchecked Sendable {
    let settings: StoreSettings
    let engine: Engine
    let backend: any SinkBackend
    let logger: Logger
    /// Set by `Store.init`; released when the thread exits.
    var store: Store?

    let resolver = TableNameResolver()
    var staged: [StagedRow] = []
    var stagedIndex = 0
    var pending: [Batch] = []
    var sequence: UInt64 = 0
    var backoffMilliseconds: Int
    var nextConnect = ContinuousClock.now
    var lastConnectAttempt = ContinuousClock.now
    var openedAt = ContinuousClock.now
    var everConnected = false
    var lastError: String?
    /// Table templates retention looks after: the configured ones and every one written since start.
    var templates: Set<String>
    var nextRetention = ContinuousClock.now
    /// The drain ticket during which the database last failed (a connection attempt, or a write that lost the
    /// connection): a drain (or close) reports the database down only after it failed for that drain itself.
    var failedForDrain: UInt64 = 0
    /// Writes lost in a row (no batch stored in between) during the drain in progress: a database that opens
    /// but cannot write (disk full) counts as down for the drain after `lostWritesMeanDown` of them.
    var lostInDrain = 0
    static let lostWritesMeanDown = 3
    /// The ticket of the drain in progress (0: none).
    var drainTicket: UInt64 = 0
    /// Random id of this writer: the high half of the ids of batches formed from memory.
    let instance = UInt64.random(in: 1...UInt64.max)
    /// Batches replayed from the spool after a start may have been committed just before the previous process
    /// died (before the spool cursor was saved): they are looked up before they are sent, until one is not found.
    var checkSpoolBatches = true
    var nextBatchLogPrune = ContinuousClock.now + .seconds(60)
    /// Replay batches run on every idle connection; the cursor follows only the prefix of finished ones.
    var spoolBatches = SpoolCommitTracker()
    let deadLetterPath: String
    /// Database condition as last logged (writer thread only).
    var databaseState: StoreState = .ok
    var logLimiter = LogLimiter()

    init(settings: StoreSettings, engine: Engine, backend: any SinkBackend, logger: Logger) {
        self.settings = settings
        self.engine = engine
        self.backend = backend
        self.logger = logger
        backoffMilliseconds = settings.reconnectMinMilliseconds
        deadLetterPath = settings.spoolDirectory + "/dead-letter.jsonl"
        templates = Set([settings.table.template, settings.reportTable.template] + settings.tableTemplates)
    }

    func run() {
        guard let store else { return }
        defer {
            backend.close()
            self.store = nil
        }
        while true {
            let (stop, drainWanted, ticket, deadline) = store.shared.withLock {
                ($0.stopRequested, $0.drainRequests > $0.drainsDone, $0.drainRequests, $0.stopDeadline)
            }
            let flushing = drainWanted || stop
            if drainTicket != (flushing ? ticket : 0) { lostInDrain = 0 }
            drainTicket = flushing ? ticket : 0
            // Closing and out of time: no new batch; what is in memory goes to the spool once in-flight ones end.
            let overdue = stop && (deadline.map { ContinuousClock.now >= $0 } ?? false)
            if !backend.isOpen {
                if flushing, failedForDrain < ticket { nextConnect = .now }
                connectIfDue(store)
            }
            if backend.isOpen {
                runRetentionIfDue(store)
                pruneBatchLogIfDue(store)
                if !overdue { submitBatches(store, force: flushing) }
                let outcomes = backend.pump(timeoutMilliseconds: pollTimeout(store), wakeFD: store.wakeFD)
                clearWake(store)
                for outcome in outcomes { handle(outcome, store) }
            } else {
                spoolMemory(store)
                let wait = max(1, min(50, Int((nextConnect - .now) / .milliseconds(1))))
                var pfd = pollfd(fd: store.wakeFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, Int32(wait))
                clearWake(store)
            }
            publishDepth(store)
            if flushing, answerDrain(store, ticket: ticket, stop: stop, overdue: overdue) { return }
        }
    }

    /// Fills every idle connection: memory batches first, the spool on the rest.
    private func submitBatches(_ store: Store, force: Bool) {
        while backend.isOpen, backend.idleSlots > 0, let batch = nextBatch(store, force: force) {
            guard backend.canSubmitNow(batch) else {
                pending.insert(batch, at: 0)  // its DDL waits until the COPYs in flight are done
                break
            }
            backend.submit(batch)
        }
        // Every connection busy: encode the next batch now instead of after the next result.
        if backend.isOpen, backend.idleSlots == 0 {
            if pending.isEmpty, let batch = nextBatch(store, force: force) { pending.append(batch) }
            if var first = pending.first, first.payload == nil {
                backend.prepare(&first)
                pending[0] = first
            }
        }
    }

    func pollTimeout(_ store: Store) -> Int32 {
        if let first = pending.first, !backend.canSubmitNow(first) { return 50 }  // woken by the COPYs' sockets
        if !pending.isEmpty || stagedIndex < staged.count { return backend.idleSlots > 0 ? 0 : 50 }
        let oldest = store.shared.withLock { $0.oldest }
        guard let oldest else { return 50 }
        let left = Duration.milliseconds(settings.flushMilliseconds) - (ContinuousClock.now - oldest)
        return Int32(max(0, min(50, left / .milliseconds(1))))
    }

    func clearWake(_ store: Store) {
        store.writerThread.clearWake()
    }

    func publishDepth(_ store: Store) {
        let inMemory = (staged.count - stagedIndex) + pending.reduce(0) { $0 + ($1.fromSpool ? 0 : $1.count) }
        store.shared.withLock { $0.inMemory = inMemory }
    }
}
