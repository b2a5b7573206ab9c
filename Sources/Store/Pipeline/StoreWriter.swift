import Foundation
import Glibc
import HEP
import Tables

/// The writer thread: forms batches from the queue and the spool, drives the backend, splits rejected
/// batches down to single rows (dead-lettered), spools everything while the database is down, reconnects
/// with back-off, and answers drain requests.
final class StoreWriter: @unchecked Sendable {
    let settings: StoreSettings
    let engine: Engine
    let backend: any SinkBackend
    /// Set by `Store.init`; released when the thread exits.
    var store: Store?

    private let resolver = TableNameResolver()
    private var staged: [StoreRow] = []
    private var stagedIndex = 0
    private var pending: [Batch] = []
    private var sequence: UInt64 = 0
    private var backoffMilliseconds: Int
    private var nextConnect = ContinuousClock.now
    private var everConnected = false
    private var lastError: String?
    private var templatesSeen: Set<String> = []
    private var nextRetention = ContinuousClock.now
    /// The drain ticket during which a connection attempt last failed: a drain (or close) only reports the
    /// database down after trying it once itself, whatever the back-off said.
    private var connectFailedForDrain: UInt64 = 0
    /// Random id of this writer: the high half of the ids of batches formed from memory.
    private let instance = UInt64.random(in: 1...UInt64.max)
    /// Batches replayed from the spool after a start may have been committed just before the previous process
    /// died (before the spool cursor was saved): they are looked up before they are sent, until one is not found.
    private var checkSpoolBatches = true
    private var nextBatchLogPrune = ContinuousClock.now + .seconds(60)
    /// Replay batches run on every idle connection; the cursor follows only the prefix of finished ones.
    private var spoolBatches = SpoolCommitTracker()
    private let deadLetterPath: String

    init(settings: StoreSettings, engine: Engine, backend: any SinkBackend) {
        self.settings = settings
        self.engine = engine
        self.backend = backend
        backoffMilliseconds = settings.reconnectMinMilliseconds
        deadLetterPath = settings.spoolDirectory + "/dead-letter.jsonl"
        templatesSeen = [settings.table, settings.reportTable]
    }

