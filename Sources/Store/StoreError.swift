/// Everything the store reports as a failure.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The store URL is neither `sqlite://PATH`, `postgres(ql)://...` nor a libpq `key=value` string.
    case badURL(String)
    /// A table name template expanded to something that is not `[A-Za-z0-9_]+` (or is too long).
    case badTableName(template: String, expanded: String)
    case badSettings(String)
    /// The database could not be opened or reached.
    case connectFailed(String)
    /// A statement failed; `sqlState` is PostgreSQL's code or SQLite's result code.
    case statementFailed(sqlState: String, message: String)
    case spool(String)
    case closed
    /// The system refused one of the store's threads (or its wake pipe).
    case thread(String)

    public var description: String {
        switch self {
        case .badURL(let u): "store url not understood: \(u) (want sqlite://PATH, postgres://... or key=value)"
        case .badTableName(let t, let e): "table template \(t) expands to \(e), not [A-Za-z0-9_]+ of at most 63 characters"
        case .badSettings(let m): "bad store settings: \(m)"
        case .connectFailed(let m): "database unreachable: \(m)"
        case .statementFailed(let s, let m): "statement failed (\(s)): \(m)"
        case .spool(let m): "spool: \(m)"
        case .closed: "store is closed"
        case .thread(let m): "store thread: \(m)"
        }
    }
}
