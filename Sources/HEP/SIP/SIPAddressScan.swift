/// Pointer-level fast path for the hottest derived fields (From/To user): the same answers as
/// `SIPNameAddress(parsing:)?.uri.user` without building the intermediate views. The mutation test checks
/// that both paths agree.
@usableFromInline enum SIPAddressScan {
    @inline(__always)
    private static func find(_ p: UnsafeBufferPointer<UInt8>, _ byte: UInt8, _ from: Int, _ to: Int) -> Int? {
        // Callers pass `0 <= from`, `to <= p.count` (offsets inside the header value, see `userRange`).
        guard from < to, let base = p.baseAddress else { return nil }
        let i = SIPByteSearch.first(byte, base, from, to)
        return i < to ? i : nil
    }

    /// The URI inside a name-addr / addr-spec value `[start, end)`; nil where `SIPNameAddress` fails, and for
    /// the wildcard.
    @inline(__always)
    static func uri(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int>? {
        var s = start
        var e = end
        while s < e, SIPByte.isLWS(p[s]) { s += 1 }
        while e > s, SIPByte.isLWS(p[e - 1]) { e -= 1 }
        guard s < e, !(e - s == 1 && p[s] == SIPByte.star) else { return nil }
        var lessThan: Int? = nil
        if p[s] == SIPByte.quote {
            guard let close = SIPByte.closingQuote(in: p, from: s + 1, to: e) else { return nil }
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
    @inline(__always)
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

extension SIPAddressScan {
    /// `user(uri(...))` in one call: the entry point the inlined From/To accessors call across the module
    /// boundary (plain offsets in and out, so the message is neither copied nor retained).
    @usableFromInline
    static func userRange(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int>? {
        // The span comes from the layout of this same payload: `0 <= start <= end <= p.count`.
        guard start >= 0, start <= end, end <= p.count, let uri = uri(p, start, end) else { return nil }
        return user(p, uri)
    }
}

extension SIPMessage {
    /// User of the URI in the header value `span` (From / To), through the fast path.
    @inlinable
    func addressUser(_ span: SIPSpan) -> ArraySlice<UInt8>? {
        guard !span.isAbsent else { return nil }
        let range = bytes.withUnsafeBufferPointer { buffer in
            SIPAddressScan.userRange(buffer, Int(span.start), Int(span.end))
        }
        guard let range else { return nil }
        let origin = bytes.startIndex
        return bytes[(origin + range.lowerBound)..<(origin + range.upperBound)]
    }
}
