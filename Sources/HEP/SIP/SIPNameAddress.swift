/// One value of a From / To / Contact / P-Asserted-Identity-style header: `"Display" <uri>;params`,
/// `Display <uri>;params` or a bare addr-spec `uri;params` (whose `;params` belong to the header, not the URI).
/// `Contact: *` is the wildcard.
public struct SIPNameAddress: Sendable, SIPParameterized {
    /// The value as written (trimmed).
    public let bytes: ArraySlice<UInt8>
    private let displayRange: Range<Int>?
    private let uriRange: Range<Int>
    private let parametersRange: Range<Int>?
    /// `Contact: *`.
    public let isWildcard: Bool

    /// Nil for an unterminated quoted display name or a `<` without `>`.
    public init?(parsing value: ArraySlice<UInt8>) {
        let v = value.sipTrimmed
        guard !v.isEmpty else { return nil }
        bytes = v
        let s = v.startIndex
        let e = v.endIndex
        if v.count == 1, v[s] == SIPByte.star {
            isWildcard = true
            displayRange = nil
            uriRange = s..<s
            parametersRange = nil
            return
        }
        isWildcard = false
        var display: Range<Int>? = nil
        var lessThan: Int? = nil
        if v[s] == SIPByte.quote {
            guard let close = SIPByte.closingQuote(in: v, from: s + 1, to: e) else { return nil }
            display = (s + 1)..<close
            var j = close + 1
            while j < e, SIPByte.isLWS(v[j]) { j += 1 }
            guard j < e, v[j] == SIPByte.lessThan else { return nil }
            lessThan = j
        } else if let lt = v.firstIndex(of: SIPByte.lessThan) {
            let name = v[s..<lt].sipTrimmed
            if !name.isEmpty { display = name.startIndex..<name.endIndex }
            lessThan = lt
        }
        if let lt = lessThan {
            guard let gt = v[(lt + 1)...].firstIndex(of: SIPByte.greaterThan) else { return nil }
            let uri = v[(lt + 1)..<gt].sipTrimmed
            uriRange = uri.startIndex..<uri.endIndex
            var j = gt + 1
            while j < e, SIPByte.isLWS(v[j]) { j += 1 }
            parametersRange = j < e && v[j] == SIPByte.semicolon ? (j + 1)..<e : nil
        } else {
            let semicolon = v.firstIndex(of: SIPByte.semicolon)
            let uri = v[s..<(semicolon ?? e)].sipTrimmed
            uriRange = uri.startIndex..<uri.endIndex
            parametersRange = semicolon.map { ($0 + 1)..<e }
        }
        displayRange = display
    }

    /// Display name without its quotes (escapes kept); nil when there is none.
    public var displayName: ArraySlice<UInt8>? { displayRange.map { bytes[$0] } }
    /// The URI text (inside `<>` when they are there).
    public var uriBytes: ArraySlice<UInt8> { bytes[uriRange] }
    /// The parsed URI (parsed on each access).
    public var uri: SIPURI { SIPURI(parsing: bytes[uriRange]) }
    /// Header parameters after the address, without the leading `;`.
    public var parameters: ArraySlice<UInt8>? { parametersRange.map { bytes[$0] } }
    /// The `tag` header parameter.
    public var tag: ArraySlice<UInt8>? {
        guard let parameters else { return nil }
        return SIPParameters.value("tag", in: parameters)
    }
}
