import CLibSQLite3
import Store
import Foundation

/// `capd-bench sqlite-ceiling --from SRC.db --to NEW.db [--batch N]`: the rate at which SQLite itself takes
/// rows that capd stored, inserted the way a writer has to insert them: one prepared INSERT, the row's values
/// bound one by one, a transaction (and commit) every `batch` rows (capd's `store.batch_rows`, default 500),
/// the pragmas capd opens its file with (`SQLiteTuning`). The source rows are read into memory first, so only
/// the inserts and commits are timed. Prints `rows=N seconds=S rows_per_second=R`.
///
/// This is the SQLite ceiling of the sustained runs: one `INSERT ... SELECT` transaction (the short run's
/// figure) copies rows inside the engine without binding a value or committing, which no writer fed row by
/// row can approach.
func sqliteCeilingBench(_ arguments: [String]) throws {
    let usage = "capd-bench sqlite-ceiling --from SRC.db --to NEW.db [--batch N]"
    let options = try BenchOptions(arguments, allowed: ["--from", "--to", "--batch"], usage: usage)
    let batch = options["--batch"].map { Int($0) ?? 0 } ?? 500
    guard let source = options["--from"], let target = options["--to"], batch >= 1 else { throw BenchError.usage(usage) }
    let from = try SQLiteFile(path: source)
    let schema = try from.strings("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name = 'sip_capture' "
        + "UNION ALL SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND type = 'index' AND tbl_name = 'sip_capture'")
    let (columns, rows) = try from.rows("SELECT * FROM sip_capture")
    guard !rows.isEmpty else { throw BenchError.failed("no rows in \(source)") }
    try? FileManager.default.removeItem(atPath: target)
    let to = try SQLiteFile(path: target)
    for pragma in SQLiteTuning.pragmas { try to.exec("PRAGMA " + pragma) }  // as capd opens it
    for statement in schema { try to.exec(statement) }
    let sql = "INSERT INTO sip_capture (" + columns.map { "\"\($0)\"" }.joined(separator: ",") + ") VALUES ("
        + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
    let insert = try to.prepare(sql)
    defer { sqlite3_finalize(insert) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    let start = DispatchTime.now().uptimeNanoseconds
    var index = 0
    while index < rows.count {
        try to.exec("BEGIN")
        for row in rows[index..<min(index + batch, rows.count)] {
            for (column, value) in row.enumerated() {
                let i = Int32(column + 1)
                switch value {
                case .null: sqlite3_bind_null(insert, i)
                case .int(let v): sqlite3_bind_int64(insert, i, v)
                case .double(let v): sqlite3_bind_double(insert, i, v)
                case .text(let b): _ = b.withUnsafeBytes { sqlite3_bind_text(insert, i, $0.baseAddress, Int32($0.count), transient) }
                case .blob(let b): _ = b.withUnsafeBytes { sqlite3_bind_blob(insert, i, $0.baseAddress, Int32($0.count), transient) }
                }
            }
            guard sqlite3_step(insert) == SQLITE_DONE else { throw BenchError.failed(to.message) }
            sqlite3_reset(insert)
        }
        try to.exec("COMMIT")
        index += batch
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "rows=%d seconds=%.3f rows_per_second=%.0f", rows.count, seconds, Double(rows.count) / seconds))
}

private enum SQLiteValue {
    case null, int(Int64), double(Double), text([UInt8]), blob([UInt8])
}

/// A database file opened for the bench (no shared code with the Store's backend: the bench must not depend on
/// what it measures).
final class SQLiteFile {
    let db: OpaquePointer

    init(path: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK, let handle else { throw BenchError.failed("cannot open \(path)") }
        db = handle
    }

    deinit { sqlite3_close(db) }

    var message: String { String(cString: sqlite3_errmsg(db)) }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw BenchError.failed("\(message): \(sql)") }
    }

    func prepare(_ sql: String) throws -> OpaquePointer {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw BenchError.failed("\(message): \(sql)")
        }
        return stmt
    }

    fileprivate func strings(_ sql: String) throws -> [String] {
        try rows(sql).rows.compactMap { row in
            if case .text(let bytes)? = row.first { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
    }

    fileprivate func rows(_ sql: String) throws -> (columns: [String], rows: [[SQLiteValue]]) {
        let stmt = try prepare(sql)
        defer { sqlite3_finalize(stmt) }
        let count = sqlite3_column_count(stmt)
        let columns = (0..<count).map { String(cString: sqlite3_column_name(stmt, $0)) }
        var rows: [[SQLiteValue]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw BenchError.failed(message) }
            rows.append((0..<count).map { i in
                switch sqlite3_column_type(stmt, i) {
                case SQLITE_INTEGER: return .int(sqlite3_column_int64(stmt, i))
                case SQLITE_FLOAT: return .double(sqlite3_column_double(stmt, i))
                case SQLITE_TEXT:
                    let n = Int(sqlite3_column_bytes(stmt, i))
                    guard let p = sqlite3_column_text(stmt, i) else { return .text([]) }
                    return .text(Array(UnsafeBufferPointer(start: p, count: n)))
                case SQLITE_BLOB:
                    let n = Int(sqlite3_column_bytes(stmt, i))
                    guard let p = sqlite3_column_blob(stmt, i) else { return .blob([]) }
                    return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
                default: return .null
                }
            })
        }
        return (columns, rows)
    }
}
