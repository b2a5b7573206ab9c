/// Answering `Store.drain` and `Store.close`.
extension StoreWriter {
    /// Answers the drain in progress when everything is written, or when the database failed during this
    /// drain (then memory goes to the spool), or when a close ran out of time. True: the writer must exit.
    func answerDrain(_ store: Store, ticket: UInt64, stop: Bool, overdue: Bool) -> Bool {
        let idle = isIdle(store)
        // Down only after the database failed for this drain: a drain that came while the writer waited out
        // its reconnect back-off must not give up before trying.
        let down = !backend.isOpen && failedForDrain >= ticket
        let outOfTime = overdue && backend.inFlight == 0
        guard idle || down || outOfTime else { return false }
        if down || outOfTime { spoolMemory(store, force: true) }
        store.spool.flush()
        let inMemory = pending.reduce(0) { $0 + ($1.fromSpool ? 0 : $1.count) } + (staged.count - stagedIndex)
            + store.shared.withLock { $0.queuedCount } + store.spool.rowsNotWritten
        let report = DrainReport(complete: idle && store.spool.isEmpty, rowsInMemory: inMemory,
                                 spoolBytes: store.spool.bytes, timedOut: false, lastError: idle ? nil : lastError)
        store.shared.withLock { s in
            s.lastDrain = report
            s.drainsDone = s.drainRequests
        }
        if stop {
            spoolMemory(store, force: true)
            store.spool.flush()
            backend.close()
            let left = pending.reduce(0) { $0 + ($1.fromSpool ? 0 : $1.count) } + store.spool.rowsNotWritten
            store.shared.withLock { s in
                s.lastDrain = DrainReport(complete: report.complete, rowsInMemory: left, spoolBytes: store.spool.bytes,
                                          timedOut: false, lastError: report.lastError)
                s.writerExited = true
            }
        }
        store.drainSignal.lock()
        store.drainSignal.broadcast()
        store.drainSignal.unlock()
        return stop
    }
}
