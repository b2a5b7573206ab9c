/// How capd talks to a peer: what a HEP listener accepts, what a relay target sends over, what the admin plane
/// serves. Not the transport of a captured SIP message (Capture's `CaptureTransport`, which also knows SCTP and
/// WebSocket) nor a HEP packet's protocol chunk (`HEPPacket.transport`): docs/architecture.md, "Endpoints".
public enum EndpointTransport: String, Sendable, Hashable, CaseIterable {
    case udp, tcp
    /// TCP with TLS on top.
    case tls

    /// 17 or 6: the IP protocol under it (TLS runs over TCP).
    public var ipProtocol: UInt8 { self == .udp ? 17 : 6 }
}

/// A peer of capd as configured: transport, host and port (`udp://127.0.0.1:9060`, `tls://[::1]:9061`,
/// `tcp://hep.example.net:9061`). The host stays as written; `numericAddress` / `socketEndpoint` give the
/// address where no name lookup is wanted, and relay targets keep the address their host resolved to.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var transport: EndpointTransport
    /// A host name or an IP literal as written (IPv6 without brackets).
    public var host: String
    public var port: UInt16

    public init(transport: EndpointTransport, host: String, port: UInt16) {
        self.transport = transport
        self.host = host
        self.port = port
    }

    /// `host:port`, or `[ipv6]:port`.
    public var hostPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `udp://host:port`, `tls://[ipv6]:port`.
    public var description: String { "\(transport.rawValue)://\(hostPort)" }

    /// The host as an address without a name lookup: an IP literal, or 127.0.0.1 for `localhost`; nil for a name.
    public var numericAddress: IPAddress? {
        host.lowercased() == "localhost" ? IPAddress(ipv4: 0x7F00_0001) : IPAddress(host)
    }

    /// The socket address of a numeric host (`numericAddress`) and this port.
    public var socketEndpoint: SocketEndpoint? {
        numericAddress.map { SocketEndpoint(address: $0, port: port) }
    }

    /// True for `localhost`, 127.0.0.0/8 and ::1 as written (no name lookup).
    public var isLoopbackHost: Bool {
        let host = self.host.lowercased()
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

extension Endpoint {
    /// The schemes of `listen:` and relay URLs.
    public static let urlSchemes: [String: EndpointTransport] = ["udp": .udp, "tcp": .tcp, "tls": .tls]

    /// The one parser of endpoint text: `SCHEME://HOST:PORT` with a scheme of `schemes` (compared in lower case),
    /// or a bare `HOST:PORT` when `bare` names its transport. HOST is a name or an IPv4 literal, or an IPv6
    /// literal in brackets (`[::1]:9060`; a bare `::1:9060` is refused, its port would be ambiguous). PORT is
    /// 0...65535 in at most 5 digits; callers that cannot use port 0 refuse it themselves.
    public init(
        parsing text: some StringProtocol, schemes: [String: EndpointTransport] = Endpoint.urlSchemes,
        bare: EndpointTransport? = nil
    ) throws(EndpointError) {
        let whole = String(text)
        var rest = Substring(text)
        let transport: EndpointTransport
        if let separator = rest.firstRange(of: "://") {
            guard let known = schemes[rest[..<separator.lowerBound].lowercased()] else { throw .badScheme(whole) }
            transport = known
            rest = rest[separator.upperBound...]
        } else {
            guard let bare else { throw .badScheme(whole) }
            transport = bare
        }
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .badHost(whole) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            guard host.contains(":"), IPAddress(String(host)) != nil else { throw .badHost(whole) }
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw .missingPort(whole) }
            portText = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw .missingPort(whole) }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            guard !host.contains(":") else { throw .badHost(whole) }
        }
        guard !host.isEmpty, host.utf8.allSatisfy(Endpoint.isHostByte) else { throw .badHost(whole) }
        guard let port = Endpoint.port(portText) else { throw .badPort(whole) }
        self.init(transport: transport, host: String(host), port: port)
    }

    /// `udp://HOST:PORT`, `tcp://HOST:PORT` or `tls://HOST:PORT` with a port other than 0, as `listen:`, relay
    /// targets and `capd run --listen` take them; nil for anything else (callers say what they expected).
    public init?(url text: some StringProtocol) {
        guard let endpoint = try? Endpoint(parsing: text), endpoint.port != 0 else { return nil }
        self = endpoint
    }

    /// 1 to 5 ASCII digits with a value of at most 65535.
    public static func port(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return UInt16(text)
    }

    /// Letters, digits, `-._~!%*+'` and backquote (the token characters of SIP), and `:` of IPv6 literals.
    static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-.!%*_+`'~:".utf8.contains(byte)
        }
    }
}

/// Why endpoint text is not an endpoint; each case carries the text as given.
public enum EndpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No `:PORT` after the host.
    case missingPort(String)
    /// The text after the host's colon is not 0...65535 in at most 5 digits.
    case badPort(String)
    /// An empty host, characters a host cannot have, `[` without `]`, brackets around something other than an
    /// IPv6 address, or an IPv6 address without brackets.
    case badHost(String)
    /// Where only an IP address (or `localhost`) will do: any other host, or a malformed one.
    case notNumeric(String)
    /// A scheme the caller does not take, or none where one is needed.
    case badScheme(String)

    public var description: String {
        switch self {
        case .missingPort(let text): return "'\(text)' has no port (expected HOST:PORT or [IPV6]:PORT)"
        case .badPort(let text): return "'\(text)' has an invalid port (expected 0-65535)"
        case .badHost(let text): return "'\(text)' has no valid host (a name, an IPv4 address or [IPV6])"
        case .notNumeric(let text): return "'\(text)' is not an IPv4 or IPv6 address (or localhost)"
        case .badScheme(let text): return "'\(text)' has no or an unexpected scheme"
        }
    }

    /// The same reason about `text` (the text a caller was given, before it trimmed it).
    public func reporting(_ text: String) -> EndpointError {
        switch self {
        case .missingPort: return .missingPort(text)
        case .badPort: return .badPort(text)
        case .badHost: return .badHost(text)
        case .notNumeric: return .notNumeric(text)
        case .badScheme: return .badScheme(text)
        }
    }
}
