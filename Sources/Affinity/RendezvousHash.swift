/// Rendezvous (highest-random-weight) hashing: the owner of a key is the member with the highest score
/// `mix(key ⊕ seed(member))`. One member leaving moves only the keys it owned (each to its own runner-up);
/// one joining takes only the keys it now scores highest on, about 1/N of them. Relay groups and the sharded
/// store use this one function, so a call is owned the same way on every capd process.
///
/// Stable across processes and restarts (FNV-1a and SplitMix64, no per-process seed): `Hasher` would not do.
public enum RendezvousHash {
    /// 64-bit FNV-1a of the key's bytes.
    @inlinable
    public static func keyHash<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// SplitMix64's finaliser: every input bit flips about half the output bits.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A member's seed from its stable name (a URL): the order members are listed in does not matter.
    public static func memberSeed(_ name: String) -> UInt64 {
        mix(keyHash(name.utf8))
    }

    @inlinable
    public static func score(key: UInt64, seed: UInt64) -> UInt64 {
        mix(key ^ seed)
    }

    /// Index of the owning member among those `eligible` admits; nil when none is eligible.
    @inlinable
    public static func owner(key: UInt64, seeds: [UInt64], eligible: (Int) -> Bool = { _ in true }) -> Int? {
        var best: Int?
        var bestScore: UInt64 = 0
        for index in seeds.indices where eligible(index) {
            let s = score(key: key, seed: seeds[index])
            // Ties (astronomically rare) go to the lower seed so that every process agrees.
            if best == nil || s > bestScore || (s == bestScore && seeds[index] < seeds[best!]) {
                best = index
                bestScore = s
            }
        }
        return best
    }
}
