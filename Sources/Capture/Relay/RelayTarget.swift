import TLS

/// Where relayed HEP goes: `udp://127.0.0.1:9070`, `tcp://[::1]:9061` (IP literals only), or TCP with TLS
/// (`tls` set: `tls://...`). The configuration's URLs are parsed once, by Rules (`ConfigParser.relayTarget`).
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

    public var description: String { "\(tls == nil ? transport.rawValue : "tls")://\(endpoint)" }
}
