/// Binary form of a row in the spool (and in dead-letter records).
///
/// Segments of format version 3 hold described records: a kind byte (the row family), the table template,
/// the receive time, the number of columns, then each column of the family's description (`DescribedRow.columns`)
/// in order as a type tag and a value. A record written before columns were appended to a family decodes with
/// the new columns at their defaults; a column whose type tag does not match makes the record undecodable.
/// Segments of versions 1 and 2 hold fixed-layout records (`SpoolCodec+FixedLayout.swift`), still read.
enum SpoolCodec {
    /// How the records of a segment are laid out, from the segment's format version.
    enum RecordLayout: Sendable { case fixed, described }

    enum Kind: UInt8 {
        case sip = 1, report = 2, homerSeven = 3, lostBatch = 4
    }

    enum Tag: UInt8 {
        case int64 = 1, int32 = 2, int16 = 3, null = 4, string = 5, bytes = 6
    }

    static func encode(_ row: StoreRow, into out: inout [UInt8]) {
        var w = SpoolRecordWriter(out: out)
        out = []
        switch row {
        case .sip(let r): encode(r, kind: .sip, to: &w)
        case .report(let r): encode(r, kind: .report, to: &w)
        case .homerSeven(let r): encode(r, kind: .homerSeven, to: &w)
        }
        out = w.out
    }

    static func decode(_ bytes: ArraySlice<UInt8>, layout: RecordLayout = .described) -> StoreRow? {
        if layout == .fixed { return decodeFixed(bytes) }
        var r = SpoolRecordReader(bytes: bytes)
        guard let header = r.rowHeader(), let kind = Kind(rawValue: header.kind) else { return nil }
        let table = String(decoding: header.template, as: UTF8.self)
        let (receive, count) = (header.receiveMicroTimestamp, header.columns)
        switch kind {
        case .sip: return decode(SIPCaptureRow.self, table, receive, count, &r).map(StoreRow.sip)
        case .report: return decode(ReportRow.self, table, receive, count, &r).map(StoreRow.report)
        case .homerSeven: return decode(HomerSevenRow.self, table, receive, count, &r).map(StoreRow.homerSeven)
        case .lostBatch: return nil
        }
    }

    private static func encode<Row: DescribedRow>(_ row: Row, kind: Kind, to w: inout SpoolRecordWriter) {
        w.byte(kind.rawValue)
        w.string(row.table)
        w.int64(row.receiveMicroTimestamp)
        w.length(Row.columns.count)
        // The values in column order, read in place (the same walk as `DescribedRow.write`).
        var values = SpoolValueWriter(w: w)
        w = SpoolRecordWriter(out: [])
        row.write(to: &values)
        w = values.w
    }

    private static func decode<Row: DescribedRow>(_: Row.Type, _ table: String, _ receive: Int64, _ count: Int,
                                                  _ r: inout SpoolRecordReader) -> Row? {
        var row = Row(table: table, receiveMicroTimestamp: receive)
        let columns = Row.columns
        for index in 0..<count {
            guard let tag = r.byte().flatMap(Tag.init(rawValue:)) else { return nil }
            // Columns beyond this version's description (written by a newer capd) are read past.
            guard index < columns.count else {
                guard r.skip(tag) else { return nil }
                continue
            }
            switch (columns[index].value, tag) {
            case (.timestamp(let path), .int64), (.timestampWithZone(let path), .int64), (.bigint(let path), .int64):
                guard let v = r.int64() else { return nil }
                row[keyPath: path] = v
            case (.integer(let path), .int32):
                guard let v = r.int32() else { return nil }
                row[keyPath: path] = v
            case (.smallintOrNull(let path), .int16):
                guard let v = r.int16() else { return nil }
                row[keyPath: path] = v
            case (.smallintOrNull(let path), .null):
                row[keyPath: path] = nil
            case (.varchar(let path, _), .string), (.jsonb(let path), .string):
                guard let v = r.string() else { return nil }
                row[keyPath: path] = v
            case (.bytea(let path), .bytes):
                guard let v = r.blob() else { return nil }
                row[keyPath: path] = v
            default:
                return nil  // the column changed type since the record was written
            }
        }
        return r.atEnd ? row : nil
    }

    /// A record saying "the next `rows` rows were sent as batch `id` and its outcome is unknown" (written at
    /// shutdown with the database down, so that the next start looks the batch up instead of writing it twice).
    /// The same in every record layout.
    static func encodeLostBatch(_ id: BatchID, rows: Int, into out: inout [UInt8]) {
        var w = SpoolRecordWriter(out: out)
        w.byte(Kind.lostBatch.rawValue)
        w.int64(Int64(bitPattern: id.high))
        w.int64(Int64(bitPattern: id.low))
        w.int64(Int64(rows))
        out = w.out
    }

    static func decodeLostBatch(_ bytes: ArraySlice<UInt8>) -> (id: BatchID, rows: Int)? {
        var r = SpoolRecordReader(bytes: bytes)
        guard r.byte() == Kind.lostBatch.rawValue, let high = r.int64(), let low = r.int64(), let rows = r.int64(), r.atEnd,
              rows > 0, rows <= Int64(Int32.max)
        else { return nil }
        return (BatchID(high: UInt64(bitPattern: high), low: UInt64(bitPattern: low)), Int(rows))
    }
}

/// Encodes each row as a spool record and returns the total record bytes; exposed for `capd-bench store`,
/// which times the spool's per-row encoding.
public func spoolRecordBytes(_ rows: [StoreRow]) -> Int {
    var record: [UInt8] = []
    var total = 0
    for row in rows {
        record.removeAll(keepingCapacity: true)
        SpoolCodec.encode(row, into: &record)
        total += record.count
    }
    return total
}

/// Tags and writes each column value of a described record.
struct SpoolValueWriter: RowFieldWriter {
    var w: SpoolRecordWriter

    mutating func timestamp(_ microTimestamp: Int64) { int64(microTimestamp) }
    mutating func int64(_ value: Int64) { w.byte(SpoolCodec.Tag.int64.rawValue); w.int64(value) }
    mutating func int32(_ value: Int32) { w.byte(SpoolCodec.Tag.int32.rawValue); w.int32(value) }
    mutating func int16OrNull(_ value: Int16?) {
        if let value {
            w.byte(SpoolCodec.Tag.int16.rawValue); w.int16(value)
        } else {
            w.byte(SpoolCodec.Tag.null.rawValue)
        }
    }
    /// Whole: the spool keeps what the row holds, the width applies when the row is written to the table.
    mutating func text(_ value: String, maxCharacters: Int?) { w.byte(SpoolCodec.Tag.string.rawValue); w.string(value) }
    mutating func bytes(_ value: [UInt8]) { w.byte(SpoolCodec.Tag.bytes.rawValue); w.bytes(value) }
    mutating func json(_ value: String) { text(value, maxCharacters: nil) }
}
