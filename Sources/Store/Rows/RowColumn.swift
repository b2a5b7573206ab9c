/// One column of a row family: its name in the table and how its value is held in the row type.
///
/// A family's list of `RowColumn`s is the one description of its table layout: the column list of the SQLite
/// INSERT and of the PostgreSQL binary COPY, the order values are written in, the spool record encoding
/// (`SpoolCodec`) and the schema check (`SchemaTests`) all follow from it. To add a column: add the stored
/// property to the row type, one entry at the END of its family's list (old spool records then still decode,
/// the new column left at its default), and the column to both `sql/*/homer*.sql` files and `EmbeddedSchema`.
struct RowColumn<Row>: Sendable {
    let name: String
    let value: ColumnValue<Row>

    init(_ name: String, _ value: ColumnValue<Row>) {
        self.name = name
        self.value = value
    }
}

/// The SQL type of a column and the stored property that fills it.
enum ColumnValue<Row>: Sendable {
    /// `TIMESTAMP` (PostgreSQL) / UTC text `YYYY-MM-DD HH:MM:SS.ffffff` (SQLite), from epoch microseconds.
    case timestamp(WritableKeyPath<Row, Int64> & Sendable)
    /// `TIMESTAMPTZ` (same binary form as `TIMESTAMP`); SQLite text as for `timestamp`.
    case timestampWithZone(WritableKeyPath<Row, Int64> & Sendable)
    case bigint(WritableKeyPath<Row, Int64> & Sendable)
    case integer(WritableKeyPath<Row, Int32> & Sendable)
    case smallintOrNull(WritableKeyPath<Row, Int16?> & Sendable)
    /// `VARCHAR(width)`: longer values are cut to `width` characters when written, never rejected;
    /// nil: `VARCHAR` without a limit.
    case varchar(WritableKeyPath<Row, String> & Sendable, width: Int?)
    case bytea(WritableKeyPath<Row, [UInt8]> & Sendable)
    case jsonb(WritableKeyPath<Row, String> & Sendable)

    /// The column's type as the PostgreSQL schema declares it.
    var postgresType: String {
        switch self {
        case .timestamp: "TIMESTAMP"
        case .timestampWithZone: "TIMESTAMPTZ"
        case .bigint: "BIGINT"
        case .integer: "INTEGER"
        case .smallintOrNull: "SMALLINT"
        case .varchar(_, let width): width.map { "VARCHAR(\($0))" } ?? "VARCHAR"
        case .bytea: "BYTEA"
        case .jsonb: "JSONB"
        }
    }

    /// How the hot paths read the column (`ColumnSlot`, the COPY transcoder of packed records).
    var slotKind: ColumnSlot.Kind {
        switch self {
        case .timestamp, .timestampWithZone: .timestamp
        case .bigint: .bigint
        case .integer: .integer
        case .smallintOrNull: .smallintOrNull
        case .varchar: .varchar
        case .bytea: .bytea
        case .jsonb: .jsonb
        }
    }

    /// The VARCHAR width (nil: unlimited, or not text).
    var width: Int? {
        if case .varchar(_, let width) = self { return width }
        return nil
    }

    var keyPath: PartialKeyPath<Row> {
        switch self {
        case .timestamp(let p), .timestampWithZone(let p), .bigint(let p): p
        case .integer(let p): p
        case .smallintOrNull(let p): p
        case .varchar(let p, _), .jsonb(let p): p
        case .bytea(let p): p
        }
    }

    /// The column's type as the SQLite schema declares it.
    var sqliteType: String {
        switch self {
        case .bigint, .integer, .smallintOrNull: "INTEGER"
        case .timestamp, .timestampWithZone, .varchar, .jsonb: "TEXT"
        case .bytea: "BLOB"
        }
    }
}

