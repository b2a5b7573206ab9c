import Synchronization

/// The `dedup` action: remembers a hash of each payload for a window and reports repeats. Bounded:
/// when the table is full, entries past their window are pruned, and if that frees nothing the oldest
/// half is dropped (a repeat may then be stored twice, never a new payload lost).
final class Deduplicator: Sendable {
    private struct State {
        var expiry: [UInt64: Int64] = [:]
    }
    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 1 << 20) {
        self.capacity = capacity
    }

    /// True the first time `payload` is seen within `windowMilliseconds` of `nowMicroseconds`.
    func isFirst(_ payload: ArraySlice<UInt8>, windowMilliseconds: Int, nowMicroseconds: Int64) -> Bool {
        let key = Self.hash(payload)
        let until = nowMicroseconds + Int64(windowMilliseconds) * 1_000
        return state.withLock { s in
            if let seenUntil = s.expiry[key], seenUntil > nowMicroseconds { return false }
            if s.expiry.count >= capacity {
                s.expiry = s.expiry.filter { $0.value > nowMicroseconds }
                if s.expiry.count >= capacity {
                    let cut = s.expiry.values.sorted()[s.expiry.count / 2]
                    s.expiry = s.expiry.filter { $0.value > cut }
                }
            }
            s.expiry[key] = until
            return true
        }
    }

    /// FNV-1a, 64 bit: stable, no allocation.
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return h ^ UInt64(bytes.count)
    }
}
