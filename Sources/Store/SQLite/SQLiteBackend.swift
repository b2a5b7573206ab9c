import CLibSQLite3
import Glibc
import Tables

/// SQLite sink: opened as `SQLiteTuning` says (WAL, synchronous=NORMAL), one
/// connection owned by the writer thread, cached prepared INSERTs per table, one transaction per batch.
final class SQLiteBackend: SinkBackend {
    private let path: String
    private let flavour: SchemaFlavour
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private var finished: [BatchOutcome] = []

    init(path: String, flavour: SchemaFlavour) {
        self.path = path
        self.flavour = flavour
    }

    deinit { close() }

    var isOpen: Bool { db != nil }
    /// Writes are synchronous: one batch per turn of the writer loop, so that its outcome is handled (stored
    /// counts, spool commit, rows released) before the next one. With a constant 1 the loop kept submitting
    /// while rows kept coming: every written batch stayed in `finished` until the traffic stopped.
    var idleSlots: Int { db == nil || !finished.isEmpty ? 0 : 1 }
    var inFlight: Int { 0 }

    func open() throws(StoreError) {
        guard db == nil else { return }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "sqlite3_open_v2 failed"
            sqlite3_close(handle)
            throw .connectFailed("\(path): \(message)")
        }
        db = handle
        do {
            sqlite3_busy_timeout(handle, 5_000)
            for pragma in SQLiteTuning.pragmas { try exec("PRAGMA " + pragma) }
            try exec(Schema.script(.sqlite, flavour))
        } catch {
            close()
            if case .statementFailed(let code, _) = error, Self.classify(code) == .transient { throw error }  // disk full, I/O
            throw .connectFailed("\(path): \(error)")
        }
    }

    func close() {
        for (_, stmt) in statements { sqlite3_finalize(stmt) }
        statements.removeAll()
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    func canSubmitNow(_ batch: Batch) -> Bool { true }

    func prepare(_ batch: inout Batch) {}

    func submit(_ batch: Batch) {
        var error: StoreError?
        for attempt in 0..<2 {
            do throws(StoreError) {
                var batch = batch
                batch.undecodable = try write(batch)
                finished.append(.stored(batch))
                return
            } catch let failure {
                _ = try? exec("ROLLBACK")
                error = failure
                // A cached INSERT whose table changed under it (dropped by someone else): prepare it afresh once.
                guard attempt == 0, statements[batch.table] != nil, case .statementFailed(let code, _) = failure,
                      Self.classify(code) == .permanent, let stmt = statements.removeValue(forKey: batch.table)
                else { break }
                sqlite3_finalize(stmt)
            }
        }
        guard let error, case .statementFailed(let code, _) = error else {
            close()
            finished.append(.lost([batch], error ?? .connectFailed("not open")))
            return
        }
        switch Self.classify(code) {
        case .data: finished.append(.rejected(batch, error))
        case .permanent: finished.append(.failed(batch, error))
        case .transient:
            // Disk full, I/O error, locked by someone else...: keep the batch, reopen after a back-off.
            close()
            finished.append(.lost([batch], error))
        }
    }

    enum ErrorClass { case data, permanent, transient }

    /// Result codes: the row itself is unacceptable (split, dead-letter single rows); the statement can never
    /// work (SQLITE_ERROR: syntax error, reserved or invalid table name, DDL refused; dead-letter the batch);
    /// anything else may pass (full, I/O error, busy, locked, read-only, out of memory: retry after a back-off).
    static func classify(_ code: String) -> ErrorClass {
        if dataErrorCodes.contains(code) { return .data }
        if permanentErrorCodes.contains(code) { return .permanent }
        return .transient
    }

    static let dataErrorCodes: Set<String> = Set([SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE].map { "SQLITE_\($0)" })
    static let permanentErrorCodes: Set<String> = Set([SQLITE_ERROR, SQLITE_AUTH].map { "SQLITE_\($0)" })

    func pump(timeoutMilliseconds: Int32, wakeFD: Int32) -> [BatchOutcome] {
        if !finished.isEmpty {
            defer { finished.removeAll(keepingCapacity: true) }
            return finished
        }
        var pfd = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        _ = poll(&pfd, 1, timeoutMilliseconds)
        return []
    }

    /// Inserts the batch's rows, then its packed records bound straight from their bytes (a record that does
    /// not bind is decoded instead); returns how many records were left out because they did not decode.
    private func write(_ batch: Batch) throws(StoreError) -> Int {
        let stmt = try statement(for: batch.table, family: batch.family)
        try exec("BEGIN")
        for row in batch.rows {
            var binder = SQLiteBinder(stmt: stmt)
            RowColumns.write(row, to: &binder)
            try step(stmt)
        }
        let columns = PackedColumns.of(batch.family)
        var undecodable = 0
        for record in batch.records {
            var binder = SQLiteBinder(stmt: stmt)
            if !columns.write(record, to: &binder) {
                sqlite3_clear_bindings(stmt)
                guard let row = SpoolCodec.decode(record), row.family == batch.family else {
                    undecodable += 1
                    continue
                }
                binder = SQLiteBinder(stmt: stmt)
                RowColumns.write(row, to: &binder)
            }
            try step(stmt)
        }
        try exec("COMMIT")
        return undecodable
    }

    private func step(_ stmt: OpaquePointer) throws(StoreError) {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        guard rc == SQLITE_DONE else { throw error(rc) }
    }

    private func statement(for table: String, family: RowFamily) throws(StoreError) -> OpaquePointer {
        if let stmt = statements[table] { return stmt }
        guard let db else { throw .connectFailed("not open") }
        if let ddl = Schema.tableDDL(.sqlite, flavour == .homer7 && family != .homerSeven ? .homer5 : flavour,
                                     template: Schema.baseTable(for: family), newName: table) {
            try exec(ddl)
        }
        let columns = RowColumns.names(family)
        let sql = "INSERT INTO \"\(table)\" (" + columns.joined(separator: ",") + ") VALUES ("
            + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc) }
        statements[table] = stmt
        return stmt
    }

    private func exec(_ sql: String) throws(StoreError) {
        guard let db else { throw .connectFailed("not open") }
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(message)
            throw .statementFailed(sqlState: "SQLITE_\(rc)", message: text)
        }
    }

    private func error(_ rc: Int32) -> StoreError {
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "error"
        return .statementFailed(sqlState: "SQLITE_\(rc)", message: message)
    }

    func dropTables(olderThan cutoffDay: String, templates: [String]) throws(StoreError) -> [String] {
        guard let db else { throw .connectFailed("not open") }
        var names: [String] = []
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table'", -1, &stmt, nil) == SQLITE_OK
        else { throw error(sqlite3_errcode(db)) }
        while sqlite3_step(stmt) == SQLITE_ROW {
            if let text = sqlite3_column_text(stmt, 0) { names.append(String(cString: text)) }
        }
        sqlite3_finalize(stmt)
        var dropped: [String] = []
        for name in names where Retention.isExpired(table: name, templates: templates, cutoffDay: cutoffDay) {
            if let cached = statements.removeValue(forKey: name) { sqlite3_finalize(cached) }
            try exec("DROP TABLE IF EXISTS \"\(name)\"")
            dropped.append(name)
        }
        return dropped
    }
}

