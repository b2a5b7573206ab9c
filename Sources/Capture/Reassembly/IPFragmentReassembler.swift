import HEP

/// Bounds for IP fragment reassembly.
public struct FragmentLimits: Sendable {
    /// Largest reassembled payload accepted (IPv4 cannot exceed 65 515).
    public var maxDatagramSize = 65_535
    /// Datagrams being reassembled at once.
    public var maxDatagrams = 1_024
    /// Bytes held across all datagrams being reassembled.
    public var maxTotalBytes = 8 * 1_024 * 1_024
    /// A datagram whose fragments do not all arrive within this many seconds (capture time) is dropped.
    public var timeoutSeconds = 30

    public init() {}
}

/// Reassembles IPv4 and IPv6 fragments into the upper-layer payload, within `FragmentLimits`.
struct IPFragmentReassembler {
    struct Key: Hashable {
        var source: IPAddress
        var destination: IPAddress
        var identification: UInt32
        var ipProtocol: UInt8
    }

    private struct Pending {
        var pieces: [(offset: Int, bytes: [UInt8])] = []
        var totalLength: Int?
        var heldBytes = 0
        var firstSeen: Int
        var fragmentCount = 0
    }

    let limits: FragmentLimits
    private var pending: [Key: Pending] = [:]
    private var heldBytes = 0
    private var lastSweep = Int.min

    init(limits: FragmentLimits) { self.limits = limits }

    var datagramsInProgress: Int { pending.count }

    /// Adds one fragment; returns the whole payload once every piece is present.
    mutating func add(
        key: Key, fragment: FragmentInfo, data: UnsafeRawBufferPointer, now: Int, stats: inout FragmentStats
    ) -> [UInt8]? {
        stats.received += 1
        expire(now: now, stats: &stats)
        let end = fragment.offset + data.count
        guard end <= limits.maxDatagramSize else {
            stats.droppedInvalid += 1
            return nil
        }
        // Every fragment but the last carries a multiple of 8 bytes.
        if fragment.moreFragments && data.count % 8 != 0 {
            stats.droppedInvalid += 1
            return nil
        }
        var entry: Pending
        if let existing = pending[key] {
            entry = existing
        } else {
            guard pending.count < limits.maxDatagrams else {
                stats.droppedOverLimit += 1
                return nil
            }
            entry = Pending(firstSeen: now)
        }
        guard heldBytes + data.count <= limits.maxTotalBytes else {
            stats.droppedOverLimit += 1
            return nil
        }
        if !fragment.moreFragments {
            if let total = entry.totalLength, total != end {
                drop(key, entry, stats: &stats)
                return nil
            }
            entry.totalLength = end
        }
        entry.pieces.append((fragment.offset, Array(data)))
        entry.heldBytes += data.count
        entry.fragmentCount += 1
        heldBytes += data.count
        guard entry.fragmentCount <= 256 else {
            drop(key, entry, stats: &stats)
            return nil
        }
        if let total = entry.totalLength, let whole = Self.assemble(entry.pieces, total: total) {
            heldBytes -= entry.heldBytes
            pending[key] = nil
            stats.reassembled += 1
            return whole
        }
        pending[key] = entry
        return nil
    }

    private mutating func drop(_ key: Key, _ entry: Pending, stats: inout FragmentStats) {
        heldBytes -= entry.heldBytes
        pending[key] = nil
        stats.droppedInvalid += 1
    }

    /// Drops datagrams older than the timeout (checked at most once per capture second).
    mutating func expire(now: Int, stats: inout FragmentStats) {
        guard now != lastSweep, !pending.isEmpty else { return }
        lastSweep = now
        for (key, entry) in pending where now - entry.firstSeen > limits.timeoutSeconds {
            heldBytes -= entry.heldBytes
            pending[key] = nil
            stats.timedOut += 1
        }
    }

    /// The payload if the pieces cover 0..<total without holes (overlaps: later bytes win).
    private static func assemble(_ pieces: [(offset: Int, bytes: [UInt8])], total: Int) -> [UInt8]? {
        let sorted = pieces.sorted { $0.offset < $1.offset }
        var covered = 0
        for piece in sorted {
            if piece.offset > covered { return nil }
            covered = max(covered, piece.offset + piece.bytes.count)
        }
        guard covered >= total else { return nil }
        var whole = [UInt8](repeating: 0, count: total)
        for piece in pieces {
            let end = min(total, piece.offset + piece.bytes.count)
            guard piece.offset < end else { continue }
            whole.replaceSubrange(piece.offset..<end, with: piece.bytes.prefix(end - piece.offset))
        }
        return whole
    }
}
