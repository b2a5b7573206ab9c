/// One Via value: `SIP/2.0/UDP host:port;branch=...`, LWS tolerated around `/`, `:` and `;`.
public struct SIPVia: Sendable, SIPParameterized {
    /// The value as written (trimmed).
    public let bytes: ArraySlice<UInt8>
    private let protocolNameRange: Range<Int>
    private let protocolVersionRange: Range<Int>
    private let transportRange: Range<Int>
    private let hostRange: Range<Int>
    private let portRange: Range<Int>?
    private let parametersRange: Range<Int>?
    /// Whether sent-by was an IPv6 reference `[...]` (`host` is without the brackets).
    public let isIPv6Reference: Bool

    /// Nil when the value does not start with `name/version/transport host`.
    public init?(parsing value: ArraySlice<UInt8>) {
        let v = value.sipTrimmed
        bytes = v
        let e = v.endIndex
        var i = v.startIndex

        func skipLWS() { while i < e, SIPByte.isLWS(v[i]) { i += 1 } }
        func token() -> Range<Int> {
            let start = i
            while i < e, !SIPByte.isLWS(v[i]), v[i] != SIPByte.slash, v[i] != SIPByte.semicolon,
                  v[i] != SIPByte.colon, v[i] != SIPByte.comma { i += 1 }
            return start..<i
        }
        func expectSlash() -> Bool {
            skipLWS()
            guard i < e, v[i] == SIPByte.slash else { return false }
            i += 1
            skipLWS()
            return true
        }

        let name = token()
        guard !name.isEmpty, expectSlash() else { return nil }
        let version = token()
        guard !version.isEmpty, expectSlash() else { return nil }
        let transport = token()
        guard !transport.isEmpty else { return nil }
        skipLWS()
        var ipv6 = false
        let host: Range<Int>
        if i < e, v[i] == SIPByte.openBracket {
            guard let close = v[i...].firstIndex(of: SIPByte.closeBracket) else { return nil }
            host = (i + 1)..<close
            ipv6 = true
            i = close + 1
        } else {
            host = token()
        }
        guard !host.isEmpty else { return nil }
        skipLWS()
        var port: Range<Int>? = nil
        if i < e, v[i] == SIPByte.colon {
            i += 1
            skipLWS()
            let start = i
            while i < e, SIPByte.isDigit(v[i]) { i += 1 }
            port = start..<i
            skipLWS()
        }
        protocolNameRange = name
        protocolVersionRange = version
        transportRange = transport
        hostRange = host
        portRange = port
        parametersRange = i < e && v[i] == SIPByte.semicolon ? (i + 1)..<e : nil
        isIPv6Reference = ipv6
    }

    /// `SIP`.
    public var protocolName: ArraySlice<UInt8> { bytes[protocolNameRange] }
    /// `2.0`.
    public var protocolVersion: ArraySlice<UInt8> { bytes[protocolVersionRange] }
    /// `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, ... as written.
    public var transport: ArraySlice<UInt8> { bytes[transportRange] }
    /// sent-by host (IPv6 without brackets).
    public var host: ArraySlice<UInt8> { bytes[hostRange] }
    /// sent-by port when present and in 0...65535.
    public var port: Int? {
        guard let range = portRange, let value = bytes[range].sipDecimal(maxDigits: 5), value <= 65_535 else { return nil }
        return value
    }
    /// Via parameters without the leading `;`.
    public var parameters: ArraySlice<UInt8>? { parametersRange.map { bytes[$0] } }
    /// The `branch` parameter.
    public var branch: ArraySlice<UInt8>? {
        guard let parameters else { return nil }
        return SIPParameters.value("branch", in: parameters)
    }
}
