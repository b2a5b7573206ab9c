/// Headers whose first occurrence the parser records while it scans (no rescans for these).
@usableFromInline enum SIPKnownHeader: UInt8, CaseIterable, Sendable {
    case via, from, to, callID, cseq, contact, contentType, contentLength, userAgent
    case pAssertedIdentity, pPreferredIdentity, authorization, proxyAuthorization
    case reason, xCID, xOIP, xRTPStat, pRTPStat, diversion

    /// Classifies a header name (any case, compact forms included) without allocating.
    @inline(__always)
    static func classify(_ p: UnsafePointer<UInt8>, _ n: Int) -> SIPKnownHeader? {
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            let q = s.utf8Start
            for k in 0..<n where SIPByte.lower(p[k]) != q[k] { return false }
            return true
        }
        switch n {
        case 1:
            switch SIPByte.lower(p[0]) {
            case 0x76: return .via            // v
            case 0x66: return .from           // f
            case 0x74: return .to             // t
            case 0x69: return .callID         // i
            case 0x6D: return .contact        // m
            case 0x63: return .contentType    // c
            case 0x6C: return .contentLength  // l
            default: return nil
            }
        case 2: return eq("to") ? .to : nil
        case 3: return eq("via") ? .via : nil
        case 4:
            if eq("from") { return .from }
            return eq("cseq") ? .cseq : nil
        case 5:
            if eq("x-cid") { return .xCID }
            return eq("x-oip") ? .xOIP : nil
        case 6: return eq("reason") ? .reason : nil
        case 7:
            if eq("call-id") { return .callID }
            return eq("contact") ? .contact : nil
        case 9: return eq("diversion") ? .diversion : nil
        case 10:
            if eq("user-agent") { return .userAgent }
            if eq("x-rtp-stat") { return .xRTPStat }
            return eq("p-rtp-stat") ? .pRTPStat : nil
        case 12: return eq("content-type") ? .contentType : nil
        case 13: return eq("authorization") ? .authorization : nil
        case 14: return eq("content-length") ? .contentLength : nil
        case 19:
            if eq("p-asserted-identity") { return .pAssertedIdentity }
            return eq("proxy-authorization") ? .proxyAuthorization : nil
        case 20: return eq("p-preferred-identity") ? .pPreferredIdentity : nil
        default: return nil
        }
    }
}

/// Compact header forms (RFC 3261 §7.3.3, RFC 3265, and the later IANA registrations).
enum SIPCompactForm {
    static let table: [(letter: StaticString, name: StaticString)] = [
        ("a", "accept-contact"), ("b", "referred-by"), ("c", "content-type"), ("d", "request-disposition"),
        ("e", "content-encoding"), ("f", "from"), ("i", "call-id"), ("j", "reject-contact"), ("k", "supported"),
        ("l", "content-length"), ("m", "contact"), ("n", "identity-info"), ("o", "event"), ("r", "refer-to"),
        ("s", "subject"), ("t", "to"), ("u", "allow-events"), ("v", "via"), ("x", "session-expires"),
        ("y", "identity"),
    ]

    /// The other spelling of a header name (lower case): the full name for a compact letter, the letter for a
    /// full name; nil when the header has no compact form.
    static func alternate(of p: UnsafeBufferPointer<UInt8>) -> StaticString? {
        if p.count == 1 {
            let letter = SIPByte.lower(p[0])
            for entry in table where entry.letter.utf8Start[0] == letter { return entry.name }
            return nil
        }
        for entry in table where entry.name.utf8CodeUnitCount == p.count {
            let q = entry.name.utf8Start
            var same = true
            for k in 0..<p.count where SIPByte.lower(p[k]) != q[k] { same = false; break }
            if same { return entry.letter }
        }
        return nil
    }
}

/// A header name prepared once for repeated lookups (the rules engine compiles `sip.header.<Name>` into one).
/// Matching is ASCII case-insensitive and treats compact and full forms as the same header.
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible {
    /// The name as given.
    public let name: String
    @usableFromInline let lowered: [UInt8]
    @usableFromInline let alternate: [UInt8]?
    @usableFromInline let known: SIPKnownHeader?

    public init(_ name: some StringProtocol) {
        self.name = String(name)
        let bytes = Array(name.utf8)
        self.lowered = bytes.map(SIPByte.lower)
        var alternate: [UInt8]? = nil
        var known: SIPKnownHeader? = nil
        bytes.withUnsafeBufferPointer { p in
            if let alt = SIPCompactForm.alternate(of: p) {
                alternate = Array(UnsafeBufferPointer(start: alt.utf8Start, count: alt.utf8CodeUnitCount))
            }
            if let base = p.baseAddress { known = SIPKnownHeader.classify(base, p.count) }
        }
        self.alternate = alternate
        self.known = known
    }

    public var description: String { name }

    /// Whether a header line's name (as written in a message) denotes this header.
    @inline(__always)
    func matches(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n == lowered.count, Self.equal(p, n, lowered) { return true }
        if let alternate, n == alternate.count, Self.equal(p, n, alternate) { return true }
        return false
    }

    @inline(__always)
    private static func equal(_ p: UnsafePointer<UInt8>, _ n: Int, _ lowered: [UInt8]) -> Bool {
        var k = 0
        for b in lowered {
            if SIPByte.lower(p[k]) != b { return false }
            k += 1
        }
        return true
    }

    public static func == (a: SIPHeaderName, b: SIPHeaderName) -> Bool { a.lowered == b.lowered }
    public func hash(into hasher: inout Hasher) { hasher.combine(lowered) }
}
