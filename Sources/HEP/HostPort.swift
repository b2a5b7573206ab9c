/// Endpoint text split into its parts: `host:port` or `[ipv6]:port`, either optionally behind `scheme://`.
/// The host is not interpreted (a name, an IPv4 literal, or what was inside the brackets); callers decide which
/// hosts and schemes they accept. A bare IPv6 address (`::1:9060`) is rejected: its port would be ambiguous.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// The text before `://` as written, or nil when there is none.
    public var scheme: String?
    /// The host without brackets.
    public var host: String
    /// Whether the host was written in brackets (`[::1]:9060`).
    public var isBracketed: Bool
    public var port: UInt16

    public init(scheme: String?, host: String, isBracketed: Bool, port: UInt16) {
        self.scheme = scheme
        self.host = host
        self.isBracketed = isBracketed
        self.port = port
    }

    public init(parsing text: some StringProtocol) throws(HostPortError) {
        var rest = Substring(text)
        var scheme: String?
        if let separator = rest.firstRange(of: "://") {
            scheme = String(rest[..<separator.lowerBound])
            rest = rest[separator.upperBound...]
        }
        let host: Substring
        let portText: Substring
        let bracketed = rest.hasPrefix("[")
        if bracketed {
            guard let close = rest.firstIndex(of: "]") else { throw .unclosedBracket }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw .missingPort }
            portText = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw .missingPort }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            guard !host.contains(":") else { throw .unbracketedIPv6 }
        }
        guard let port = HostPort.port(portText) else { throw .badPort(String(portText)) }
        self.init(scheme: scheme, host: String(host), isBracketed: bracketed, port: port)
    }

    /// 1 to 5 ASCII digits with a value of at most 65535.
    public static func port(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return UInt16(text)
    }

    /// The text form, with brackets around a host that contains a colon (or was written in brackets).
    public var description: String {
        let hostText = isBracketed || host.contains(":") ? "[\(host)]" : host
        return (scheme.map { "\($0)://" } ?? "") + "\(hostText):\(port)"
    }
}

/// Why endpoint text could not be split into host and port.
public enum HostPortError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `[` without a matching `]`.
    case unclosedBracket
    /// No `:PORT` after the host.
    case missingPort
    /// An IPv6 address without brackets, e.g. `::1:9060`.
    case unbracketedIPv6
    /// The text after the last colon is not a port number (0...65535).
    case badPort(String)

    public var description: String {
        switch self {
        case .unclosedBracket: return "'[' without a closing ']'"
        case .missingPort: return "no port (expected HOST:PORT or [IPV6]:PORT)"
        case .unbracketedIPv6: return "an IPv6 address needs brackets ([IPV6]:PORT)"
        case .badPort(let text): return "'\(text)' is not a port (0...65535)"
        }
    }
}
