import CLibSQLite3

/// SQLite opened read-only (the daemon may be writing the same file in WAL mode).
final class SQLiteReadOnly: ReadOnlyDatabase {
    let engine = Engine.sqlite
    private var db: OpaquePointer?
    private let path: String

    init(path: String) throws(StoreError) {
        self.path = path
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "sqlite3_open_v2 failed"
            sqlite3_close(handle)
            throw .connectFailed("\(path): \(message)")
        }
        sqlite3_busy_timeout(handle, 5_000)
        db = handle
    }

    deinit { close() }

    func close() {
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    func tableNames() throws(StoreError) -> [String] {
        try rows("SELECT name FROM sqlite_master WHERE type = 'table'", []).map { $0[0].string }
    }

    func rows(_ sql: String, _ parameters: [String]) throws(StoreError) -> [[QueryValue]] {
        guard let db else { throw .connectFailed("\(path): closed") }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw .statementFailed(sqlState: "SQLITE_\(sqlite3_errcode(db))", message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(stmt) }
        for (i, value) in parameters.enumerated() {
            sqlite3_bind_text(stmt, Int32(i + 1), value, -1, transient)
        }
        var result: [[QueryValue]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw .statementFailed(sqlState: "SQLITE_\(rc)", message: String(cString: sqlite3_errmsg(db)))
            }
            var row: [QueryValue] = []
            for column in 0..<sqlite3_column_count(stmt) {
                switch sqlite3_column_type(stmt, column) {
                case SQLITE_NULL: row.append(.null)
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(stmt, column)))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(stmt, column))
                    if count > 0, let base = sqlite3_column_blob(stmt, column) {
                        row.append(.bytes(Array(UnsafeRawBufferPointer(start: base, count: count))))
                    } else {
                        row.append(.bytes([]))
                    }
                default:
                    let text = sqlite3_column_text(stmt, column).map { String(cString: $0) } ?? ""
                    row.append(.text(text))
                }
            }
            result.append(row)
        }
        return result
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