private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

struct SQLiteBinder: PackedFieldWriter {
    let stmt: OpaquePointer
    var index: Int32 = 1

    init(stmt: OpaquePointer) { self.stmt = stmt }

    mutating func timestamp(_ microTimestamp: Int64) { bindText(UTCTime.format(microTimestamp)) }
    mutating func int64(_ value: Int64) { sqlite3_bind_int64(stmt, index, value); index += 1 }
    mutating func int32(_ value: Int32) { sqlite3_bind_int(stmt, index, value); index += 1 }
    mutating func int16OrNull(_ value: Int16?) {
        if let value { sqlite3_bind_int(stmt, index, Int32(value)) } else { sqlite3_bind_null(stmt, index) }
        index += 1
    }
    mutating func text(_ value: String, maxCharacters: Int?) {
        if let clipped = RowColumns.clipped(value, maxCharacters) {
            bindText(String(String.UnicodeScalarView(clipped)))
        } else {
            bindText(value)
        }
    }
    mutating func bytes(_ value: [UInt8]) {
        value.withUnsafeBytes { raw in
            // A zero-length blob still needs a non-NULL pointer or SQLite stores NULL.
            _ = sqlite3_bind_blob(stmt, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), sqliteTransient)
        }
        index += 1
    }
    mutating func json(_ value: String) { bindText(value) }

    mutating func text(utf8: ArraySlice<UInt8>) {
        let stmt = self.stmt, position = self.index
        utf8.withUnsafeBytes { raw in
            if let base = raw.baseAddress, !raw.isEmpty {
                sqlite3_bind_text(stmt, position, base.assumingMemoryBound(to: CChar.self), Int32(raw.count), sqliteTransient)
            } else {
                // An empty text still needs a non-NULL pointer or SQLite stores NULL.
                "".withCString { sqlite3_bind_text(stmt, position, $0, 0, sqliteTransient) }
            }
        }
        index += 1
    }
    mutating func bytes(_ value: ArraySlice<UInt8>) {
        value.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(stmt, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), sqliteTransient)
        }
        index += 1
    }
    mutating func json(utf8: ArraySlice<UInt8>) { text(utf8: utf8) }

    private mutating func bindText(_ value: String) {
        var value = value
        let stmt = self.stmt, position = self.index
        value.withUTF8 { utf8 in
            _ = utf8.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress {
                    sqlite3_bind_text(stmt, position, base, Int32(chars.count), sqliteTransient)
                } else {
                    "".withCString { sqlite3_bind_text(stmt, position, $0, 0, sqliteTransient) }
                }
            }
        }
        index += 1
    }
}
