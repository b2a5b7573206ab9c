/// The database's condition as the writer sees it: logged once per change (and at most once a minute while
/// it lasts), counted by kind, published in the metrics snapshot.
extension StoreWriter {
    /// Disk full on the database side: SQLite's SQLITE_FULL, PostgreSQL's 53100 (disk_full).
    static func isDiskFull(_ error: StoreError) -> Bool {
        guard case .statementFailed(let state, _) = error else { return false }
        return state == "SQLITE_13" || state == "53100"
    }

    func databaseFailed(_ error: StoreError, _ store: Store, connecting: Bool = false) {
        lastError = error.description
        let state: StoreState = Self.isDiskFull(error) ? .diskFull : .databaseUnreachable
        let kind = state == .diskFull ? "disk_full" : connecting ? "connect" : "transient"
        record(error: error, kind: kind, store)
        store.metricsState.withLock {
            $0.snapshot.connected = false
            $0.snapshot.state = state
        }
        // A change is logged (unless the same state was logged in the last 10 s: a flapping database does not
        // flood the log); a state that lasts is repeated once a minute.
        let key = "database:" + state.rawValue
        if state != databaseState ? logLimiter.allow(key, every: .seconds(10)) : logLimiter.allow(key, every: .seconds(60)) {
            let what = state == .diskFull ? "database disk full" : "database unreachable"
            logger.error("event=store_degraded state=\(state.rawValue) detail=\"\(what): \(error)\" action=spool retry_ms=\(backoffMilliseconds)")
        }
        databaseState = state
    }

    func databaseBack(_ store: Store) {
        guard databaseState != .ok else { return }
        databaseState = .ok
        store.metricsState.withLock {
            $0.snapshot.state = .ok
            $0.snapshot.connected = true
        }
        logger.notice("event=store_recovered detail=\"database writes again\"")
    }

    func record(error: StoreError, kind: String, _ store: Store) {
        lastError = error.description
        store.metricsState.withLock { $0.error(kind, error.description) }
    }
}
