import Foundation
import Glibc

/// Reading and committing: writer thread only.
extension Spool {
    /// Up to `maxRows` rows from the read position, each with the positions where it starts and just after it,
    /// and for the first row of a batch whose outcome was unknown when it was spooled, that batch's id and size.
    func peek(maxRows: Int) -> [SpoolItem] {
        let (closed, versions): ([UInt64], [UInt64: SpoolSegmentFormat.Version]) = files.withLock { side in
            // The reader caught up with the writing: close the current segment so that it can be read.
            if side.closed.allSatisfy({ $0 < readPosition.segment }), side.currentBytes > 0 { rotate(&side) }
            return (side.closed, side.versions)
        }
        var out: [SpoolItem] = []
        var lostBatch: (id: BatchID, rows: Int)?
        for segment in closed where segment >= readPosition.segment {
            let version = versions[segment] ?? .current
            if loaded?.segment != segment {
                loaded = (segment, (FileManager.default.contents(atPath: Self.path(directory, segment))).map { [UInt8]($0) } ?? [])
            }
            guard let bytes = loaded?.bytes else { break }
            let first = SpoolSegmentFormat.firstOffset(version)
            let from = segment == readPosition.segment ? readPosition.offset : (starts[segment] ?? first)
            let before = out.count
            if version.isBlocked {
                readBlocks(bytes, segment: segment, layout: version.recordLayout, from: from, maxRows: maxRows,
                           into: &out, lost: &lostBatch)
            } else {
                readVersionOne(bytes, segment: segment, from: from, maxRows: maxRows, into: &out, lost: &lostBatch)
            }
            if out.count >= maxRows { break }
            if out.count == before, out.isEmpty {
                // Segment exhausted with nothing read: move on.
                let next = segment + 1
                readPosition = SpoolPosition(segment: next, offset: starts[next] ?? SpoolSegmentFormat.firstOffset(versions[next] ?? .current))
            }
        }
        return out
    }

    private func readVersionOne(_ bytes: [UInt8], segment: UInt64, from: Int, maxRows: Int, into out: inout [SpoolItem],
                                lost lostBatch: inout (id: BatchID, rows: Int)?) {
        var offset = from
        while out.count < maxRows, let n = SpoolSegmentFormat.readUInt32(bytes, at: offset) {
            guard bytes.count - offset - 4 >= n else { return }  // torn tail after a crash
            let record = bytes[(offset + 4)..<(offset + 4 + n)]
            if let marker = SpoolCodec.decodeLostBatch(record) {
                lostBatch = marker
                offset += 4 + n
                continue
            }
            // A record that does not decode is a torn tail after a crash: skip the rest of the segment.
            guard let row = SpoolCodec.decode(record, layout: .fixed) else { return }
            let start = SpoolPosition(segment: segment, offset: offset)
            offset += 4 + n
            out.append(SpoolItem(row: row, start: start, end: SpoolPosition(segment: segment, offset: offset), lostBatch: lostBatch))
            lostBatch = nil
        }
    }

    /// Versions 2 and 3: deflated blocks of records.
    private func readBlocks(_ bytes: [UInt8], segment: UInt64, layout: SpoolCodec.RecordLayout, from: Int, maxRows: Int,
                            into out: inout [SpoolItem], lost lostBatch: inout (id: BatchID, rows: Int)?) {
        var block = SpoolSegmentFormat.block(of: from)
        var inner = SpoolSegmentFormat.inner(of: from)
        while out.count < maxRows, block < bytes.count {
            if inflated?.segment != segment || inflated?.block != block {
                guard let (raw, next) = SpoolSegmentFormat.inflateBlock(bytes, at: block) else { return }  // torn or damaged
                inflated = (segment, block, raw, next)
            }
            guard let (_, _, raw, next) = inflated else { return }
            guard let n = SpoolSegmentFormat.readUInt32(raw, at: inner), raw.count - inner - 4 >= n else {
                block = next
                inner = 0
                continue
            }
            let record = raw[(inner + 4)..<(inner + 4 + n)]
            let start = SpoolPosition(segment: segment, offset: SpoolSegmentFormat.position(block: block, inner: inner))
            inner += 4 + n
            if let marker = SpoolCodec.decodeLostBatch(record) {
                lostBatch = marker
                continue
            }
            guard let row = SpoolCodec.decode(record, layout: layout) else { continue }  // not written by this version: skip it
            let end = SpoolPosition(segment: segment, offset: SpoolSegmentFormat.position(block: block, inner: inner))
            out.append(SpoolItem(row: row, start: start, end: end, lostBatch: lostBatch))
            lostBatch = nil
        }
    }

    /// The writer took rows up to `position` into batches.
    func advanceRead(to position: SpoolPosition) {
        if position > readPosition { readPosition = position }
    }

    private func saveStarts() {
        let text = starts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
        let tmp = directory + "/spool.cursor.tmp"
        if (try? text.write(toFile: tmp, atomically: false, encoding: .utf8)) != nil {
            rename(tmp, directory + "/spool.cursor")
        }
    }

    /// Rows up to `position` are in the database: persist the cursor, delete finished segments.
    func commit(_ position: SpoolPosition) {
        guard position.offset > (starts[position.segment] ?? Int.min) else { return }
        starts[position.segment] = position.offset
        for key in starts.keys where key < position.segment { starts[key] = nil }
        var freed = 0
        files.withLock { side in
            var keep: [UInt64] = []
            for seg in side.closed {
                let end = side.closedEnd[seg] ?? 0
                if seg < position.segment || (seg == position.segment && position.offset >= end) {
                    unlink(Self.path(directory, seg))
                    freed += side.closedBytes[seg] ?? 0
                    side.closedBytes[seg] = nil
                    side.closedEnd[seg] = nil
                    side.versions[seg] = nil
                    if loaded?.segment == seg { loaded = nil }
                    if inflated?.segment == seg { inflated = nil }
                    starts[seg] = nil
                } else {
                    keep.append(seg)
                }
            }
            side.closed = keep
        }
        diskBytes.subtract(freed, ordering: .relaxed)
        saveStarts()
    }
}
