/// What a table name must be so that both stores can create it unquoted: `[A-Za-z_][A-Za-z0-9_]*`, at most 63
/// bytes (PostgreSQL's NAMEDATALEN - 1), not a reserved word of SQLite or PostgreSQL, not `sqlite_`-prefixed
/// (SQLite keeps that prefix for its own tables).
public enum TableName {
    public static let maxLength = 63

    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        case empty
        case tooLong(bytes: Int)
        case startsWithDigit
        case invalidCharacter(String)
        case reservedWord(engines: String)
        case sqliteInternalPrefix

        public var description: String {
            switch self {
            case .empty: "is empty"
            case .tooLong(let bytes): "is \(bytes) bytes long; a table name has at most \(TableName.maxLength)"
            case .startsWithDigit: "starts with a digit; a table name starts with a letter or '_'"
            case .invalidCharacter(let c): "contains '\(c)'; a table name is made of A-Z a-z 0-9 _"
            case .reservedWord(let engines): "is a reserved word of \(engines)"
            case .sqliteInternalPrefix: "starts with 'sqlite_', which SQLite reserves for its own tables"
            }
        }
    }

    /// Why `name` cannot be a table name, nil when it can.
    public static func problem(_ name: String) -> Problem? {
        let utf8 = name.utf8
        guard let first = utf8.first else { return .empty }
        guard utf8.count <= maxLength else { return .tooLong(bytes: utf8.count) }
        if let bad = utf8.first(where: { !isIdentifierByte($0) }) {
            return .invalidCharacter(bad < 0x80 ? String(decoding: [bad], as: UTF8.self) : "\\u{\(String(bad, radix: 16))}")
        }
        if first >= 0x30 && first <= 0x39 { return .startsWithDigit }
        let lower = name.lowercased()
        if lower.hasPrefix("sqlite_") { return .sqliteInternalPrefix }
        switch (ReservedWords.sqlite.contains(lower), ReservedWords.postgres.contains(lower)) {
        case (true, true): return .reservedWord(engines: "SQLite and PostgreSQL")
        case (true, false): return .reservedWord(engines: "SQLite")
        case (false, true): return .reservedWord(engines: "PostgreSQL")
        case (false, false): return nil
        }
    }

    public static func isValid(_ name: String) -> Bool { problem(name) == nil }

    @inline(__always)
    static func isIdentifierByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }
}
