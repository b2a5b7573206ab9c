import HEP

/// A bounded set of prebuilt HEP datagrams that stands in for an arbitrarily long stream of distinct ones:
/// every datagram carries its message number as a fixed-width decimal token (in Call-ID, tags, branch and
/// X-Trace), and `prepare(sequence:)` rewrites that token in place before the datagram is sent. Memory stays
/// at `size` datagrams however long a sustained run is, while every message still has its own Call-ID.
struct BlastPool {
    static let digits = 10
    private(set) var packets: [[UInt8]]
    /// Where the digits of the sequence token start, per pooled datagram.
    private let tokenOffsets: [[Int]]

    struct BuildError: Error, CustomStringConvertible { var description: String }

    init(size: Int, seed: UInt64, version: HEPVersion, timestampSeconds: UInt32) throws {
        var traffic = SIPTraffic(seed: seed, sequenceDigits: BlastPool.digits)
        var packets: [[UInt8]] = []
        var offsets: [[Int]] = []
        packets.reserveCapacity(size)
        offsets.reserveCapacity(size)
        for slot in 0..<size {
            let n = UInt64(slot + 1)
            let bytes = try traffic.next().hepDatagram(version: version, seconds: timestampSeconds,
                                                       microseconds: UInt32(slot % 1_000_000))
            let token = Array(SIPTraffic.callToken(seed: seed, sequence: n, digits: BlastPool.digits).utf8)
            let found = BlastPool.occurrences(of: token, in: bytes).map { $0 + token.count - BlastPool.digits }
            guard !found.isEmpty else { throw BuildError(description: "sequence token missing in pooled message \(n)") }
            packets.append(bytes)
            offsets.append(found)
        }
        self.packets = packets
        self.tokenOffsets = offsets
    }

    var count: Int { packets.count }

    /// Writes message number `sequence` (1-based) into the pooled datagram it maps to; returns its slot.
    @discardableResult
    mutating func prepare(sequence: Int) -> Int {
        let slot = (sequence - 1) % packets.count
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: BlastPool.digits)
        var value = sequence
        var i = BlastPool.digits - 1
        while value > 0 && i >= 0 {
            digits[i] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
            i -= 1
        }
        for offset in tokenOffsets[slot] {
            for d in 0..<BlastPool.digits { packets[slot][offset + d] = digits[d] }
        }
        return slot
    }

    static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return [] }
        var found: [Int] = []
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) {
                found.append(i)
                i += needle.count
            } else {
                i += 1
            }
        }
        return found
    }
}
