import CLibPQ
import Glibc

/// One libpq connection in non-blocking mode, driving one COPY at a time.
final class PostgresConnection {
    enum Phase { case idle, awaitingCopyIn, sending, flushing, awaitingResult }

    enum Step {
        case pending
        case done(error: (sqlState: String, message: String)?)
        case broken(String)
    }

    private(set) var conn: OpaquePointer?
    private(set) var phase = Phase.idle
    var batch: Batch?
    private var payload: [UInt8] = []
    private var offset = 0
    private(set) var wantsWrite = false
    private var firstError: (sqlState: String, message: String)?
    /// Tests only: a failure to stage on the current batch.
    var fault: PostgresFault?

    static func connect(_ conninfo: String, timeoutSeconds: Int = 5) throws(StoreError) -> PostgresConnection {
        let keys = ["dbname", "connect_timeout", "application_name"]
        let values = [conninfo, String(timeoutSeconds), "capd"]
        let cKeys = keys.map { strdupOrEmpty($0) }
        let cValues = values.map { strdupOrEmpty($0) }
        defer { (cKeys + cValues).forEach { free($0) } }
        var keyPointers: [UnsafePointer<CChar>?] = cKeys.map { UnsafePointer($0) } + [nil]
        var valuePointers: [UnsafePointer<CChar>?] = cValues.map { UnsafePointer($0) } + [nil]
        let conn = keyPointers.withUnsafeMutableBufferPointer { k in
            valuePointers.withUnsafeMutableBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let conn else { throw .connectFailed("out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.errorMessage(conn)
            PQfinish(conn)
            throw .connectFailed(message)
        }
        PQsetNoticeProcessor(conn, { _, _ in }, nil)  // NOTICEs of idempotent DDL are expected
        return PostgresConnection(conn)
    }

    private init(_ conn: OpaquePointer) { self.conn = conn }

    deinit { close() }

    func close() {
        if let conn { PQfinish(conn) }
        conn = nil
    }

    var socket: Int32 { conn.map { PQsocket($0) } ?? -1 }

    /// Blocking statement execution (schema, DDL); not used for rows.
    func execute(_ sql: String) throws(StoreError) {
        guard let conn else { throw .connectFailed("connection closed") }
        PQsetnonblocking(conn, 0)
        defer { PQsetnonblocking(conn, 1) }
        guard let result = PQexec(conn, sql) else { throw .connectFailed(Self.errorMessage(conn)) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = Self.sqlState(result)
            let message = Self.resultMessage(result) ?? Self.errorMessage(conn)
            if PQstatus(conn) != CONNECTION_OK || state.isEmpty { throw .connectFailed(message) }
            throw .statementFailed(sqlState: state, message: message)
        }
    }

    /// Blocking query returning the first column of every row.
    func column(_ sql: String) throws(StoreError) -> [String] {
        guard let conn else { throw .connectFailed("connection closed") }
        PQsetnonblocking(conn, 0)
        defer { PQsetnonblocking(conn, 1) }
        guard let result = PQexec(conn, sql) else { throw .connectFailed(Self.errorMessage(conn)) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK else {
            let state = Self.sqlState(result)
            let message = Self.resultMessage(result) ?? Self.errorMessage(conn)
            if PQstatus(conn) != CONNECTION_OK || state.isEmpty { throw .connectFailed(message) }
            throw .statementFailed(sqlState: state, message: message)
        }
        return (0..<PQntuples(result)).map { String(cString: PQgetvalue(result, $0, 0)) }
    }

    func makeNonBlocking() { if let conn { PQsetnonblocking(conn, 1) } }

    /// Starts `INSERT INTO capd_batches ...; COPY table (columns) FROM STDIN (FORMAT binary)` with the payload
    /// for `batch`. The two statements travel in one simple query, so they run as one implicit transaction: the
    /// batch id is committed exactly when the rows are, and a duplicate id aborts the COPY before any row.
    func startCopy(_ batch: Batch, table: String, payload: [UInt8]) -> Step {
        guard let conn else { return .broken("connection closed") }
        self.batch = batch
        self.payload = payload
        offset = 0
        firstError = nil
        let sql = BatchLog.insertSQL(batch) + "; COPY \"\(table)\" ("
            + RowColumns.names(batch.family).joined(separator: ",") + ") FROM STDIN (FORMAT binary)"
        guard PQsendQuery(conn, sql) == 1 else { return .broken(Self.errorMessage(conn)) }
        phase = .awaitingCopyIn
        return advance()
    }

    /// Moves the COPY forward as far as it goes without blocking.
    func advance() -> Step {
        guard let conn else { return .broken("connection closed") }
        wantsWrite = false
        switch PQflush(conn) {
        case 0: break
        case 1: wantsWrite = true
        default: return .broken(Self.errorMessage(conn))
        }
        if PQconsumeInput(conn) == 0 { return .broken(Self.errorMessage(conn)) }
        while true {
            switch phase {
            case .idle:
                return .pending
            case .awaitingCopyIn:
                while PQisBusy(conn) == 0 {
                    guard let result = PQgetResult(conn) else {
                        // The COPY never started: its statement failed.
                        return finish()
                    }
                    let status = PQresultStatus(result)
                    if status == PGRES_COPY_IN {
                        PQclear(result)
                        phase = .sending
                        break
                    }
                    record(result)
                    PQclear(result)
                }
                if phase == .awaitingCopyIn { return .pending }
            case .sending:
                if wantsWrite { return .pending }
                while offset < payload.count {
                    if fault == .breakBeforeCommit, offset > 0 { return .broken("injected: connection lost before commit") }
                    let n = min(payload.count - offset, 1 << 16)
                    let rc = payload.withUnsafeBufferPointer { buffer -> Int32 in
                        guard let base = buffer.baseAddress else { return -1 }
                        return base.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: n) {
                            PQputCopyData(conn, $0, Int32(n))
                        }
                    }
                    if rc == 1 {
                        offset += n
                    } else if rc == 0 {
                        wantsWrite = true
                        return .pending
                    } else {
                        return .broken(Self.errorMessage(conn))
                    }
                }
                if fault == .breakBeforeCommit { return .broken("injected: connection lost before commit") }
                let rc = PQputCopyEnd(conn, nil)
                if rc == 1 {
                    phase = .flushing
                } else if rc == 0 {
                    wantsWrite = true
                    return .pending
                } else {
                    return .broken(Self.errorMessage(conn))
                }
            case .flushing:
                switch PQflush(conn) {
                case 0: phase = .awaitingResult
                case 1:
                    wantsWrite = true
                    return .pending
                default: return .broken(Self.errorMessage(conn))
                }
            case .awaitingResult:
                while PQisBusy(conn) == 0 {
                    guard let result = PQgetResult(conn) else { return finish() }
                    record(result)
                    PQclear(result)
                }
                return .pending
            }
        }
    }

    private func finish() -> Step {
        phase = .idle
        payload = []
        if fault == .loseResultAfterCommit, firstError == nil {
            // Committed on the server, but capd acts as if the connection died before it read the result.
            return .broken("injected: connection lost after commit, before its result was read")
        }
        if let conn, PQstatus(conn) != CONNECTION_OK {
            return .broken(firstError?.message ?? Self.errorMessage(conn))
        }
        return .done(error: firstError)
    }

    private func record(_ result: OpaquePointer) {
        let status = PQresultStatus(result)
        guard status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR
        else { return }
        guard status != PGRES_NONFATAL_ERROR, firstError == nil else { return }
        firstError = (Self.sqlState(result), Self.resultMessage(result) ?? "unknown error")
    }

    static func sqlState(_ result: OpaquePointer) -> String {
        guard let field = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) else { return "" }
        return String(cString: field)
    }

    static func resultMessage(_ result: OpaquePointer) -> String? {
        guard let text = PQresultErrorMessage(result) else { return nil }
        let message = String(cString: text).trimmingSuffixNewlines()
        return message.isEmpty ? nil : message
    }

    static func errorMessage(_ conn: OpaquePointer) -> String {
        guard let text = PQerrorMessage(conn) else { return "unknown libpq error" }
        let message = String(cString: text).trimmingSuffixNewlines()
        return message.isEmpty ? "connection lost" : message
    }
}

/// SQLSTATE classes: "this data is wrong" (split the batch, dead-letter single rows), "this statement can never
/// work" (dead-letter the batch), or else "try again later" (connection, resources, locks, shutdown).
enum PostgresErrorClass {
    static func isDataError(_ sqlState: String) -> Bool {
        let cls = sqlState.prefix(2)
        return cls == "22" || cls == "23" || cls == "54"
    }

    /// Syntax or access rule violation (bad table name, DDL refused), feature not supported, invalid schema.
    static func isPermanent(_ sqlState: String) -> Bool {
        if sqlState == "42P01" { return false }  // table vanished (retention, operator): recreate and retry
        let cls = sqlState.prefix(2)
        return cls == "42" || cls == "0A" || cls == "3F"
    }
}

private func strdupOrEmpty(_ s: String) -> UnsafeMutablePointer<CChar> {
    strdup(s) ?? strdup("")!
}

extension String {
    func trimmingSuffixNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
