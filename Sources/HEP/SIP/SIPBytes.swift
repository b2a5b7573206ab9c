// Byte-level helpers shared by the SIP view: ASCII case folding, character classes, trimming.

@usableFromInline enum SIPByte {
    @usableFromInline static let cr: UInt8 = 0x0D
    @usableFromInline static let lf: UInt8 = 0x0A
    @usableFromInline static let sp: UInt8 = 0x20
    @usableFromInline static let ht: UInt8 = 0x09
    @usableFromInline static let colon: UInt8 = 0x3A
    @usableFromInline static let semicolon: UInt8 = 0x3B
    @usableFromInline static let comma: UInt8 = 0x2C
    @usableFromInline static let quote: UInt8 = 0x22
    @usableFromInline static let backslash: UInt8 = 0x5C
    @usableFromInline static let lessThan: UInt8 = 0x3C
    @usableFromInline static let greaterThan: UInt8 = 0x3E
    @usableFromInline static let at: UInt8 = 0x40
    @usableFromInline static let equals: UInt8 = 0x3D
    @usableFromInline static let question: UInt8 = 0x3F
    @usableFromInline static let slash: UInt8 = 0x2F
    @usableFromInline static let openBracket: UInt8 = 0x5B
    @usableFromInline static let closeBracket: UInt8 = 0x5D
    @usableFromInline static let star: UInt8 = 0x2A

    /// ASCII lower case; other bytes unchanged.
    @inline(__always) @usableFromInline
    static func lower(_ b: UInt8) -> UInt8 { (b &- 0x41) < 26 ? b | 0x20 : b }

    /// SP, HT, CR or LF: linear white space, folds included.
    @inline(__always) @usableFromInline
    static func isLWS(_ b: UInt8) -> Bool { b == sp || b == ht || b == cr || b == lf }

    @inline(__always) @usableFromInline
    static func isDigit(_ b: UInt8) -> Bool { (b &- 0x30) < 10 }

    @inline(__always) @usableFromInline
    static func isAlpha(_ b: UInt8) -> Bool { ((b | 0x20) &- 0x61) < 26 }

    /// RFC 3261 `token` characters: alphanum and `-.!%*_+`'~`.
    @inline(__always) @usableFromInline
    static func isToken(_ b: UInt8) -> Bool {
        if isAlpha(b) || isDigit(b) { return true }
        switch b {
        case 0x2D, 0x2E, 0x21, 0x25, 0x2A, 0x5F, 0x2B, 0x60, 0x27, 0x7E: return true
        default: return false
        }
    }

    /// URI scheme characters after the first: alphanum and `+-.`.
    @inline(__always)
    static func isSchemeChar(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) || b == 0x2B || b == 0x2D || b == 0x2E }

    /// The `"` closing a quoted string whose content starts at `start` (backslash escapes skipped); nil when
    /// none comes before `end`.
    @inline(__always)
    static func closingQuote<Bytes: RandomAccessCollection<UInt8>>(in bytes: Bytes, from start: Int, to end: Int) -> Int?
    where Bytes.Index == Int {
        var i = start
        while i < end {
            if bytes[i] == backslash { i += 2; continue }
            if bytes[i] == quote { return i }
            i += 1
        }
        return nil
    }
}

/// Byte search eight bytes at a time (SWAR) for the short spans of a SIP message, where a libc call costs more
/// than the scan.
enum SIPByteSearch {
    /// Index of the first `byte` in `[from, to)` of `base`, or `to`. The caller guarantees that `[from, to)` is
    /// readable; every load below lies inside it (`k + 8 <= to`, then `k < to`). A byte equal to `byte` is zero
    /// after the XOR; the lowest byte the zero test flags is exact (its false positives only sit above a real
    /// zero byte) and, little-endian, the lowest byte is the first in memory.
    @inline(__always)
    static func first(_ byte: UInt8, _ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        var k = from
        while k + 8 <= to {
            let x = UInt64(littleEndian: UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self)) ^ pattern
            let zero = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if zero != 0 { return k + zero.trailingZeroBitCount >> 3 }
            k += 8
        }
        while k < to, base[k] != byte { k += 1 }
        return k
    }
}

extension ArraySlice where Element == UInt8 {
    /// The slice without leading and trailing SP/HT/CR/LF.
    @inlinable
    public var sipTrimmed: ArraySlice<UInt8> {
        var lo = startIndex
        var hi = endIndex
        while lo < hi, SIPByte.isLWS(self[lo]) { lo += 1 }
        while hi > lo, SIPByte.isLWS(self[hi - 1]) { hi -= 1 }
        return self[lo..<hi]
    }

    /// ASCII case-insensitive comparison with a lower-case ASCII literal.
    @inlinable
    func sipEqualsLowercase(_ lowered: StaticString) -> Bool {
        guard count == lowered.utf8CodeUnitCount else { return false }
        let p = lowered.utf8Start
        var i = startIndex
        var j = 0
        while i < endIndex {
            if SIPByte.lower(self[i]) != p[j] { return false }
            i += 1
            j += 1
        }
        return true
    }

    /// ASCII case-insensitive comparison with any byte collection.
    func sipEqualsIgnoringCase(_ other: some Collection<UInt8>) -> Bool {
        guard count == other.count else { return false }
        var i = startIndex
        for b in other {
            if SIPByte.lower(self[i]) != SIPByte.lower(b) { return false }
            i += 1
        }
        return true
    }

    /// Index of the first occurrence of `byte` at or after `from`, outside double-quoted strings.
    func sipFirstIndex(of byte: UInt8, from: Int? = nil) -> Int? {
        var i = from ?? startIndex
        while i < endIndex {
            let b = self[i]
            if b == SIPByte.quote {
                guard let close = SIPByte.closingQuote(in: self, from: i + 1, to: endIndex) else { return nil }
                i = close + 1
                continue
            }
            if b == byte { return i }
            i += 1
        }
        return nil
    }

    /// Parses an unsigned decimal number of at most `maxDigits` digits (the whole slice).
    public func sipDecimal(maxDigits: Int = 18) -> Int? {
        guard !isEmpty, count <= maxDigits else { return nil }
        var value = 0
        for b in self {
            guard SIPByte.isDigit(b) else { return nil }
            value = value * 10 + Int(b &- 0x30)
        }
        return value
    }
}

/// String conversion of SIP bytes: UTF-8, invalid sequences replaced by U+FFFD.
@inlinable
public func sipString(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes, as: UTF8.self)
}
