// The derived `sip.*` fields of DESIGN §4: each parses only the header it needs, when asked.

extension SIPMessage {
    /// The From header as a name-addr.
    public var from: SIPNameAddress? { known(.from).flatMap(SIPNameAddress.init(parsing:)) }
    /// The To header as a name-addr.
    public var to: SIPNameAddress? { known(.to).flatMap(SIPNameAddress.init(parsing:)) }
    /// The first value of the first Contact header (`Contact: *` gives the wildcard).
    public var contact: SIPNameAddress? { Self.firstValue(known(.contact)).flatMap(SIPNameAddress.init(parsing:)) }
    /// The first value of the first P-Asserted-Identity header.
    public var pAssertedIdentity: SIPNameAddress? {
        Self.firstValue(known(.pAssertedIdentity)).flatMap(SIPNameAddress.init(parsing:))
    }
    /// The first value of the first P-Preferred-Identity header.
    public var pPreferredIdentity: SIPNameAddress? {
        Self.firstValue(known(.pPreferredIdentity)).flatMap(SIPNameAddress.init(parsing:))
    }
    /// The topmost Via value (first value of the first Via header).
    public var via: SIPVia? { Self.firstValue(known(.via)).flatMap(SIPVia.init(parsing:)) }
    /// Every Via value, top first, across lines and commas.
    public var vias: [SIPVia] { headerValues(SIPHeaderName("Via")).compactMap(SIPVia.init(parsing:)) }
    /// Every Contact value, across lines and commas.
    public var contacts: [SIPNameAddress] {
        headerValues(SIPHeaderName("Contact")).compactMap(SIPNameAddress.init(parsing:))
    }

    static func firstValue(_ list: ArraySlice<UInt8>?) -> ArraySlice<UInt8>? {
        guard let list, let (value, _) = SIPListSplitter.first(of: list) else { return nil }
        return value
    }

    /// The CSeq sequence number.
    public var cseqNumber: UInt32? {
        guard let parts = cseqParts, let value = parts.number.sipDecimal(maxDigits: 10), value <= UInt32.max else {
            return nil
        }
        return UInt32(value)
    }

    /// The CSeq method.
    public var cseqMethod: ArraySlice<UInt8>? { cseqParts?.method }

    private var cseqParts: (number: ArraySlice<UInt8>, method: ArraySlice<UInt8>)? {
        guard let value = cseq else { return nil }
        var i = value.startIndex
        while i < value.endIndex, !SIPByte.isLWS(value[i]) { i += 1 }
        let number = value[value.startIndex..<i]
        while i < value.endIndex, SIPByte.isLWS(value[i]) { i += 1 }
        var j = i
        while j < value.endIndex, !SIPByte.isLWS(value[j]) { j += 1 }
        guard !number.isEmpty, j > i else { return nil }
        return (number, value[i..<j])
    }

    /// User part of the Request-URI (the number of a `tel:` URI).
    public var requestURIUser: ArraySlice<UInt8>? { requestURI?.user }
    /// Host of the Request-URI.
    public var requestURIDomain: ArraySlice<UInt8>? { requestURI?.host }
    @inlinable public var fromUser: ArraySlice<UInt8>? { addressUser(layout.known[.from]) }
    public var fromDomain: ArraySlice<UInt8>? { from?.uri.host }
    public var fromTag: ArraySlice<UInt8>? { from?.tag }
    @inlinable public var toUser: ArraySlice<UInt8>? { addressUser(layout.known[.to]) }
    public var toDomain: ArraySlice<UInt8>? { to?.uri.host }
    public var toTag: ArraySlice<UInt8>? { to?.tag }
    /// User of the first Contact URI; `*` for `Contact: *`.
    public var contactUser: ArraySlice<UInt8>? {
        guard let contact else { return nil }
        return contact.isWildcard ? contact.bytes : contact.uri.user
    }
    /// User of the first P-Asserted-Identity URI, else of the first P-Preferred-Identity URI.
    public var pidUser: ArraySlice<UInt8>? {
        if let user = pAssertedIdentity?.uri.user { return user }
        return pPreferredIdentity?.uri.user
    }
    /// `branch` of the topmost Via.
    public var viaBranch: ArraySlice<UInt8>? { via?.branch }

    /// The digest `username` of the first Proxy-Authorization, else Authorization header that has one.
    public var authorizationUsername: ArraySlice<UInt8>? {
        if let user = known(.proxyAuthorization).flatMap(Self.digestUsername) { return user }
        return known(.authorization).flatMap(Self.digestUsername)
    }

    /// `username` of `Scheme name=value, name="value", ...` credentials.
    static func digestUsername(_ credentials: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var i = credentials.startIndex
        while i < credentials.endIndex, !SIPByte.isLWS(credentials[i]) { i += 1 }
        var rest = credentials[i...]
        while let (item, next) = SIPListSplitter.first(of: rest) {
            if let eq = item.firstIndex(of: SIPByte.equals),
               item[item.startIndex..<eq].sipTrimmed.sipEqualsLowercase("username") {
                var value = item[(eq + 1)...].sipTrimmed
                if value.count >= 2, value.first == SIPByte.quote, value.last == SIPByte.quote {
                    value = value.dropFirst().dropLast()
                }
                return value
            }
            guard let next else { break }
            rest = next
        }
        return nil
    }
}
