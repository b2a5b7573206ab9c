/// A view of a URI inside a SIP message: `sip:`/`sips:` (user, password, host, port, parameters, headers),
/// `tel:` (the number as `user`, parameters) and any other scheme (only `scheme` and `opaque`).
/// Parsing is best effort and never fails; parts that are not there are nil.
public struct SIPURI: Sendable {
    public enum Kind: Sendable, Equatable { case sip, sips, tel, other }

    /// The URI as written.
    public let bytes: ArraySlice<UInt8>
    public let kind: Kind
    private let schemeRange: Range<Int>?
    private let userRange: Range<Int>?
    private let passwordRange: Range<Int>?
    private let hostRange: Range<Int>?
    private let portRange: Range<Int>?
    private let parametersRange: Range<Int>?
    private let headersRange: Range<Int>?
    /// Whether the host was written as an IPv6 reference `[...]` (`host` is without the brackets).
    public let isIPv6Reference: Bool

    public init(parsing text: ArraySlice<UInt8>) {
        let uri = text.sipTrimmed
        bytes = uri
        let s = uri.startIndex
        let e = uri.endIndex
        var scheme: Range<Int>? = nil
        var user: Range<Int>? = nil
        var password: Range<Int>? = nil
        var host: Range<Int>? = nil
        var port: Range<Int>? = nil
        var parameters: Range<Int>? = nil
        var headers: Range<Int>? = nil
        var ipv6 = false
        var kind = Kind.other

        if let colon = uri.firstIndex(of: SIPByte.colon), colon > s {
            scheme = s..<colon
            let name = uri[s..<colon]
            if name.sipEqualsLowercase("sip") {
                kind = .sip
            } else if name.sipEqualsLowercase("sips") {
                kind = .sips
            } else if name.sipEqualsLowercase("tel") {
                kind = .tel
            }
            let rest = colon + 1
            switch kind {
            case .sip, .sips:
                var hostStart = rest
                if let at = uri[rest...].firstIndex(of: SIPByte.at) {
                    if let pw = uri[rest..<at].firstIndex(of: SIPByte.colon) {
                        user = rest..<pw
                        password = (pw + 1)..<at
                    } else {
                        user = rest..<at
                    }
                    hostStart = at + 1
                }
                var i = hostStart
                if i < e, uri[i] == SIPByte.openBracket {
                    var close = i + 1
                    while close < e, uri[close] != SIPByte.closeBracket,
                          uri[close] != SIPByte.semicolon, uri[close] != SIPByte.question { close += 1 }
                    if close < e, uri[close] == SIPByte.closeBracket {
                        host = (i + 1)..<close
                        ipv6 = true
                        i = close + 1
                    } else {
                        host = i..<close
                        i = close
                    }
                } else {
                    while i < e, uri[i] != SIPByte.colon, uri[i] != SIPByte.semicolon, uri[i] != SIPByte.question { i += 1 }
                    host = hostStart..<i
                }
                if i < e, uri[i] == SIPByte.colon {
                    let portStart = i + 1
                    i = portStart
                    while i < e, uri[i] != SIPByte.semicolon, uri[i] != SIPByte.question { i += 1 }
                    port = portStart..<i
                }
                while i < e, uri[i] != SIPByte.semicolon, uri[i] != SIPByte.question { i += 1 }
                (parameters, headers) = Self.tail(uri, from: i)
            case .tel:
                var i = rest
                while i < e, uri[i] != SIPByte.semicolon, uri[i] != SIPByte.question { i += 1 }
                user = rest..<i
                (parameters, headers) = Self.tail(uri, from: i)
            case .other:
                break
            }
        }
        self.kind = kind
        schemeRange = scheme
        userRange = user
        passwordRange = password
        hostRange = host
        portRange = port
        parametersRange = parameters
        headersRange = headers
        isIPv6Reference = ipv6
    }

    /// `;params` then `?headers` starting at `i` (which is `;`, `?` or the end).
    private static func tail(_ uri: ArraySlice<UInt8>, from i: Int) -> (Range<Int>?, Range<Int>?) {
        var i = i
        var parameters: Range<Int>? = nil
        if i < uri.endIndex, uri[i] == SIPByte.semicolon {
            let start = i + 1
            i = start
            while i < uri.endIndex, uri[i] != SIPByte.question { i += 1 }
            parameters = start..<i
        }
        if i < uri.endIndex, uri[i] == SIPByte.question {
            return (parameters, (i + 1)..<uri.endIndex)
        }
        return (parameters, nil)
    }

    @inline(__always)
    private func part(_ range: Range<Int>?) -> ArraySlice<UInt8>? { range.map { bytes[$0] } }

    /// `sip`, `sips`, `tel`, ... as written; nil when there is no `scheme:`.
    public var scheme: ArraySlice<UInt8>? { part(schemeRange) }
    /// User part (escapes kept); for `tel:` the number.
    public var user: ArraySlice<UInt8>? { part(userRange) }
    public var password: ArraySlice<UInt8>? { part(passwordRange) }
    /// Host (domain, IPv4 or IPv6 address; IPv6 without brackets).
    public var host: ArraySlice<UInt8>? { part(hostRange) }
    public var portBytes: ArraySlice<UInt8>? { part(portRange) }
    /// Port when present and a number in 0...65535.
    public var port: Int? {
        guard let digits = portBytes, let value = digits.sipDecimal(maxDigits: 5), value <= 65_535 else { return nil }
        return value
    }
    /// URI parameters without the leading `;` (up to `?`).
    public var parameters: ArraySlice<UInt8>? { part(parametersRange) }
    /// URI headers after `?`.
    public var headers: ArraySlice<UInt8>? { part(headersRange) }
    /// Everything after `scheme:` (for schemes the view does not know).
    public var opaque: ArraySlice<UInt8>? {
        guard let scheme = schemeRange else { return nil }
        return bytes[(scheme.upperBound + 1)...]
    }

    /// A URI parameter (`param("transport")`, `param("lr")`): its value, empty for a flag; nil when absent.
    public func param(_ name: some StringProtocol) -> ArraySlice<UInt8>? {
        guard let parameters else { return nil }
        return SIPParameters.value(named: name, in: parameters)
    }
}
