import HEP
import TLS

/// Where one HEP relay sender sends: the transport, the resolved address, and for `tls` the client's files and
/// the name the server's certificate must carry. Two configured targets that resolve to the same destination
/// share a sender. The configuration's URLs are parsed once, by Rules (`Endpoint(parsing:)`).
public struct RelayDestination: Hashable, Sendable, CustomStringConvertible {
    public var transport: EndpointTransport
    public var endpoint: SocketEndpoint
    /// `tls` only: the client's files (CA, optional client certificate).
    public var tls: TLSClientFiles?
    /// `tls` only: the name the server's certificate must carry (host as configured); nil = the endpoint's address.
    public var serverName: String?

    public init(transport: EndpointTransport, endpoint: SocketEndpoint, tls: TLSClientFiles? = nil, serverName: String? = nil) {
        self.transport = transport
        self.endpoint = endpoint
        self.tls = transport == .tls ? tls ?? TLSClientFiles() : nil
        self.serverName = transport == .tls ? serverName : nil
    }

    /// A configured target (`Endpoint`) sent to `address`, the address its host resolved to.
    public init(_ configured: Endpoint, address: IPAddress, tls: TLSClientFiles? = nil) {
        self.init(transport: configured.transport, endpoint: SocketEndpoint(address: address, port: configured.port),
                  tls: tls, serverName: configured.host)
    }

    public var description: String { "\(transport.rawValue)://\(endpoint)" }
}
