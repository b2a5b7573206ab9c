/// An IPv4 or IPv6 address held inline (no heap storage), as captured from a packet header or a socket.
///
/// The capture hot path builds one of these per packet; HEP's `IPAddress` (which owns a byte array) is
/// made from it only when a consumer asks (`bytes`).
public struct InetAddress: Hashable, Sendable, CustomStringConvertible {
    /// The 16 address bytes; an IPv4 address occupies the last four, the first twelve are zero.
    public private(set) var high: UInt64
    public private(set) var low: UInt64
    public let isIPv6: Bool

    /// From the host-order value of a.b.c.d.
    public init(ipv4 value: UInt32) {
        high = 0
        low = UInt64(value)
        isIPv6 = false
    }

    public init(ipv6High: UInt64, low: UInt64) {
        high = ipv6High
        self.low = low
        isIPv6 = true
    }

    /// Reads 4 (IPv4) or 16 (IPv6) bytes starting at `offset`, most significant first.
    /// The caller guarantees the range is inside `buffer`.
    @inline(__always)
    init(ipv4In buffer: UnsafeRawBufferPointer, at offset: Int) {
        self.init(ipv4: buffer.loadBigEndianUInt32(at: offset))
    }

    @inline(__always)
    init(ipv6In buffer: UnsafeRawBufferPointer, at offset: Int) {
        self.init(ipv6High: buffer.loadBigEndianUInt64(at: offset), low: buffer.loadBigEndianUInt64(at: offset + 8))
    }

    public init?(ipv4Bytes: some Collection<UInt8>) {
        guard ipv4Bytes.count == 4 else { return nil }
        var value: UInt32 = 0
        for byte in ipv4Bytes { value = value << 8 | UInt32(byte) }
        self.init(ipv4: value)
    }

    public init?(ipv6Bytes: some Collection<UInt8>) {
        guard ipv6Bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in ipv6Bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(ipv6High: high, low: low)
    }

    /// Parses "192.0.2.1" or an IPv6 text form ("2001:db8::1", "::ffff:192.0.2.1").
    public init?(_ text: String) {
        if !text.contains(":") {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for part in parts {
                guard !part.isEmpty, part.count <= 3, let octet = UInt8(part) else { return nil }
                value = value << 8 | UInt32(octet)
            }
            self.init(ipv4: value)
            return
        }
        guard let bytes = InetAddress.parseIPv6(text) else { return nil }
        self.init(ipv6Bytes: bytes)
    }

    public var ipv4Value: UInt32? { isIPv6 ? nil : UInt32(truncatingIfNeeded: low) }

    /// 2 (IPv4) or 10 (IPv6): Linux AF_* numbers, as on the HEP wire.
    public var family: UInt8 { isIPv6 ? 10 : 2 }

    /// 4 or 16 bytes, most significant first (allocates).
    public var bytes: [UInt8] {
        if !isIPv6 {
            let value = UInt32(truncatingIfNeeded: low)
            return [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        var result = [UInt8]()
        result.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(high >> UInt64(shift) & 0xff)) }
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(low >> UInt64(shift) & 0xff)) }
        return result
    }

    public var description: String {
        if !isIPv6 {
            let value = UInt32(truncatingIfNeeded: low)
            return "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
        }
        return InetAddress.formatIPv6(bytes)
    }
}

extension InetAddress {
    static func parseIPv6(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        var tail4: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[lastColon...].contains(".") {
            guard let v4 = InetAddress(String(text[text.index(after: lastColon)...])), let value = v4.ipv4Value
            else { return nil }
            tail4 = [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
            text = text[...lastColon]
            if text.hasSuffix("::") == false { text = text.dropLast() }
        }
        let groupsWanted = (16 - tail4.count) / 2
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        var words: [UInt16]
        let characters = Array(text)
        if let split = characters.indices.dropLast().first(where: { characters[$0] == ":" && characters[$0 + 1] == ":" }) {
            let headText = Substring(String(characters[..<split]))
            let tailText = Substring(String(characters[(split + 2)...]))
            guard let head = groups(headText), let tail = groups(tailText),
                  head.count + tail.count < groupsWanted, !tailText.hasPrefix(":")
            else { return nil }
            words = head + Array(repeating: 0, count: groupsWanted - head.count - tail.count) + tail
        } else {
            guard let all = groups(text), all.count == groupsWanted else { return nil }
            words = all
        }
        var bytes: [UInt8] = []
        for word in words { bytes.append(UInt8(word >> 8)); bytes.append(UInt8(word & 0xff)) }
        return bytes + tail4
    }

    /// RFC 5952 text: lower case, longest run (≥ 2) of zero groups compressed.
    static func formatIPv6(_ bytes: [UInt8]) -> String {
        var words: [UInt16] = []
        for index in stride(from: 0, to: 16, by: 2) { words.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for index in 0...8 {
            if index < 8 && words[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var text = ""
        var index = 0
        while index < 8 {
            if index == bestStart {
                text += "::"
                index += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(words[index], radix: 16)
            index += 1
        }
        return text
    }
}
