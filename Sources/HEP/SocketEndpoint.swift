/// An IP address and port: where a socket is bound or connected, and the `net.*` addresses of what it received.
/// An `Endpoint` whose host is resolved (or numeric) becomes one; Capture adds the `sockaddr` plumbing.
public struct SocketEndpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// A numeric endpoint (`Endpoint(parsing:)` syntax): `IP:PORT`, `[IPV6]:PORT` or `localhost:PORT`, bare or
    /// behind one of `schemes`. Any host other than an IP literal or `localhost` is `.notNumeric`.
    public init(parsing text: some StringProtocol, schemes: [String: EndpointTransport] = [:]) throws(EndpointError) {
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(parsing: text, schemes: schemes, bare: .tcp)
        } catch .badHost(let whole) {
            throw .notNumeric(whole)
        }
        guard let resolved = endpoint.socketEndpoint else { throw .notNumeric(String(text)) }
        self = resolved
    }

    /// "127.0.0.1:9060", "[::1]:9060", "localhost:9060" (no scheme); nil for anything else.
    public init?(_ text: String) {
        guard let parsed = try? SocketEndpoint(parsing: text) else { return nil }
        self = parsed
    }

    /// "127.0.0.1:9060", "[::1]:9060".
    public var description: String {
        address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}
