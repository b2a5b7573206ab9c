/// PostgreSQL binary COPY (`COPY ... FROM STDIN (FORMAT binary)`): no escaping, `msg` sent as raw bytes.
struct CopyBinaryEncoder: RowFieldWriter {
    var buffer: [UInt8]

    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
    /// Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
    static let postgresEpochOffset: Int64 = 946_684_800_000_000

    init(reserving capacity: Int) {
        buffer = []
        buffer.reserveCapacity(capacity)
        buffer.append(contentsOf: Self.signature)
        append32(0)  // flags
        append32(0)  // header extension length
    }

    mutating func beginRow(columns: Int) { append16(UInt16(columns)) }

    mutating func finish() -> [UInt8] {
        append16(0xFFFF)
        return buffer
    }

    mutating func timestamp(_ microTimestamp: Int64) {
        append32(8)
        append64(UInt64(bitPattern: microTimestamp &- Self.postgresEpochOffset))
    }
    mutating func int64(_ value: Int64) { append32(8); append64(UInt64(bitPattern: value)) }
    mutating func int32(_ value: Int32) { append32(4); append32(UInt32(bitPattern: value)) }
    mutating func int16OrNull(_ value: Int16?) {
        guard let value else { append32(0xFFFF_FFFF); return }
        append32(2)
        append16(UInt16(bitPattern: value))
    }
    mutating func text(_ value: String, maxCharacters: Int?) {
        if let clipped = RowColumns.clipped(value, maxCharacters) {
            let s = String(String.UnicodeScalarView(clipped))
            append32(UInt32(s.utf8.count))
            buffer.append(contentsOf: s.utf8)
        } else {
            append32(UInt32(value.utf8.count))
            buffer.append(contentsOf: value.utf8)
        }
    }
    mutating func bytes(_ value: [UInt8]) {
        append32(UInt32(value.count))
        buffer.append(contentsOf: value)
    }
    mutating func json(_ value: String) {
        append32(UInt32(value.utf8.count + 1))
        buffer.append(1)  // jsonb binary format version
        buffer.append(contentsOf: value.utf8)
    }

    @inline(__always) mutating func append16(_ v: UInt16) {
        buffer.append(UInt8(truncatingIfNeeded: v >> 8)); buffer.append(UInt8(truncatingIfNeeded: v))
    }
    @inline(__always) mutating func append32(_ v: UInt32) {
        append16(UInt16(truncatingIfNeeded: v >> 16)); append16(UInt16(truncatingIfNeeded: v))
    }
    @inline(__always) mutating func append64(_ v: UInt64) {
        append32(UInt32(truncatingIfNeeded: v >> 32)); append32(UInt32(truncatingIfNeeded: v))
    }

    /// One COPY payload for a batch.
    static func encode(_ rows: [StoreRow], family: RowFamily) -> [UInt8] {
        encode(rows, records: [], family: family).payload
    }
}

/// The binary COPY stream capd sends for these rows (one family); exposed for `capd-bench store`, which
/// compares the server's cost of parsing it with the cost of parsing text COPY.
public func postgresBinaryCopyPayload(_ rows: [StoreRow]) -> [UInt8] {
    CopyBinaryEncoder.encode(rows, family: rows.first?.family ?? .sipCapture)
}
