/// Headers whose first occurrence the parser records while it scans (no rescans for these).
@usableFromInline enum SIPKnownHeader: UInt8, CaseIterable, Sendable {
    case via, from, to, callID, cseq, contact, contentType, contentLength, userAgent
    case pAssertedIdentity, pPreferredIdentity, authorization, proxyAuthorization
    case reason, xCID, xOIP, xRTPStat, pRTPStat, diversion

    /// Classifies a header name (any case, compact forms included) without allocating. Names of four bytes
    /// or more are compared a word at a time: `(word | mask) == lowered`, where `mask` sets bit 5 of the
    /// letter bytes only, so letters match in either case and every other byte must be equal.
    @inline(__always)
    static func classify(_ p: UnsafePointer<UInt8>, _ n: Int) -> SIPKnownHeader? {
        // Every load below reads `[offset, offset + width)` with `offset + width <= n` for the `n` of its case:
        // inside the name, which the caller guarantees to be `n` readable bytes.
        @inline(__always) func w32(_ p: UnsafePointer<UInt8>, _ offset: Int, _ lowered: UInt32, _ mask: UInt32) -> Bool {
            (UInt32(littleEndian: UnsafeRawPointer(p + offset).loadUnaligned(as: UInt32.self)) | mask) == lowered
        }
        @inline(__always) func w64(_ p: UnsafePointer<UInt8>, _ offset: Int, _ lowered: UInt64, _ mask: UInt64) -> Bool {
            (UInt64(littleEndian: UnsafeRawPointer(p + offset).loadUnaligned(as: UInt64.self)) | mask) == lowered
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
        case 2: return SIPByte.lower(p[0]) == 0x74 && SIPByte.lower(p[1]) == 0x6F ? .to : nil
        case 3:
            return SIPByte.lower(p[0]) == 0x76 && SIPByte.lower(p[1]) == 0x69 && SIPByte.lower(p[2]) == 0x61 ? .via : nil
        case 4:
            if w32(p, 0, 0x6D6F7266, 0x20202020) { return .from }                 // from
            return w32(p, 0, 0x71657363, 0x20202020) ? .cseq : nil                // cseq
        case 5:
            if w32(p, 0, 0x69632D78, 0x20200020) && w32(p, 1, 0x6469632D, 0x20202000) { return .xCID }   // x-cid
            return w32(p, 0, 0x696F2D78, 0x20200020) && w32(p, 1, 0x70696F2D, 0x20202000) ? .xOIP : nil  // x-oip
        case 6:
            return w32(p, 0, 0x73616572, 0x20202020) && w32(p, 2, 0x6E6F7361, 0x20202020) ? .reason : nil  // reason
        case 7:
            if w32(p, 0, 0x6C6C6163, 0x20202020) && w32(p, 3, 0x64692D6C, 0x20200020) { return .callID }   // call-id
            return w32(p, 0, 0x746E6F63, 0x20202020) && w32(p, 3, 0x74636174, 0x20202020) ? .contact : nil // contact
        case 9:
            return w64(p, 0, 0x6F69737265766964, 0x2020202020202020)
                && w64(p, 1, 0x6E6F697372657669, 0x2020202020202020) ? .diversion : nil                   // diversion
        case 10:
            if w64(p, 0, 0x6567612D72657375, 0x2020200020202020)
                && w64(p, 2, 0x746E6567612D7265, 0x2020202020002020) { return .userAgent }               // user-agent
            guard w64(p, 2, 0x746174732D707472, 0x2020202000202020) else { return nil }
            if w64(p, 0, 0x74732D7074722D78, 0x2020002020200020) { return .xRTPStat }                     // x-rtp-stat
            return w64(p, 0, 0x74732D7074722D70, 0x2020002020200020) ? .pRTPStat : nil                    // p-rtp-stat
        case 12:
            return w64(p, 0, 0x2D746E65746E6F63, 0x0020202020202020)
                && w64(p, 4, 0x657079742D746E65, 0x2020202000202020) ? .contentType : nil                 // content-type
        case 13:
            return w64(p, 0, 0x7A69726F68747561, 0x2020202020202020)
                && w64(p, 5, 0x6E6F6974617A6972, 0x2020202020202020) ? .authorization : nil               // authorization
        case 14:
            return w64(p, 0, 0x2D746E65746E6F63, 0x0020202020202020)
                && w64(p, 6, 0x6874676E656C2D74, 0x2020202020200020) ? .contentLength : nil               // content-length
        case 19:
            if w64(p, 0, 0x7472657373612D70, 0x2020202020200020) && w64(p, 8, 0x746E6564692D6465, 0x2020202020002020)
                && w64(p, 11, 0x797469746E656469, 0x2020202020202020) { return .pAssertedIdentity }       // p-asserted-identity
            return w64(p, 0, 0x75612D79786F7270, 0x2020002020202020) && w64(p, 8, 0x74617A69726F6874, 0x2020202020202020)
                && w64(p, 11, 0x6E6F6974617A6972, 0x2020202020202020) ? .proxyAuthorization : nil       // proxy-authorization
        case 20:
            return w64(p, 0, 0x7265666572702D70, 0x2020202020200020) && w64(p, 8, 0x6E6564692D646572, 0x2020202000202020)
                && w64(p, 12, 0x797469746E656469, 0x2020202020202020) ? .pPreferredIdentity : nil        // p-preferred-identity
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
