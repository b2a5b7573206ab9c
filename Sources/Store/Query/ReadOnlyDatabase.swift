/// A column value read by a query.
public enum QueryValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case bytes([UInt8])

    var string: String {
        switch self {
        case .null: ""
        case .integer(let v): String(v)
        case .text(let s): s
        case .bytes(let b): String(decoding: b, as: UTF8.self)
        }
    }

    var int: Int64 {
        switch self {
        case .integer(let v): v
        case .text(let s): Int64(s) ?? 0
        default: 0
        }
    }

    var byteArray: [UInt8] {
        switch self {
        case .bytes(let b): b
        case .text(let s): Array(s.utf8)
        default: []
        }
    }
}

/// A read-only connection for the query side (`capd calls`, the web view): lists tables and runs
/// parameterised SELECTs. Parameters are bound as text; SQL texts come from `CallSQL`.
protocol ReadOnlyDatabase: AnyObject {
    var engine: Engine { get }
    /// Every table (and, on PostgreSQL, partitioned parent) of the current schema.
    func tableNames() throws(StoreError) -> [String]
    func rows(_ sql: String, _ parameters: [String]) throws(StoreError) -> [[QueryValue]]
    func close()
}

enum ReadOnlyDatabases {
    static func open(_ location: StoreLocation) throws(StoreError) -> any ReadOnlyDatabase {
        switch location {
        case .sqlite(let path): try SQLiteReadOnly(path: path)
        case .postgres(let conninfo): try PostgresReadOnly(conninfo: conninfo)
        }
    }
}