    func run() {
        guard let store else { return }
        defer {
            backend.close()
            self.store = nil
        }
        while true {
            let (stop, drainWanted, ticket) = store.shared.withLock {
                ($0.stopRequested, $0.drainRequests > $0.drainsDone, $0.drainRequests)
            }
            let flushing = drainWanted || stop
            if !backend.isOpen {
                if flushing, connectFailedForDrain < ticket { nextConnect = .now }
                connectIfDue(store, drainTicket: flushing ? ticket : nil)
            }
            if backend.isOpen {
                runRetentionIfDue()
                pruneBatchLogIfDue(store)
                while backend.isOpen, backend.idleSlots > 0, let batch = nextBatch(store, force: drainWanted || stop) {
                    guard backend.canSubmitNow(batch) else {
                        pending.insert(batch, at: 0)  // its DDL waits until the COPYs in flight are done
                        break
                    }
                    backend.submit(batch)
                }
                // Every connection busy: encode the next batch now instead of after the next result.
                if backend.isOpen, backend.idleSlots == 0 {
                    if pending.isEmpty, let batch = nextBatch(store, force: drainWanted || stop) { pending.append(batch) }
                    if var first = pending.first, first.payload == nil {
                        backend.prepare(&first)
                        pending[0] = first
                    }
                }
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
            if drainWanted || stop {
                let idle = isIdle(store)
                // Down only after a connection attempt made for this drain failed: a drain that came while
                // the writer waited out its reconnect back-off must not give up before trying.
                let down = !backend.isOpen && connectFailedForDrain >= ticket
                if idle || down {
                    if down { spoolMemory(store) }
                    store.spool.sync()
                    let inMemory = pending.reduce(0) { $0 + ($1.fromSpool ? 0 : $1.rows.count) } + (staged.count - stagedIndex)
                        + store.shared.withLock { $0.queue.count }
                    let report = DrainReport(complete: idle && store.spool.isEmpty, rowsInMemory: inMemory,
                                             spoolBytes: store.spool.bytes, timedOut: false, lastError: idle ? nil : lastError)
                    store.shared.withLock { s in
                        s.lastDrain = report
                        s.drainsDone = s.drainRequests
                    }
                    if stop {
                        persistMemoryAtExit(store)
                        backend.close()
                        store.shared.withLock { s in
                            s.lastDrain = DrainReport(complete: report.complete, rowsInMemory: 0, spoolBytes: store.spool.bytes,
                                                      timedOut: false, lastError: report.lastError)
                            s.writerExited = true
                        }
                        return
                    }
                }
            }
        }
    }

    // MARK: - Batches

    private func isIdle(_ store: Store) -> Bool {
        pending.isEmpty && stagedIndex >= staged.count && backend.inFlight == 0
            && store.shared.withLock { $0.queue.isEmpty } && store.spool.isEmpty
    }

    private func nextBatch(_ store: Store, force: Bool) -> Batch? {
        if !pending.isEmpty { return pending.removeFirst() }
        if stagedIndex >= staged.count { refill(store, force: force) }
        if stagedIndex < staged.count { return batchFromStaged(store) }
        // Concurrent replay interleaves the rows' ids (DESIGN: "replayed in order"), so it is opt-in for now.
        guard backend.inFlight == 0 || settings.faults.concurrentReplay, store.shared.withLock({ $0.spoolActive }) else {
            return nil
        }
        return batchFromSpool(store)
    }

    private func refill(_ store: Store, force: Bool) {
        let flushAge = Duration.milliseconds(settings.flushMilliseconds)
        let taken: [StoreRow]? = store.shared.withLock { s in
            guard !s.queue.isEmpty else { return nil }
            let due = force || s.spoolActive || s.queue.count >= settings.batchRows
                || (s.oldest.map { ContinuousClock.now - $0 >= flushAge } ?? false)
            guard due else { return nil }
            let rows = s.queue
            s.queue = []
            s.queue.reserveCapacity(min(settings.queueCapacity, settings.batchRows * 4))
            s.oldest = nil
            s.inMemory = rows.count
            return rows
        }
        if let taken {
            staged = taken
            stagedIndex = 0
        }
    }

    private struct Key: Equatable { var table: String; var day: String? }

    private func key(_ row: StoreRow) throws(StoreError) -> Key {
        if case .homerSeven(let r) = row {
            guard TableName.isValid(r.table) else { throw .badTableName(template: r.table, expanded: r.table) }
            return Key(table: r.table, day: engine == .postgres ? TableName.day(r.createDate) : nil)
        }
        let template = row.tableTemplate
        if !templatesSeen.contains(template) { templatesSeen.insert(template) }
        return Key(table: try resolver.resolve(template, microTimestamp: row.namingMicroTimestamp), day: nil)
    }

    private func batchFromStaged(_ store: Store) -> Batch? {
        var rows: [StoreRow] = []
        var batchKey: Key?
        var family = RowFamily.sipCapture
        while stagedIndex < staged.count, rows.count < settings.batchRows {
            let row = staged[stagedIndex]
            let k: Key
            do { k = try key(row) } catch {
                stagedIndex += 1
                deadLetter(row, table: row.tableTemplate, error: error, store)
                continue
            }
            if let batchKey {
                guard batchKey == k, row.family == family else { break }
            } else {
                batchKey = k
                family = row.family
            }
            rows.append(row)
            stagedIndex += 1
        }
        if stagedIndex >= staged.count {
            staged = []
            stagedIndex = 0
        }
        guard let batchKey, !rows.isEmpty else { return nil }
        sequence += 1
        return Batch(sequence: sequence, id: .memory(instance: instance, number: sequence), table: batchKey.table,
                     family: family, partitionDay: batchKey.day, rows: rows, spoolEnd: nil, fromSpool: false, started: .now)
    }

    private func batchFromSpool(_ store: Store) -> Batch? {
        var items = store.spool.peek(maxRows: settings.batchRows)
        if let lost = items.first?.lostBatch, lost.rows > items.count {
            items = store.spool.peek(maxRows: lost.rows)  // a batch bigger than today's batch_rows
        }
        if items.isEmpty {
            store.shared.withLock { s in
                if store.spool.isEmpty { s.spoolActive = false }
            }
            return nil
        }
        // A batch sent before the last shutdown, outcome unknown: replayed exactly as it was, under its id.
        let lost = items.first?.lostBatch
        var rows: [StoreRow] = []
        var batchKey: Key?
        var family = RowFamily.sipCapture
        var end: SpoolPosition?
        var start: SpoolPosition?
        for (index, item) in items.enumerated() {
            if let lost, index >= lost.rows { break }
            if lost == nil, index > 0, item.lostBatch != nil { break }
            let k: Key
            do { k = try key(item.row) } catch {
                if rows.isEmpty {
                    deadLetter(item.row, table: item.row.tableTemplate, error: error, store)
                    store.spool.advanceRead(to: item.end)
                    spoolBatches.taken(item.end)
                    commitSpool(through: item.end, store)
                    return nil
                }
                break
            }
            if let batchKey {
                guard batchKey == k, item.row.family == family else { break }
            } else {
                batchKey = k
                family = item.row.family
            }
            rows.append(item.row)
            if start == nil { start = item.start }
            end = item.end
        }
        guard let batchKey, let start, let end else { return nil }
        store.spool.advanceRead(to: end)
        spoolBatches.taken(end)
        sequence += 1
        var id = BatchID.spool(store.spool.identity, start: start, rows: rows.count)
        var wasLost = false
        if let lost, lost.rows == rows.count {
            id = lost.id
            wasLost = true
        }
        var batch = Batch(sequence: sequence, id: id, table: batchKey.table, family: family, partitionDay: batchKey.day,
                          rows: rows, spoolEnd: end, fromSpool: true, started: .now)
        batch.outcomeUnknown = checkSpoolBatches || wasLost
        return batch
    }

    // MARK: - Outcomes

    private func handle(_ outcome: BatchOutcome, _ store: Store) {
        switch outcome {
        case .stored(let batch), .alreadyStored(let batch):
            if case .alreadyStored = outcome {
                store.metricsState.withLock { $0.snapshot.batchesFoundCommitted += 1 }
            } else if batch.fromSpool {
                checkSpoolBatches = false  // written now: the spool cursor is past what an earlier run committed
            }
            let latency = batch.started.duration(to: .now)
            let seconds = Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18
            store.metricsState.withLock { $0.stored(batch.family, rows: batch.rows.count, latencySeconds: seconds) }
            if let end = batch.spoolEnd { commitSpool(through: end, store) }
        case .rejected(let batch, let error):
            if batch.rows.count == 1, let row = batch.rows.first {
                deadLetter(row, table: batch.table, error: error, store)
                if let end = batch.spoolEnd { commitSpool(through: end, store) }
            } else {
                let mid = batch.rows.count / 2
                // The batch was refused, so it is not committed: the halves are new batches with new ids.
                var first = batch
                first.rows = Array(batch.rows[..<mid])
                // Both halves carry the spool end: the cursor passes it only when both are finished.
                if let end = batch.spoolEnd { spoolBatches.split(end) }
                first.payload = nil
                first.outcomeUnknown = false
                sequence += 1
                first.id = .memory(instance: instance, number: sequence)
                var second = first
                second.rows = Array(batch.rows[mid...])
                second.spoolEnd = batch.spoolEnd
                sequence += 1
                second.id = .memory(instance: instance, number: sequence)
                pending.insert(contentsOf: [first, second], at: 0)
            }
        case .lost(var batches, let error):
            lastError = error.description
            for i in batches.indices { batches[i].outcomeUnknown = true }
            pending = (batches + pending).sorted { $0.sequence < $1.sequence }
            nextConnect = .now
            store.metricsState.withLock {
                $0.snapshot.connected = false
                $0.snapshot.lastError = error.description
            }
        }
    }

    /// A spool batch ending at `end` is finished: persist the cursor over the prefix of finished batches.
    private func commitSpool(through end: SpoolPosition, _ store: Store) {
        if let cursor = spoolBatches.finished(end) { store.spool.commit(cursor) }
    }

    private func deadLetter(_ row: StoreRow, table: String, error: StoreError, _ store: Store) {
        var record: [UInt8] = []
        SpoolCodec.encode(row, into: &record)
        var json = JSONObjectWriter()
        json.number("time_us", Int64(Date().timeIntervalSince1970 * 1_000_000))
        json.string("table", table)
        json.string("error", error.description)
        json.string("row", Data(record).base64EncodedString())
        let line = json.finish() + "\n"
        let fd = open(deadLetterPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd >= 0 {
            _ = line.utf8CString.withUnsafeBufferPointer { buffer in write(fd, buffer.baseAddress, buffer.count - 1) }
            Glibc.close(fd)
        }
        store.metricsState.withLock { $0.snapshot.deadLettered += 1 }
    }

    // MARK: - Connection, spool, retention

    private func connectIfDue(_ store: Store, drainTicket: UInt64?) {
        guard ContinuousClock.now >= nextConnect else { return }
        do {
            try backend.open()
            if everConnected { store.metricsState.withLock { $0.snapshot.reconnects += 1 } }
            everConnected = true
            backoffMilliseconds = settings.reconnectMinMilliseconds
            store.metricsState.withLock { $0.snapshot.connected = true }
        } catch {
            if let drainTicket { connectFailedForDrain = drainTicket }
            lastError = error.description
            store.metricsState.withLock {
                $0.snapshot.connected = false
                $0.snapshot.lastError = error.description
            }
            nextConnect = .now + .milliseconds(backoffMilliseconds)
            backoffMilliseconds = min(settings.reconnectMaxMilliseconds, backoffMilliseconds * 2)
        }
    }

    /// Database down: rows in memory move to the spool, unless the spool already holds newer rows (then the
    /// in-memory rows, being older, stay put so that the order is kept).
    private func spoolMemory(_ store: Store) {
        store.shared.withLock { s in
            guard !s.spoolActive else { return }
            let rows = Array(staged[stagedIndex...]) + s.queue
            guard !rows.isEmpty else { return }
            if store.spool.append(rows) {
                s.spoolActive = true
                s.queue = []
                s.oldest = nil
                s.inMemory = 0
                staged = []
                stagedIndex = 0
                store.metricsState.withLock { $0.snapshot.rowsSpooled += UInt64(rows.count) }
            }
        }
    }

    /// At exit with the database down: rows still in memory go to the front of the spool.
    private func persistMemoryAtExit(_ store: Store) {
        var rows: [StoreRow] = []
        var lostBatches: [Int: (id: BatchID, rows: Int)] = [:]
        for batch in pending where !batch.fromSpool {
            if batch.outcomeUnknown { lostBatches[rows.count] = (batch.id, batch.rows.count) }
            rows += batch.rows
        }
        rows += staged[stagedIndex...]
        rows += store.shared.withLock { s in
            defer { s.queue = [] }
            return s.queue
        }
        pending = []
        staged = []
        stagedIndex = 0
        guard !rows.isEmpty else { return }
        do {
            try store.spool.prepend(rows, lostBatches: lostBatches)
            store.metricsState.withLock { $0.snapshot.rowsSpooled += UInt64(rows.count) }
        } catch {
            store.metricsState.withLock { $0.snapshot.dropped["spool_full", default: 0] += UInt64(rows.count) }
        }
    }

    /// Not while a batch's outcome is still to be looked up (after a long outage its id may be older than the
    /// retention), nor before the spool left by an earlier run has been checked.
    private func pruneBatchLogIfDue(_ store: Store) {
        // Needs one idle connection only: the DELETE does not conflict with the COPYs' INSERTs.
        guard ContinuousClock.now >= nextBatchLogPrune, backend.idleSlots > 0 else { return }
        guard !pending.contains(where: \.outcomeUnknown), !checkSpoolBatches || store.spool.isEmpty else { return }
        nextBatchLogPrune = .now + .seconds(600)
        do { try backend.pruneBatchLog() } catch { lastError = error.description }
    }

    private func runRetentionIfDue() {
        guard settings.retentionDays > 0, ContinuousClock.now >= nextRetention, backend.inFlight == 0 else { return }
        nextRetention = .now + .seconds(3600)
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let cutoff = Retention.cutoffDay(days: settings.retentionDays, nowMicroTimestamp: now)
        var templates = Array(templatesSeen)
        if engine == .postgres, settings.schema == .homer7 {
            templates += Schema.homerSevenParents.map { $0 + "_%Y%m%d" }
        }
        do {
            _ = try backend.dropTables(olderThan: cutoff, templates: templates)
        } catch {
            lastError = error.description
        }
    }

    /// Runs retention now (tests, `capd ctl`); returns the tables dropped.
    func retentionNow(nowMicroTimestamp: Int64) throws(StoreError) -> [String] {
        let cutoff = Retention.cutoffDay(days: max(1, settings.retentionDays), nowMicroTimestamp: nowMicroTimestamp)
        var templates = Array(templatesSeen)
        if engine == .postgres { templates += Schema.homerSevenParents.map { $0 + "_%Y%m%d" } }
        return try backend.dropTables(olderThan: cutoff, templates: templates)
    }

    private func pollTimeout(_ store: Store) -> Int32 {
        if let first = pending.first, !backend.canSubmitNow(first) { return 50 }  // woken by the COPYs' sockets
        if !pending.isEmpty || stagedIndex < staged.count { return backend.idleSlots > 0 ? 0 : 50 }
        let oldest = store.shared.withLock { $0.oldest }
        guard let oldest else { return 50 }
        let left = Duration.milliseconds(settings.flushMilliseconds) - (ContinuousClock.now - oldest)
        return Int32(max(0, min(50, left / .milliseconds(1))))
    }

    private func clearWake(_ store: Store) {
        var sink = [UInt8](repeating: 0, count: 256)
        while read(store.wakeFD, &sink, sink.count) > 0 {}
    }

    private func publishDepth(_ store: Store) {
        let inMemory = (staged.count - stagedIndex) + pending.reduce(0) { $0 + $1.rows.count }
        store.shared.withLock { $0.inMemory = inMemory }
    }
}
