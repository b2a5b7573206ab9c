/// Open-addressing hash map from byte strings to posting ranges, looked up with a slice (no key allocation).
@usableFromInline
struct ExactMap: Sendable {
    @usableFromInline var keys: [UInt8] = []
    /// Per slot: key offset, key length, postings range; length -1 = empty.
    @usableFromInline var slots: [(hash: UInt64, offset: Int32, length: Int32, postings: Range<Int32>)]
    @usableFromInline var mask: Int
    private(set) var count = 0

    init(entries: [([UInt8], Range<Int32>)]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity <<= 1 }
        slots = Array(repeating: (0, 0, -1, 0..<0), count: capacity)
        mask = capacity - 1
        for (key, postings) in entries {
            let hash = ExactMap.hash(key[...])
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot].length >= 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash, Int32(keys.count), Int32(key.count), postings)
            keys.append(contentsOf: key)
            count += 1
        }
    }

    @inlinable
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    @inlinable
    func lookup(_ value: ArraySlice<UInt8>) -> Range<Int32>? {
        let hash = ExactMap.hash(value)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry.length < 0 { return nil }
            if entry.hash == hash && Int(entry.length) == value.count {
                let start = Int(entry.offset)
                if keys[start..<(start + Int(entry.length))].elementsEqual(value) { return entry.postings }
            }
            slot = (slot + 1) & mask
        }
    }
}
