import HEP
import Tables

/// Forming batches: pending ones (resends, split halves) first, then memory, then the spool on whatever
/// connection is left idle, so that a backlog in the spool never holds fresh rows back.
extension StoreWriter {
    func nextBatch(_ store: Store, force: Bool) -> Batch? {
        if !pending.isEmpty { return pending.removeFirst() }
        if stagedIndex >= staged.count { refill(store, force: force) }
        if stagedIndex < staged.count, let batch = batchFromStaged(store) { return batch }
        return batchFromSpool(store)
    }

    func isIdle(_ store: Store) -> Bool {
        pending.isEmpty && stagedIndex >= staged.count && backend.inFlight == 0
            && store.shared.withLock { $0.queuedCount == 0 } && store.spool.isEmpty
    }

    private func refill(_ store: Store, force: Bool) {
        let flushAge = Duration.milliseconds(settings.flushMilliseconds)
        // The head as values, and the oldest packed chunk (decoded here, outside the lock).
        let taken: (rows: [StoreRow], chunk: PackedRows.Chunk?)? = store.shared.withLock { s in
            guard s.queuedCount > 0 else { return nil }
            let due = force || s.queuedCount >= settings.batchRows
                || (s.oldest.map { ContinuousClock.now - $0 >= flushAge } ?? false)
            guard due else { return nil }
            let rows = s.queue
            s.queue = []
            s.queue.reserveCapacity(min(store.headCapacity, settings.batchRows * 4))
            let chunk = s.packed.takeFirstChunk()
            // Rows left behind are no younger than the oldest taken: keep its age so that they are flushed in time.
            if s.queuedCount == 0 { s.oldest = nil }
            s.inMemory = rows.count + (chunk?.count ?? 0)
            return (rows, chunk)
        }
        if let taken {
            var rows = taken.rows.map(StagedRow.value)
            if let chunk = taken.chunk { rows += staged(chunk, store) }
            staged = RowDestination.grouped(rows) { RowDestination(family: $0.family, template: $0.tableTemplate) }
            stagedIndex = 0
        }
    }

    /// A packed chunk's rows as records (transcoded into COPY or bound to the INSERT when their batch is
    /// written); a record whose header does not read is decoded, or counted when it does not decode either.
    private func staged(_ chunk: PackedRows.Chunk, _ store: Store) -> [StagedRow] {
        var templates = PackedRecord.TemplateCache()
        var rows: [StagedRow] = []
        rows.reserveCapacity(chunk.count)
        var undecodable = 0
        for bytes in chunk.records {
            if let record = PackedRecord(bytes, templates: &templates) {
                rows.append(.packed(record))
            } else if let row = SpoolCodec.decode(bytes) {
                rows.append(.value(row))
            } else {
                undecodable += 1
            }
        }
        countUndecodable(undecodable, store)
        return rows
    }

    struct Key: Equatable { var table: String; var day: String? }

    func key(_ row: StoreRow) throws(StoreError) -> Key { try key(.value(row)) }

    func key(_ row: StagedRow) throws(StoreError) -> Key {
        if row.family == .homerSeven {
            let table = row.tableTemplate
            guard TableName.isValid(table) else { throw .badTableName(template: table, expanded: table) }
            return Key(table: table, day: engine == .postgres ? TableName.day(row.dateMicroTimestamp) : nil)
        }
        let template = row.tableTemplate
        if !templates.contains(template) { templates.insert(template) }
        let table = try resolver.resolve(template, microTimestamp: row.namingMicroTimestamp)
        // `store.partition: day`: one batch per day, so that its partition can be made before the COPY.
        let day = engine == .postgres && settings.section.partitionsHomerFiveByDay ? TableName.day(row.dateMicroTimestamp) : nil
        return Key(table: table, day: day)
    }

    private func batchFromStaged(_ store: Store) -> Batch? {
        var rows: [StoreRow] = []
        var records: [ArraySlice<UInt8>] = []
        var batchKey: Key?
        var family = RowFamily.sipCapture
        while stagedIndex < staged.count, rows.count + records.count < settings.batchRows {
            let row = staged[stagedIndex]
            let k: Key
            do { k = try key(row) } catch {
                stagedIndex += 1
                if let value = row.value { refuseName(value, error: error, store) } else { countUndecodable(1, store) }
                continue
            }
            if let batchKey {
                guard batchKey == k, row.family == family else { break }
            } else {
                batchKey = k
                family = row.family
            }
            switch row {
            case .value(let value): rows.append(value)
            case .packed(let record): records.append(record.bytes)
            }
            stagedIndex += 1
        }
        if stagedIndex >= staged.count {
            staged = []
            stagedIndex = 0
        }
        guard let batchKey, !rows.isEmpty || !records.isEmpty else { return nil }
        sequence += 1
        return Batch(sequence: sequence, id: .memory(instance: instance, number: sequence), table: batchKey.table,
                     family: family, partitionDay: batchKey.day, rows: rows, spoolEnd: nil, fromSpool: false, started: .now,
                     records: records)
    }

    private func batchFromSpool(_ store: Store) -> Batch? {
        var items = store.spool.peek(maxRows: settings.batchRows)
        if let lost = items.first?.lostBatch, lost.rows > items.count {
            items = store.spool.peek(maxRows: lost.rows)  // a batch bigger than today's batch_rows
        }
        guard !items.isEmpty else { return nil }
        // A batch sent before, outcome unknown when it was spooled: replayed exactly as it was, under its id.
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
                    refuseName(item.row, error: error, store)
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

    /// A row whose table name no database can take (it expands to an invalid or reserved name): counted as a
    /// permanent error, logged once a minute per template, dead-lettered; the rows behind it go on.
    func refuseName(_ row: StoreRow, error: StoreError, _ store: Store) {
        record(error: error, kind: "permanent", store)
        if logLimiter.allow("name:" + row.tableTemplate, every: .seconds(60)) {
            logger.error("event=store_table_name_refused template=\(row.tableTemplate) detail=\"\(error)\" action=dead_letter")
        }
        deadLetter(row, table: row.tableTemplate, error: error, store)
    }

    /// The rows of decoded packed records. Records that did not decode again (a bug in the codec, never silent)
    /// are counted as drops and logged.
    func unpacked(_ decoded: (rows: [StoreRow], undecodable: Int), _ store: Store) -> [StoreRow] {
        countUndecodable(decoded.undecodable, store)
        return decoded.rows
    }

    func countUndecodable(_ lost: Int, _ store: Store) {
        guard lost > 0 else { return }
        store.metricsState.withLock { $0.snapshot.dropped[RowDropReason.queueUndecodable.rawValue, default: 0] += UInt64(lost) }
        if logLimiter.allow("queue_undecodable", every: .seconds(60)) {
            logger.error("event=store_queue_undecodable rows=\(lost) detail=\"rows packed in the queue did not decode; dropped\"")
        }
    }
}
