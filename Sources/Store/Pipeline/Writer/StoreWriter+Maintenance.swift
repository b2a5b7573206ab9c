import Foundation

/// Retention (dropping old time-named tables) and pruning the batch log.
extension StoreWriter {
    /// Not while a batch's outcome is still to be looked up (after a long outage its id may be older than the
    /// retention), nor before the spool left by an earlier run has been checked.
    func pruneBatchLogIfDue(_ store: Store) {
        // Needs one idle connection only: the DELETE does not conflict with the COPYs' INSERTs.
        guard ContinuousClock.now >= nextBatchLogPrune, backend.idleSlots > 0 else { return }
        guard !pending.contains(where: \.outcomeUnknown), !checkSpoolBatches || store.spool.isEmpty else { return }
        nextBatchLogPrune = .now + .seconds(600)
        do { try backend.pruneBatchLog() } catch { record(error: error, kind: "transient", store) }
    }

    /// At the first connection after start, then hourly: every template of the configuration and every one
    /// written since start, matched against the tables in the database.
    func runRetentionIfDue(_ store: Store) {
        guard settings.retentionDays > 0, ContinuousClock.now >= nextRetention, backend.inFlight == 0 else { return }
        nextRetention = .now + .seconds(3600)
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        do {
            let dropped = try dropExpiredTables(days: settings.retentionDays, nowMicroTimestamp: now)
            if !dropped.isEmpty {
                logger.info("event=retention_dropped tables=\(dropped.sorted().joined(separator: ",")) retention_days=\(settings.retentionDays)")
            }
        } catch {
            record(error: error, kind: "transient", store)
            logger.warning("event=retention_failed detail=\"\(error)\"")
        }
    }

    func dropExpiredTables(days: Int, nowMicroTimestamp: Int64) throws(StoreError) -> [String] {
        let cutoff = Retention.cutoffDay(days: max(1, days), nowMicroTimestamp: nowMicroTimestamp)
        var templates = Array(templates)
        if engine == .postgres, settings.schema == .homer7 {
            templates += Schema.homerSevenParents.map { $0 + "_%Y%m%d" }
        }
        if engine == .postgres, settings.schema == .homer5 {
            // Day partitions (`store.partition: day`, or left by a run that had it) of every table capd writes.
            templates += templates.map { Schema.dayPartitionTemplate(of: $0) }
        }
        return try backend.dropTables(olderThan: cutoff, templates: templates)
    }
}
