/// Packed rows straight into COPY: a described spool record's values are copied into the binary COPY stream
/// as they lie in the record (strings cut to their VARCHAR width on the bytes), so that a row that waited in
/// the queue's packed tail is never rebuilt as a `StoreRow` with a dozen strings. The output is byte for byte
/// what `encode(_:family:)` makes of the decoded row (`PackedTranscodeTests`).
extension CopyBinaryEncoder {
    /// Appends the record as one COPY tuple; false (nothing appended) when it does not match the family's
    /// columns as this capd describes them.
    mutating func append(record: ArraySlice<UInt8>, _ columns: PackedColumns) -> Bool {
        let start = buffer.count
        guard appendValues(record, columns) else {
            buffer.removeSubrange(start...)
            return false
        }
        return true
    }

    private mutating func appendValues(_ record: ArraySlice<UInt8>, _ columns: PackedColumns) -> Bool {
        var r = SpoolRecordReader(bytes: record)
        guard r.byte() != nil, r.slice() != nil, r.int64() != nil, r.count() == columns.kinds.count else { return false }
        beginRow(columns: columns.kinds.count)
        for (kind, width) in zip(columns.kinds, columns.widths) {
            guard let tag = r.byte().flatMap(SpoolCodec.Tag.init(rawValue:)) else { return false }
            switch (kind, tag) {
            case (.timestamp, .int64):
                guard let v = r.int64() else { return false }
                timestamp(v)
            case (.bigint, .int64):
                guard let v = r.int64() else { return false }
                int64(v)
            case (.integer, .int32):
                guard let v = r.int32() else { return false }
                int32(v)
            case (.smallintOrNull, .int16):
                guard let v = r.int16() else { return false }
                int16OrNull(v)
            case (.smallintOrNull, .null):
                int16OrNull(nil)
            case (.varchar, .string):
                guard let v = r.slice() else { return false }
                let text = width.map { Self.prefix(v, scalars: $0) } ?? v
                append32(UInt32(text.count))
                buffer.append(contentsOf: text)
            case (.jsonb, .string):
                guard let v = r.slice() else { return false }
                append32(UInt32(v.count + 1))
                buffer.append(1)  // jsonb binary format version
                buffer.append(contentsOf: v)
            case (.bytea, .bytes):
                guard let v = r.slice() else { return false }
                append32(UInt32(v.count))
                buffer.append(contentsOf: v)
            default:
                return false
            }
        }
        return r.atEnd
    }

    /// The first `max` Unicode scalars of UTF-8 `text` (PostgreSQL counts VARCHAR width in characters).
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

    /// One COPY payload for a batch's rows and then its packed records. A record that does not transcode is
    /// decoded and encoded as a row instead; one that does not decode either is left out and counted.
    static func encode(_ rows: [StoreRow], records: [ArraySlice<UInt8>], family: RowFamily) -> (payload: [UInt8], undecodable: Int) {
        var encoder = CopyBinaryEncoder(reserving: 64 + rows.count * 1_400 + records.reduce(0) { $0 + $1.count + 200 })
        let count = RowColumns.names(family).count
        for row in rows {
            encoder.beginRow(columns: count)
            RowColumns.write(row, to: &encoder)
        }
        let columns = PackedColumns.of(family)
        var undecodable = 0
        for record in records where !encoder.append(record: record, columns) {
            if let row = SpoolCodec.decode(record), row.family == family {
                encoder.beginRow(columns: count)
                RowColumns.write(row, to: &encoder)
            } else {
                undecodable += 1
            }
        }
        return (encoder.finish(), undecodable)
    }
}
