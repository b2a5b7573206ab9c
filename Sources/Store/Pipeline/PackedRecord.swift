/// A row packed in the queue's tail (a described spool record), as the writer stages it: what forming a batch
/// needs — family, table template, date and receive time — read from the record's header and date column
/// without decoding the rest. The record then goes into the COPY payload or the SQLite INSERT as it is
/// (`PackedColumns.write`), so a row that waited in a backlog costs no strings on the way out.
struct PackedRecord: Sendable {
    let bytes: ArraySlice<UInt8>
    let family: RowFamily
    let template: String
    let receiveMicroTimestamp: Int64
    let dateMicroTimestamp: Int64

    var namingMicroTimestamp: Int64 {
        StoreRow.namingMicroTimestamp(capture: dateMicroTimestamp, receive: receiveMicroTimestamp)
    }

    /// Reads the header; nil when the record is not a described row record (it will not decode either).
    /// `templates` keeps the last template's string, so that records of one table share it.
    init?(_ bytes: ArraySlice<UInt8>, templates: inout TemplateCache) {
        var r = SpoolRecordReader(bytes: bytes)
        guard let header = r.rowHeader(), let family = SpoolCodec.Kind(rawValue: header.kind)?.family else { return nil }
        let columns = PackedColumns.of(family)
        guard header.columns == columns.kinds.count else { return nil }
        for _ in 0..<columns.dateColumn {
            guard let tag = r.byte().flatMap(SpoolCodec.Tag.init(rawValue:)), r.skip(tag) else { return nil }
        }
        guard r.byte() == SpoolCodec.Tag.int64.rawValue, let date = r.int64() else { return nil }
        self.bytes = bytes
        self.family = family
        self.template = templates.string(for: header.template)
        self.receiveMicroTimestamp = header.receiveMicroTimestamp
        self.dateMicroTimestamp = date
    }

    /// The record as a row (the rare paths: dead-letter, split, spool on an outage).
    var decoded: StoreRow? { SpoolCodec.decode(bytes) }

    /// The last table template read, as a string.
    struct TemplateCache {
        private var bytes: ArraySlice<UInt8> = []
        private var string = ""

        mutating func string(for template: ArraySlice<UInt8>) -> String {
            if !template.elementsEqual(bytes) {
                bytes = template
                string = String(decoding: template, as: UTF8.self)
            }
            return string
        }
    }
}

/// The columns of a family as the record transcoder reads them: kinds and VARCHAR widths in order, and which
/// column holds the row's date (`date`, HOMER 7 `create_date`).
struct PackedColumns: Sendable {
    let kinds: [ColumnSlot.Kind]
    let widths: [Int?]
    let dateColumn: Int

    init<Row: DescribedRow>(_: Row.Type, date: WritableKeyPath<Row, Int64>) {
        kinds = Row.columns.map(\.value.slotKind)
        widths = Row.columns.map(\.value.width)
        dateColumn = Row.columns.firstIndex { $0.value.slotKind == .timestamp && $0.value.keyPath == date } ?? 0
    }

    static let sip = PackedColumns(SIPCaptureRow.self, date: \.microTimestamp)
    static let report = PackedColumns(ReportRow.self, date: \.microTimestamp)
    static let homerSeven = PackedColumns(HomerSevenRow.self, date: \.createDate)

    static func of(_ family: RowFamily) -> PackedColumns {
        switch family {
        case .sipCapture: sip
        case .report: report
        case .homerSeven: homerSeven
        }
    }
}

/// Receives a packed record's column values in table order as they lie in the record: numbers decoded, text and
/// bytes as slices of the record (text already cut to its VARCHAR width). Implemented by the COPY encoder and
/// the SQLite binder, next to `RowFieldWriter` for rows as values.
protocol PackedFieldWriter: RowFieldWriter {
    mutating func text(utf8: ArraySlice<UInt8>)
    mutating func bytes(_ value: ArraySlice<UInt8>)
    mutating func json(utf8: ArraySlice<UInt8>)
}

extension PackedColumns {
    /// Writes every column value of `record` (a described record of this family) in table order; false when
    /// the record does not match the columns as this capd describes them (a writer may then have received
    /// some of the values: it discards them).
    func write<W: PackedFieldWriter>(_ record: ArraySlice<UInt8>, to w: inout W) -> Bool {
        var r = SpoolRecordReader(bytes: record)
        guard r.rowHeader()?.columns == kinds.count else { return false }
        for (kind, width) in zip(kinds, widths) {
            guard let tag = r.byte().flatMap(SpoolCodec.Tag.init(rawValue:)) else { return false }
            switch (kind, tag) {
            case (.timestamp, .int64):
                guard let v = r.int64() else { return false }
                w.timestamp(v)
            case (.bigint, .int64):
                guard let v = r.int64() else { return false }
                w.int64(v)
            case (.integer, .int32):
                guard let v = r.int32() else { return false }
                w.int32(v)
            case (.smallintOrNull, .int16):
                guard let v = r.int16() else { return false }
                w.int16OrNull(v)
            case (.smallintOrNull, .null):
                w.int16OrNull(nil)
            case (.varchar, .string):
                guard let v = r.slice() else { return false }
                w.text(utf8: width.map { Self.prefix(v, scalars: $0) } ?? v)
            case (.jsonb, .string):
                guard let v = r.slice() else { return false }
                w.json(utf8: v)
            case (.bytea, .bytes):
                guard let v = r.slice() else { return false }
                w.bytes(v)
            default:
                return false
            }
        }
        return r.atEnd
    }

    /// The first `max` Unicode scalars of UTF-8 `text` (PostgreSQL counts VARCHAR width in characters; the row
    /// path cuts the same way, `RowColumns.clipped`).
    @inline(__always)
    static func prefix(_ text: ArraySlice<UInt8>, scalars max: Int) -> ArraySlice<UInt8> {
        guard text.count > max else { return text }
        var seen = 0
        for index in text.indices where text[index] & 0xC0 != 0x80 {
            if seen == max { return text[..<index] }
            seen += 1
        }
        return text
    }
}

extension SpoolCodec.Kind {
    var family: RowFamily? {
        switch self {
        case .sip: .sipCapture
        case .report: .report
        case .homerSeven: .homerSeven
        case .lostBatch: nil
        }
    }
}
