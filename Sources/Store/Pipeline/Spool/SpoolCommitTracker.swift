/// Spool batches taken but not yet finished, in spool order. Replay batches run on several connections and
/// may finish in any order; the spool cursor may only move over the longest prefix of finished ones, or a
/// crash would lose the rows of a batch still in flight behind it.
struct SpoolCommitTracker {
    private struct Entry {
        var end: SpoolPosition
        /// Pieces still to finish: 1, plus one per split of a rejected batch.
        var open: Int
    }

    private var entries: [Entry] = []
    private var head = 0

    var outstanding: Int { entries.count - head }

    /// A batch ending at `end` was read from the spool (reads are in spool order).
    mutating func taken(_ end: SpoolPosition) {
        entries.append(Entry(end: end, open: 1))
    }

    /// A batch ending at `end` was split in two: both halves carry `end` and must finish.
    mutating func split(_ end: SpoolPosition) {
        if let i = index(of: end) { entries[i].open += 1 }
    }

    /// A piece of the batch ending at `end` is committed (or dead-lettered). Returns how far the cursor may
    /// now move, if at all.
    mutating func finished(_ end: SpoolPosition) -> SpoolPosition? {
        guard let i = index(of: end) else { return nil }
        entries[i].open -= 1
        var cursor: SpoolPosition?
        while head < entries.count, entries[head].open <= 0 {
            cursor = entries[head].end
            head += 1
        }
        if head > 64, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return cursor
    }

    private func index(of end: SpoolPosition) -> Int? {
        var i = head
        while i < entries.count {
            if entries[i].end == end { return i }
            i += 1
        }
        return nil
    }
}
