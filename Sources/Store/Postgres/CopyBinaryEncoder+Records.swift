/// Packed rows straight into COPY: a described spool record's values are copied into the binary COPY stream
/// as they lie in the record (strings cut to their VARCHAR width on the bytes), so that a row that waited in
/// the queue's packed tail is never rebuilt as a `StoreRow` with a dozen strings. The output is byte for byte
/// what `encode(_:family:)` makes of the decoded row (`PackedTranscodeTests`).
extension CopyBinaryEncoder: PackedFieldWriter {
    /// Appends the record as one COPY tuple; false (nothing appended) when it does not match the family's
    /// columns as this capd describes them.
    mutating func append(record: ArraySlice<UInt8>, _ columns: PackedColumns) -> Bool {
        let start = buffer.count
        beginRow(columns: columns.kinds.count)
        guard columns.write(record, to: &self) else {
            buffer.removeSubrange(start...)
            return false
        }
        return true
    }

    mutating func text(utf8: ArraySlice<UInt8>) {
        append32(UInt32(utf8.count))
        buffer.append(contentsOf: utf8)
    }

    mutating func bytes(_ value: ArraySlice<UInt8>) {
        append32(UInt32(value.count))
        buffer.append(contentsOf: value)
    }

    mutating func json(utf8: ArraySlice<UInt8>) {
        append32(UInt32(utf8.count + 1))
        buffer.append(1)  // jsonb binary format version
        buffer.append(contentsOf: utf8)
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
