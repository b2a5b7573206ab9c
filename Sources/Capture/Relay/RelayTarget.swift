import TLS

/// Where relayed HEP goes: `udp://127.0.0.1:9070`, `tcp://[::1]:9061` (IP literals only), or TCP with TLS
/// (`tls` set: `tls://...`).
public struct RelayTarget: Hashable, Sendable, CustomStringConvertible {
    public var transport: NetTransport
    public var endpoint: SocketEndpoint
    /// HEP over TLS: the client's files (CA, optional client certificate); transport is then `.tcp`.
    public var tls: TLSClientFiles?
    /// The name the server's certificate must carry (host as configured); nil = the endpoint's address.
    public var serverName: String?

    public init(transport: NetTransport, endpoint: SocketEndpoint) {
        self.transport = transport
        self.endpoint = endpoint
    }

    public init(url: String) throws(CaptureError) {
        let transport: NetTransport
        let rest: Substring
        if url.hasPrefix("udp://") {
            transport = .udp
            rest = url.dropFirst(6)
        } else if url.hasPrefix("tcp://") {
            transport = .tcp
            rest = url.dropFirst(6)
        } else {
            throw .invalidTarget("\(url): scheme must be udp:// or tcp://")
        }
        guard let endpoint = SocketEndpoint(String(rest)), endpoint.port != 0 else {
            throw .invalidTarget("\(url): expected IP:PORT or [IPv6]:PORT")
        }
        self.init(transport: transport, endpoint: endpoint)
    }

    public var description: String { "\(tls == nil ? transport.rawValue : "tls")://\(endpoint)" }
}
