/// Pointer-level fast path for the hottest derived fields (From/To user): the same answers as
/// `SIPNameAddress(parsing:)?.uri.user` without building the intermediate views. The mutation test checks
/// that both paths agree.
enum SIPAddressScan {
    @inline(__always)
    private static func find(_ p: UnsafeBufferPointer<UInt8>, _ byte: UInt8, _ from: Int, _ to: Int) -> Int? {
        var i = from
        while i < to {
            if p[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// The URI inside a name-addr / addr-spec value `[start, end)`; nil where `SIPNameAddress` fails, and for
    /// the wildcard.
    static func uri(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int>? {
        var s = start
        var e = end
        while s < e, SIPByte.isLWS(p[s]) { s += 1 }
        while e > s, SIPByte.isLWS(p[e - 1]) { e -= 1 }
        guard s < e, !(e - s == 1 && p[s] == SIPByte.star) else { return nil }
        var lessThan: Int? = nil
        if p[s] == SIPByte.quote {
            var i = s + 1
            var close: Int? = nil
            while i < e {
                if p[i] == SIPByte.backslash { i += 2; continue }
                if p[i] == SIPByte.quote { close = i; break }
                i += 1
            }
            guard let close else { return nil }
            var j = close + 1
            while j < e, SIPByte.isLWS(p[j]) { j += 1 }
            guard j < e, p[j] == SIPByte.lessThan else { return nil }
            lessThan = j
        } else {
            lessThan = find(p, SIPByte.lessThan, s, e)
        }
        var us: Int
        var ue: Int
        if let lt = lessThan {
            guard let gt = find(p, SIPByte.greaterThan, lt + 1, e) else { return nil }
            us = lt + 1
            ue = gt
        } else {
            us = s
            ue = find(p, SIPByte.semicolon, s, e) ?? e
        }
        while us < ue, SIPByte.isLWS(p[us]) { us += 1 }
        while ue > us, SIPByte.isLWS(p[ue - 1]) { ue -= 1 }
        return us..<ue
    }

    /// The user part of a URI, as `SIPURI.user` finds it (sip/sips: before `@`, without `:password`; tel: the
    /// number).
    static func user(_ p: UnsafeBufferPointer<UInt8>, _ uri: Range<Int>) -> Range<Int>? {
        let s = uri.lowerBound
        let e = uri.upperBound
        guard let colon = find(p, SIPByte.colon, s, e), colon > s else { return nil }
        let rest = colon + 1
        let n = colon - s
        let c0 = SIPByte.lower(p[s])
        let c1 = n > 1 ? SIPByte.lower(p[s + 1]) : 0
        let c2 = n > 2 ? SIPByte.lower(p[s + 2]) : 0
        if n == 3, c0 == 0x74, c1 == 0x65, c2 == 0x6C {  // tel
            var i = rest
            while i < e, p[i] != SIPByte.semicolon, p[i] != SIPByte.question { i += 1 }
            return rest..<i
        }
        let isSIP = c0 == 0x73 && c1 == 0x69 && c2 == 0x70 && (n == 3 || (n == 4 && SIPByte.lower(p[s + 3]) == 0x73))
        guard isSIP, let at = find(p, SIPByte.at, rest, e) else { return nil }
        return rest..<(find(p, SIPByte.colon, rest, at) ?? at)
    }
}

extension SIPMessage {
    /// User of the URI in the first `kind` header (From / To), through the fast path.
    @inline(__always)
    func addressUser(_ kind: SIPKnownHeader) -> ArraySlice<UInt8>? {
        let span = layout.known[kind]
        guard !span.isAbsent else { return nil }
        let range: Range<Int>? = bytes.withUnsafeBufferPointer { buffer in
            guard let uri = SIPAddressScan.uri(buffer, Int(span.start), Int(span.end)) else { return nil }
            return SIPAddressScan.user(buffer, uri)
        }
        guard let range else { return nil }
        let origin = bytes.startIndex
        return bytes[(origin + range.lowerBound)..<(origin + range.upperBound)]
    }
}
