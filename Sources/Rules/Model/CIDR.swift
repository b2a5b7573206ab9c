import HEP

/// An address prefix; a plain address is a prefix of full length.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let ip = IPAddress(String(first)) else { return nil }
        var length = ip.bitCount
        if parts.count == 2 {
            guard parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let l = Int(parts[1]),
                  l >= 0, l <= ip.bitCount else { return nil }
            length = l
        }
        self.init(address: ip, prefixLength: length)
    }

    public init(address: IPAddress, prefixLength: Int) {
        // Clear host bits so equal networks compare equal.
        if !address.isIPv6 {
            let low = prefixLength == 0 ? 0 : address.low & (UInt64(UInt32.max) << UInt64(32 - prefixLength)) & 0xffff_ffff
            self.address = IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
        } else if prefixLength <= 64 {
            let high = prefixLength == 0 ? 0 : address.high & (UInt64.max << UInt64(64 - prefixLength))
            self.address = IPAddress(ipv6High: high, low: 0)
        } else if prefixLength < address.bitCount {
            self.address = IPAddress(ipv6High: address.high, low: address.low & (UInt64.max << UInt64(128 - prefixLength)))
        } else {
            self.address = address
        }
        self.prefixLength = prefixLength
    }

    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.isIPv6 == address.isIPv6 else { return false }
        return CIDR(address: ip, prefixLength: prefixLength).address == address
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// Bit access for the CIDR trie.
extension IPAddress {
    @inlinable var bitCount: Int { isIPv6 ? 128 : 32 }

    /// Bit `i` counted from the most significant bit.
    @inlinable func bit(_ i: Int) -> Int {
        if !isIPv6 { return Int((low >> UInt64(31 - i)) & 1) }
        return i < 64 ? Int((high >> UInt64(63 - i)) & 1) : Int((low >> UInt64(127 - i)) & 1)
    }
}
