/// The tail of the store's in-memory queue: rows kept as spool records (`SpoolCodec`) in large chunks instead of
/// as `StoreRow` values.
///
/// A homer5 `StoreRow` holds a dozen separately allocated strings and its message bytes beside a 632-byte value:
/// ~1.9 KB for a 451-byte INVITE, ~1.05 KB as a record. In a chunk the records sit back to back, so a backlog of
/// tens of thousands of rows is a few dozen allocations of ~1 MB that go back to the system as a whole when
/// they are taken, instead of hundreds of thousands of small ones that fragment the heap. Rows are only packed
/// while a backlog exists (the head of the queue is full), so the path without one is unchanged.
///
/// Chunks are appended at the end and taken whole from the front, in order.
struct PackedRows: Sendable {
    /// One chunk: records, each a 4-byte little-endian length and a spool record.
    struct Chunk: Sendable {
        var bytes: [UInt8] = []
        var count = 0

        /// The chunk's records (without their lengths), in order. Records are framed as in an inflated spool
        /// block; a last record cut short (never written so) is returned cut, so that it fails to decode.
        var records: [ArraySlice<UInt8>] {
            var records: [ArraySlice<UInt8>] = []
            records.reserveCapacity(count)
            var index = 0
            while let length = SpoolSegmentFormat.readUInt32(bytes, at: index) {
                records.append(bytes[(index + 4)..<min(index + 4 + length, bytes.count)])
                index += 4 + length
            }
            return records
        }

        /// The chunk's rows in order; `undecodable` counts records that did not decode (a codec bug: they are
        /// counted as store errors, never silently skipped).
        func decoded() -> (rows: [StoreRow], undecodable: Int) {
            let rows = records.compactMap { SpoolCodec.decode($0) }
            return (rows, count - rows.count)
        }
    }

    /// A chunk is closed once it holds this many bytes (~1 000 homer5 rows).
    static let chunkBytes = 1 << 20

    private var chunks: [Chunk] = []
    private(set) var count = 0
    /// Bytes held by the records (the memory a backlog costs).
    private(set) var bytes = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ row: StoreRow) {
        if chunks.isEmpty || chunks[chunks.count - 1].bytes.count >= Self.chunkBytes {
            var chunk = Chunk()
            chunk.bytes.reserveCapacity(Self.chunkBytes + 16 * 1024)
            chunks.append(chunk)
        }
        let last = chunks.count - 1
        let before = chunks[last].bytes.count
        SpoolSegmentFormat.appendUInt32(0, to: &chunks[last].bytes)  // the length, filled in below
        SpoolCodec.encode(row, into: &chunks[last].bytes)
        let length = chunks[last].bytes.count - before - 4
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: length).littleEndian) { length in
            chunks[last].bytes.replaceSubrange(before..<(before + 4), with: length)
        }
        chunks[last].count += 1
        count += 1
        bytes += length + 4
    }

    /// Removes and returns the oldest chunk (cheap: no record is copied or decoded here).
    mutating func takeFirstChunk() -> Chunk? {
        guard !chunks.isEmpty else { return nil }
        let chunk = chunks.removeFirst()
        count -= chunk.count
        bytes -= chunk.bytes.count
        return chunk
    }

    /// Every record (without its length), stably grouped by destination — family and table template, read
    /// from the record's header without decoding it — each group where its first record was, as
    /// `StoreRow.groupedByDestination` orders rows.
    func recordsGroupedByDestination() -> [ArraySlice<UInt8>] {
        var order: [ArraySlice<UInt8>] = []
        var groups: [ArraySlice<UInt8>: [ArraySlice<UInt8>]] = [:]
        for chunk in chunks {
            for record in chunk.records {
                let key = Self.destinationKey(record)
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(record)
            }
        }
        if order.count == 1 { return groups[order[0]] ?? [] }
        return order.flatMap { groups[$0] ?? [] }
    }

    /// The kind byte and the length-prefixed table template that open a record (the whole record when its
    /// header does not read).
    private static func destinationKey(_ record: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var r = SpoolRecordReader(bytes: record)
        guard let header = r.rowHeader() else { return record }
        return record[..<header.template.endIndex]
    }

    /// Every row, decoded, in order, without removing them (the value is a copy).
    func decodedRows() -> (rows: [StoreRow], undecodable: Int) {
        var rows: [StoreRow] = []
        rows.reserveCapacity(count)
        var undecodable = 0
        for chunk in chunks {
            let part = chunk.decoded()
            rows += part.rows
            undecodable += part.undecodable
        }
        return (rows, undecodable)
    }
}
