/// Disjoint elementary intervals, each with the rules whose ranges cover it; binary search per lookup.
@usableFromInline
struct IntervalMap: Sendable {
    @usableFromInline var lower: [Int] = []
    @usableFromInline var upper: [Int] = []
    @usableFromInline var postings: [Range<Int32>] = []
    var segmentCount: Int { lower.count }

    /// Each range belongs to its rule; rule lists are appended to the shared postings store.
    init(ranges: [(ClosedRange<Int>, Int32)], postingsStore: inout [Int32]) {
        var points = Set<Int>()
        for (r, _) in ranges {
            points.insert(r.lowerBound)
            if r.upperBound < Int.max { points.insert(r.upperBound + 1) }
        }
        let sorted = points.sorted()
        for (i, start) in sorted.enumerated() {
            let end = i + 1 < sorted.count ? sorted[i + 1] - 1 : Int.max
            var members: [Int32] = []
            for (r, rule) in ranges where r.lowerBound <= start && r.upperBound >= end { members.append(rule) }
            if members.isEmpty { continue }
            members.sort()
            var dedup: [Int32] = []
            for m in members where dedup.last != m { dedup.append(m) }
            let begin = Int32(postingsStore.count)
            postingsStore.append(contentsOf: dedup)
            lower.append(start)
            upper.append(end)
            postings.append(begin..<Int32(postingsStore.count))
        }
    }

    @inlinable
    func lookup(_ value: Int) -> Range<Int32>? {
        var lo = 0, hi = lower.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if lower[mid] <= value { lo = mid + 1 } else { hi = mid }
        }
        let i = lo - 1
        guard i >= 0, value <= upper[i] else { return nil }
        return postings[i]
    }
}
