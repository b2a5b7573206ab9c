/// Connecting with back-off, and the outage path: while the database is down nothing waits in memory longer
/// than a turn of the loop (≤ 50 ms): batches whose connection broke, staged rows and the queue go to the spool.
extension StoreWriter {
    /// While rows wait in memory because the spool disk has no room, the database is tried at least this often
    /// whatever the back-off has grown to: the queue is all that holds them, and it fills in seconds.
    static let reconnectWhileHolding: Duration = .milliseconds(250)

    func connectIfDue(_ store: Store) {
        let now = ContinuousClock.now
        let holding = store.spool.health.withLock { $0.noRoom }
        guard now >= nextConnect || (holding && now - lastConnectAttempt >= Self.reconnectWhileHolding) else { return }
        lastConnectAttempt = now
        do {
            try backend.open()
            if everConnected { store.metricsState.withLock { $0.snapshot.reconnects += 1 } }
            everConnected = true
            openedAt = .now
            store.metricsState.withLock {
                $0.snapshot.connected = true
                if $0.snapshot.lastProgress == nil { $0.snapshot.lastProgress = .now }
            }
        } catch {
            if drainTicket > 0 { failedForDrain = drainTicket }
            nextConnect = .now + .milliseconds(backoffMilliseconds)
            backoffMilliseconds = min(settings.reconnectMaxMilliseconds, backoffMilliseconds * 2)
            databaseFailed(error, store, connecting: true)
        }
    }

    /// Database down: rows in memory move to the spool. Batches that were sent and whose outcome is unknown keep
    /// their id in the spool (a marker record), so that the replay looks them up instead of writing them twice.
    /// Batches read from the spool stay where they are (still in the spool, their cursor not committed).
    /// When the spool refuses (bound reached) the rows stay in memory and the next turn tries again.
    func spoolMemory(_ store: Store, force: Bool = false) {
        // Packed records in batches and staged rows are decoded only when the spool will take them (on a full
        // disk this runs every turn of the outage).
        if !force {
            let memory = pending.filter { !$0.fromSpool }
            let left = stagedIndex < staged.count ? staged[stagedIndex...] : []
            let records = memory.flatMap(\.records) + left.compactMap(\.packedBytes)
            let rows = memory.reduce(0) { $0 + $1.count } + left.count
            if !records.isEmpty,
               store.spool.wouldRefuse(estimatedBytes: Spool.estimatedBytes(records: records), rows: rows) { return }
        }
        var rows: [StoreRow] = []
        var lostBatches: [(index: Int, id: BatchID, rows: Int)] = []
        for batch in pending where !batch.fromSpool {
            let batchRows = materialized(batch, store).rows
            if batch.outcomeUnknown { lostBatches.append((rows.count, batch.id, batchRows.count)) }
            rows += batchRows
        }
        if stagedIndex < staged.count {
            let left = staged[stagedIndex...]
            let values = left.compactMap(\.value)
            countUndecodable(left.count - values.count, store)
            rows += values
        }
        store.shared.withLock { s in
            rows += s.queue
            if !s.packed.isEmpty {
                // Unpacked only when the spool will take them (a disk without room would refuse them again
                // every turn, each time doubling the memory they hold).
                if !force, store.spool.wouldRefuse(estimatedBytes: Spool.estimatedBytes(s.packed),
                                                   rows: rows.count + s.packed.count) { return }
                rows += unpacked(s.packed.decodedRows(), store)
            }
            guard store.spool.enqueue(rows, lostBatches: lostBatches, force: force) == nil else { return }
            s.queue = []
            s.packed = PackedRows()
            s.oldest = nil
            s.inMemory = 0
            pending.removeAll { !$0.fromSpool }
            staged = []
            stagedIndex = 0
            if !rows.isEmpty { store.metricsState.withLock { $0.snapshot.rowsSpooled += UInt64(rows.count) } }
        }
    }
}