/// A row type described column by column (`SIPCaptureRow`, `ReportRow`, `HomerSevenRow`).
protocol DescribedRow: Sendable {
    /// The family's columns in write order (every column capd fills; `id` is the database's).
    static var columns: [RowColumn<Self>] { get }
    /// `ColumnSlot.slots(of: columns)`, computed once.
    static var slots: [ColumnSlot]? { get }
    /// Table name template as written in the action.
    var table: String { get }
    /// When capd received the packet (not a column: it names the table when the agent clock is off).
    var receiveMicroTimestamp: Int64 { get }
    /// A row with every column at its default, for the spool decoder to fill.
    init(table: String, receiveMicroTimestamp: Int64)
}

/// Receives a row's column values in table order; implemented by the SQLite binder and the COPY encoder.
protocol RowFieldWriter {
    mutating func timestamp(_ microTimestamp: Int64)
    mutating func int64(_ value: Int64)
    mutating func int32(_ value: Int32)
    mutating func int16OrNull(_ value: Int16?)
    /// `maxCharacters`: the VARCHAR width (nil: unlimited); longer values are cut, never rejected.
    mutating func text(_ value: String, maxCharacters: Int?)
    mutating func bytes(_ value: [UInt8])
    mutating func json(_ value: String)
}

/// A column as the hot path reads it: its kind, its VARCHAR width, and the byte offset of the stored property
/// that fills it (read in place, no key-path projection per value).
struct ColumnSlot: Sendable {
    enum Kind: Sendable { case timestamp, bigint, integer, smallintOrNull, varchar, bytea, jsonb }
    let kind: Kind
    let offset: Int
    let width: Int?

    /// The slots of a family's columns; nil when a key path is not a plain stored property (then the key
    /// paths are used).
    static func slots<Row>(of columns: [RowColumn<Row>]) -> [ColumnSlot]? {
        var slots: [ColumnSlot] = []
        for column in columns {
            guard let offset = MemoryLayout<Row>.offset(of: column.value.keyPath) else { return nil }
            slots.append(ColumnSlot(kind: column.value.slotKind, offset: offset, width: column.value.width))
        }
        return slots
    }
}

extension DescribedRow {
    /// Writes every column's value in the family's order.
    @inline(__always)
    func write<W: RowFieldWriter>(to w: inout W) {
        guard let slots = Self.slots else { return writeByKeyPath(to: &w) }
        withUnsafeBytes(of: self) { raw in
            for slot in slots {
                switch slot.kind {
                case .timestamp: w.timestamp(raw.load(fromByteOffset: slot.offset, as: Int64.self))
                case .bigint: w.int64(raw.load(fromByteOffset: slot.offset, as: Int64.self))
                case .integer: w.int32(raw.load(fromByteOffset: slot.offset, as: Int32.self))
                case .smallintOrNull: w.int16OrNull(raw.load(fromByteOffset: slot.offset, as: Int16?.self))
                case .varchar: w.text(raw.load(fromByteOffset: slot.offset, as: String.self), maxCharacters: slot.width)
                case .bytea: w.bytes(raw.load(fromByteOffset: slot.offset, as: [UInt8].self))
                case .jsonb: w.json(raw.load(fromByteOffset: slot.offset, as: String.self))
                }
            }
        }
    }

    private func writeByKeyPath<W: RowFieldWriter>(to w: inout W) {
        for column in Self.columns {
            switch column.value {
            case .timestamp(let path), .timestampWithZone(let path): w.timestamp(self[keyPath: path])
            case .bigint(let path): w.int64(self[keyPath: path])
            case .integer(let path): w.int32(self[keyPath: path])
            case .smallintOrNull(let path): w.int16OrNull(self[keyPath: path])
            case .varchar(let path, let width): w.text(self[keyPath: path], maxCharacters: width)
            case .bytea(let path): w.bytes(self[keyPath: path])
            case .jsonb(let path): w.json(self[keyPath: path])
            }
        }
    }

    static var columnNames: [String] { columns.map(\.name) }
}
