import HEP
import Foundation
import Glibc

/// What happens to a batch once the backend is done with it.
extension StoreWriter {
    func handle(_ outcome: BatchOutcome, _ store: Store) {
        switch outcome {
        case .stored(let batch), .alreadyStored(let batch):
            if case .alreadyStored = outcome {
                store.metricsState.withLock { $0.snapshot.batchesFoundCommitted += 1 }
            } else if batch.fromSpool {
                checkSpoolBatches = false  // written now: the spool cursor is past what an earlier run committed
            }
            backoffMilliseconds = settings.reconnectMinMilliseconds
            lostInDrain = 0
            databaseBack(store)
            let seconds = batch.started.duration(to: .now).inSeconds
            countUndecodable(batch.undecodable, store)
            store.metricsState.withLock { m in
                m.stored(batch.family, rows: batch.count - batch.undecodable, latencySeconds: seconds)
                m.snapshot.rowsStoredFromPacked += UInt64(batch.records.count - batch.undecodable)
            }
            if let end = batch.spoolEnd { commitSpool(through: end, store) }
        case .rejected(var batch, let error):
            batch = materialized(batch, store)
            if batch.rows.isEmpty {
                // Only records that did not decode (counted by `materialized`): nothing left to retry.
                if let end = batch.spoolEnd { commitSpool(through: end, store) }
            } else if batch.rows.count == 1, let row = batch.rows.first {
                deadLetter(row, table: batch.table, error: error, store)
                if let end = batch.spoolEnd { commitSpool(through: end, store) }
            } else {
                split(batch)
            }
        case .failed(var batch, let error):
            batch = materialized(batch, store)
            record(error: error, kind: "permanent", store)
            if logLimiter.allow("permanent:" + batch.table, every: .seconds(60)) {
                logger.error("event=store_statement_failed table=\(batch.table) rows=\(batch.rows.count) detail=\"\(error)\" action=dead_letter")
            }
            for row in batch.rows { deadLetter(row, table: batch.table, error: error, store) }
            if let end = batch.spoolEnd { commitSpool(through: end, store) }
        case .lost(var batches, let error):
            for i in batches.indices { batches[i].outcomeUnknown = true }
            pending = (batches + pending).sorted { $0.sequence < $1.sequence }
            if drainTicket > 0 {
                lostInDrain += 1
                if lostInDrain >= Self.lostWritesMeanDown { failedForDrain = drainTicket }
            }
            // A connection that worked for a while is retried at once; one that fails right after opening
            // (disk full, locked) waits out the back-off instead of spinning.
            if ContinuousClock.now - openedAt >= .seconds(1) {
                nextConnect = .now
            } else {
                nextConnect = .now + .milliseconds(backoffMilliseconds)
                backoffMilliseconds = min(settings.reconnectMaxMilliseconds, backoffMilliseconds * 2)
            }
            databaseFailed(error, store)
        }
    }

    /// The batch with its packed records decoded into `rows` (undecodable ones counted), for the paths that
    /// handle rows one by one.
    func materialized(_ batch: Batch, _ store: Store) -> Batch {
        guard !batch.records.isEmpty else { return batch }
        var batch = batch
        batch.rows = unpacked(batch.values, store)
        batch.records = []
        batch.payload = nil
        batch.undecodable = 0
        return batch
    }

    /// The database refused the batch's data (the connection is fine): the halves are new batches with new ids;
    /// single rows that are refused go to the dead-letter file.
    private func split(_ batch: Batch) {
        let mid = batch.rows.count / 2
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

    /// A spool batch ending at `end` is finished: persist the cursor over the prefix of finished batches.
    func commitSpool(through end: SpoolPosition, _ store: Store) {
        if let cursor = spoolBatches.finished(end) { store.spool.commit(cursor) }
    }

    func deadLetter(_ row: StoreRow, table: String, error: StoreError, _ store: Store) {
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
}
