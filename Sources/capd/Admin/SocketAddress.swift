#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Capture
import HEP

/// Why an address like `127.0.0.1:9096` or `[::1]:9096` could not be parsed.
enum SocketAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPort(String)
    case badPort(String)
    case badHost(String)

    var description: String {
        switch self {
        case .missingPort(let text): return "'\(text)' has no port (expected HOST:PORT or [IPV6]:PORT)"
        case .badPort(let text): return "'\(text)' has an invalid port (expected 0-65535)"
        case .badHost(let text): return "'\(text)' is not an IPv4 or IPv6 address (or localhost)"
        }
    }
}

/// A numeric TCP endpoint: an IPv4 or IPv6 literal and a port. No name resolution except `localhost`.
/// The socket-address plumbing is Capture's `SocketEndpoint`; this adds the admin address syntax.
struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    var address: IPAddress
    var port: UInt16

    init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    init(_ endpoint: SocketEndpoint) {
        self.init(address: endpoint.address, port: endpoint.port)
    }

    /// Parses `HOST:PORT`, `[IPV6]:PORT` or `localhost:PORT`, optionally behind `http://` or `tcp://`.
    init(parsing text: String) throws(SocketAddressError) {
        var rest = Substring(text)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let parsed: HostPort
        do {
            parsed = try HostPort(parsing: rest)
        } catch {
            switch error {
            case .missingPort: throw .missingPort(text)
            case .badPort: throw .badPort(text)
            case .unclosedBracket, .unbracketedIPv6: throw .badHost(text)
            }
        }
        guard parsed.scheme == nil || parsed.scheme == "http" || parsed.scheme == "tcp",
              let address = parsed.host == "localhost" ? IPAddress(ipv4: 0x7F00_0001) : IPAddress(parsed.host)
        else { throw .badHost(text) }
        self.init(address: address, port: parsed.port)
    }

    var endpoint: SocketEndpoint { SocketEndpoint(address: address, port: port) }

    var family: Int32 { endpoint.socketFamily }

    var hostText: String { address.description }

    var description: String { endpoint.description }

    /// Calls `body` with this address as a `sockaddr` of the right family and length.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        endpoint.withSocketAddress(body)
    }

    /// The address a socket is bound to (`getsockname`).
    static func local(of fd: Int32) -> SocketAddress? {
        SocketEndpoint.local(of: fd).map(SocketAddress.init)
    }
}
