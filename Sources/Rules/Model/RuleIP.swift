/// An IPv4 or IPv6 address as two 64-bit halves (IPv4 lives in the low 32 bits of `low`).
/// Local to Rules so evaluation does not depend on HEP's packet types; the daemon converts.
public struct RuleIP: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

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
    /// 4 or 16 bytes, most significant first.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            self.init(ipv4: bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        case 16:
            var h: UInt64 = 0, l: UInt64 = 0
            for (i, b) in bytes.enumerated() {
                if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
            }
            self.init(ipv6High: h, low: l)
        default:
            return nil
        }
    }

    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let parsed = RuleIP.parseIPv6(Substring(text)) else { return nil }
            self = parsed
        } else {
            guard let v = RuleIP.parseIPv4(Substring(text)) else { return nil }
            self.init(ipv4: v)
        }
    }

    public var bitCount: Int { isIPv6 ? 128 : 32 }

    /// Bit `i` counted from the most significant bit.
    @inlinable func bit(_ i: Int) -> Int {
        if !isIPv6 { return Int((low >> UInt64(31 - i)) & 1) }
        return i < 64 ? Int((high >> UInt64(63 - i)) & 1) : Int((low >> UInt64(127 - i)) & 1)
    }

    public var description: String {
        if !isIPv6 {
            return [24, 16, 8, 0].map { String((low >> UInt64($0)) & 0xff) }.joined(separator: ".")
        }
        let groups = (0..<8).map { i -> UInt16 in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (i % 4)))
        }
        // RFC 5952: compress the longest run (length >= 2) of zero groups.
        var bestStart = -1, bestLength = 1, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength { bestStart = i; bestLength = j - i }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func parseIPv6(_ text: Substring) -> RuleIP? {
        var groups: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var halves: [String] = [String(text)]
        if let gap = text.firstRange(of: "::") {
            halves = [String(text[..<gap.lowerBound]), String(text[gap.upperBound...])]
            if halves[1].contains("::") { return nil }
        }
        func parse(_ s: String, allowV4: Bool) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let pieces = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1 && allowV4 && piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xffff))
                } else {
                    guard !piece.isEmpty, piece.count <= 4, let g = UInt16(piece, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        if halves.count == 2 {
            sawGap = true
            guard let a = parse(halves[0], allowV4: false), let b = parse(halves[1], allowV4: true) else { return nil }
            groups = a
            tail = b
            guard groups.count + tail.count <= 7 else { return nil }
        } else {
            guard let a = parse(halves[0], allowV4: true), a.count == 8 else { return nil }
            groups = a
        }
        if sawGap { groups += Array(repeating: 0, count: 8 - groups.count - tail.count) + tail }
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, g) in groups.enumerated() {
            if i < 4 { h = h << 16 | UInt64(g) } else { l = l << 16 | UInt64(g) }
        }
        return RuleIP(ipv6High: h, low: l)
    }
}

/// An address prefix; a plain address is a prefix of full length.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public var address: RuleIP
    public var prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let ip = RuleIP(parts[0]) else { return nil }
        var length = ip.bitCount
        if parts.count == 2 {
            guard parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let l = Int(parts[1]),
                  l >= 0, l <= ip.bitCount else { return nil }
            length = l
        }
        self.init(address: ip, prefixLength: length)
    }

    public init(address: RuleIP, prefixLength: Int) {
        // Clear host bits so equal networks compare equal.
        var a = address
        let bits = address.bitCount
        if !a.isIPv6 {
            a.low = prefixLength == 0 ? 0 : a.low & (UInt64(UInt32.max) << UInt64(32 - prefixLength)) & 0xffff_ffff
        } else if prefixLength <= 64 {
            a.high = prefixLength == 0 ? 0 : a.high & (UInt64.max << UInt64(64 - prefixLength))
            a.low = 0
        } else if prefixLength < bits {
            a.low &= UInt64.max << UInt64(128 - prefixLength)
        }
        self.address = a
        self.prefixLength = prefixLength
    }

    public func contains(_ ip: RuleIP) -> Bool {
        guard ip.isIPv6 == address.isIPv6 else { return false }
        return CIDR(address: ip, prefixLength: prefixLength).address == address
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
