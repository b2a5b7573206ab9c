/// An IPv4 or IPv6 address held inline (no heap storage), so decoding a packet's addresses never allocates.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// Most significant 8 bytes of an IPv6 address; 0 for IPv4.
    public let high: UInt64
    /// Least significant 8 bytes of an IPv6 address, or the IPv4 value in the low 32 bits.
    public let low: UInt64
    public let isIPv6: Bool

    /// `0.0.0.0`, the value of an address field a packet did not carry.
    public static let unspecifiedIPv4 = IPAddress(ipv4: 0)
    /// `::`.
    public static let unspecifiedIPv6 = IPAddress(ipv6High: 0, low: 0)

    /// `value` is the host-order number of `a.b.c.d` (`a` in the most significant byte).
    public init(ipv4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isIPv6 = false
    }

    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        isIPv6 = true
    }

    /// Exactly 4 bytes, most significant first.
    public init?(ipv4Bytes: some Collection<UInt8>) {
        guard ipv4Bytes.count == 4 else { return nil }
        var value: UInt32 = 0
        for byte in ipv4Bytes { value = value << 8 | UInt32(byte) }
        self.init(ipv4: value)
    }

    /// Exactly 16 bytes, most significant first.
    public init?(ipv6Bytes: some Collection<UInt8>) {
        guard ipv6Bytes.count == 16 else { return nil }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        var index = 0
        for byte in ipv6Bytes {
            if index < 8 { hi = hi << 8 | UInt64(byte) } else { lo = lo << 8 | UInt64(byte) }
            index += 1
        }
        self.init(ipv6High: hi, low: lo)
    }

    /// Parses dotted-quad IPv4 (`192.0.2.1`, no leading zeros) or IPv6 text (`2001:db8::1`, `::ffff:192.0.2.1`).
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        if utf8.contains(UInt8(ascii: ":")) {
            guard let parsed = IPAddress.parseIPv6(utf8) else { return nil }
            self = parsed
        } else {
            guard let value = IPAddress.parseIPv4(utf8[...]) else { return nil }
            self.init(ipv4: value)
        }
    }

    /// 2 (IPv4) or 10 (IPv6): the Linux `AF_*` numbers used on the HEP wire.
    public var family: UInt8 { isIPv6 ? HEPFamily.ipv6 : HEPFamily.ipv4 }

    /// The IPv4 value (host order) or nil for IPv6.
    public var ipv4Value: UInt32? { isIPv6 ? nil : UInt32(truncatingIfNeeded: low) }

    /// 4 or 16 bytes, most significant first (allocates).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        appendBytes(to: &out)
        return out
    }

    func appendBytes(to out: inout [UInt8]) {
        if isIPv6 {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        } else {
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        }
    }

    /// This address as IPv6: IPv4 becomes the IPv4-mapped form `::ffff:a.b.c.d`.
    public var asIPv6: IPAddress {
        isIPv6 ? self : IPAddress(ipv6High: 0, low: 0xFFFF_0000_0000 | low)
    }

    /// Dotted quad, or RFC 5952 text (lowercase, longest zero run of two or more groups compressed, the first
    /// one on a tie, `::ffff:a.b.c.d` for IPv4-mapped addresses).
    public var description: String {
        guard isIPv6 else { return IPAddress.formatIPv4(UInt32(truncatingIfNeeded: low)) }
        if high == 0 && low >> 32 == 0xFFFF {
            return "::ffff:" + IPAddress.formatIPv4(UInt32(truncatingIfNeeded: low))
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for index in 0..<4 {
            groups[index] = UInt16(truncatingIfNeeded: high >> UInt64(48 - 16 * index))
            groups[index + 4] = UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * index))
        }
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > bestLength { bestStart = index; bestLength = end - index }
            index = end
        }
        var text = ""
        index = 0
        while index < 8 {
            if index == bestStart {
                text += "::"
                index += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(groups[index], radix: 16)
            index += 1
        }
        return text
    }

    static func formatIPv4(_ value: UInt32) -> String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }

    static func parseIPv4(_ text: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | current
                octets += 1
                current = 0
                digits = 0
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            if digits == 0 { leadingZero = byte == UInt8(ascii: "0") } else if leadingZero { return nil }
            current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
            digits += 1
            guard current <= 255, digits <= 3 else { return nil }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | current
    }

    private static func hexValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt16(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Groups on one side of a possible "::"; the last part may be an embedded IPv4 address.
    private static func parseGroups(_ text: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        var groups: [UInt16] = []
        let parts = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part.contains(UInt8(ascii: ".")) {
                guard allowIPv4Tail, index == parts.count - 1, let v4 = parseIPv4(part) else { return nil }
                groups.append(UInt16(truncatingIfNeeded: v4 >> 16))
                groups.append(UInt16(truncatingIfNeeded: v4))
                continue
            }
            guard !part.isEmpty, part.count <= 4 else { return nil }
            var group: UInt16 = 0
            for byte in part {
                guard let nibble = hexValue(byte) else { return nil }
                group = group << 4 | nibble
            }
            groups.append(group)
        }
        return groups
    }

    static func parseIPv6(_ text: [UInt8]) -> IPAddress? {
        let colon = UInt8(ascii: ":")
        var doubleColon: Int?
        var index = 0
        while index + 1 < text.count {
            if text[index] == colon && text[index + 1] == colon {
                guard doubleColon == nil else { return nil }
                doubleColon = index
                index += 2
                continue
            }
            index += 1
        }
        var groups: [UInt16]
        if let split = doubleColon {
            guard let head = parseGroups(text[..<split], allowIPv4Tail: false),
                  let tail = parseGroups(text[(split + 2)...], allowIPv4Tail: true),
                  head.count + tail.count <= 7 else { return nil }
            groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = parseGroups(text[...], allowIPv4Tail: true), all.count == 8 else { return nil }
            groups = all
        }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for index in 0..<4 {
            hi = hi << 16 | UInt64(groups[index])
            lo = lo << 16 | UInt64(groups[index + 4])
        }
        return IPAddress(ipv6High: hi, low: lo)
    }
}

/// The IP family numbers HEP puts on the wire (Linux `AF_INET` / `AF_INET6`, whatever the host platform says).
public enum HEPFamily {
    public static let ipv4: UInt8 = 2
    public static let ipv6: UInt8 = 10
}
