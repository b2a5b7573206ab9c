import CLibSQLite3

/// Reads rows from a capd SQLite database (read-only, so the daemon may still be writing).
struct SQLiteReader {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func rows(_ path: String, _ sql: String) throws -> [[String?]] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            defer { sqlite3_close(db) }
            throw Failure(description: "open \(path): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_close(db) }
        sqlite3_busy_timeout(db, 5_000)
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw Failure(description: "prepare \(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        var result: [[String?]] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            var row: [String?] = []
            for column in 0..<sqlite3_column_count(statement) {
                if let text = sqlite3_column_text(statement, column) {
                    row.append(String(cString: text))
                } else {
                    row.append(nil)
                }
            }
            result.append(row)
        }
        return result
    }

    /// `SELECT count(*)` of a table, 0 when the table does not exist yet.
    static func count(_ path: String, table: String, where condition: String = "1=1") -> Int {
        (try? rows(path, "SELECT count(*) FROM \(table) WHERE \(condition)"))?.first?.first.flatMap { $0.flatMap(Int.init) } ?? 0
    }
}
