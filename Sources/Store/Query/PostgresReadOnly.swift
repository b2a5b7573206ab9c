import CLibPQ
import Glibc

/// One blocking libpq connection in a read-only session with UTC time zone, for queries.
final class PostgresReadOnly: ReadOnlyDatabase {
    let engine = Engine.postgres
    private var conn: OpaquePointer?

    /// PostgreSQL type oids the reader converts: bytea and the integer types.
    private static let byteaOID: Oid = 17
    private static let integerOIDs: Set<Oid> = [20, 21, 23]

    init(conninfo: String, timeoutSeconds: Int = 5) throws(StoreError) {
        let keys = ["dbname", "connect_timeout", "application_name"]
        let values = [conninfo, String(timeoutSeconds), "capd-calls"]
        let conn: OpaquePointer? = keys.withCStrings { k in values.withCStrings { v in PQconnectdbParams(k, v, 1) } }
        guard let conn else { throw .connectFailed("out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn)).trimmingSuffixNewlines()
            PQfinish(conn)
            throw .connectFailed(message)
        }
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        self.conn = conn
        _ = try rows("SET TimeZone = 'UTC'", [])
        _ = try rows("SET default_transaction_read_only = on", [])
    }

    deinit { close() }

    func close() {
        if let conn { PQfinish(conn) }
        conn = nil
    }

    func tableNames() throws(StoreError) -> [String] {
        try rows("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
            """, []).map { $0[0].string }
    }

    func rows(_ sql: String, _ parameters: [String]) throws(StoreError) -> [[QueryValue]] {
        guard let conn else { throw .connectFailed("connection closed") }
        let result: OpaquePointer? = parameters.withCStrings { values in
            PQexecParams(conn, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else { throw .connectFailed(String(cString: PQerrorMessage(conn)).trimmingSuffixNewlines()) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = String(cString: PQresultErrorMessage(result)).trimmingSuffixNewlines()
            if PQstatus(conn) != CONNECTION_OK || state.isEmpty { throw .connectFailed(message) }
            throw .statementFailed(sqlState: state, message: message)
        }
        let columns = PQnfields(result)
        let types = (0..<columns).map { PQftype(result, $0) }
        var out: [[QueryValue]] = []
        out.reserveCapacity(Int(PQntuples(result)))
        for r in 0..<PQntuples(result) {
            var row: [QueryValue] = []
            row.reserveCapacity(Int(columns))
            for c in 0..<columns {
                if PQgetisnull(result, r, c) == 1 { row.append(.null); continue }
                let text = String(cString: PQgetvalue(result, r, c))
                if types[Int(c)] == Self.byteaOID {
                    row.append(.bytes(Self.decodeHexBytea(text)))
                } else if Self.integerOIDs.contains(types[Int(c)]), let value = Int64(text) {
                    row.append(.integer(value))
                } else {
                    row.append(.text(text))
                }
            }
            out.append(row)
        }
        return out
    }

    /// bytea text output (`bytea_output = hex`, the default): `\x` then two hex digits per byte.
    static func decodeHexBytea(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x") else { return utf8 }
        func nibble(_ b: UInt8) -> UInt8 {
            switch b {
            case 0x30...0x39: b - 0x30
            case 0x61...0x66: b - 0x61 + 10
            case 0x41...0x46: b - 0x41 + 10
            default: 0
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i + 1 < utf8.count {
            bytes.append(nibble(utf8[i]) << 4 | nibble(utf8[i + 1]))
            i += 2
        }
        return bytes
    }
}

extension Array where Element == String {
    /// Calls `body` with a NULL-terminated array of C strings that live for the call.
    func withCStrings<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
