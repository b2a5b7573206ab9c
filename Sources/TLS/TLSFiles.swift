/// The PEM files of a TLS server (a `tls://` listener): certificate (chain), private key and, for client
/// certificates, the CA that signs the agents' certificates. Paths are absolute or relative to the
/// current directory (the configuration loader resolves them against the configuration file).
public struct TLSServerFiles: Sendable, Hashable {
    /// Leaf certificate first, then intermediates.
    public var certificate: String
    public var privateKey: String
    /// CA certificates that agents' certificates must chain to; nil = client certificates are not asked for.
    public var ca: String?
    /// Refuse a handshake without a client certificate signed by `ca`.
    public var requireClientCertificate: Bool
    public var minimumVersion: TLSProtocolVersion

    public init(certificate: String, privateKey: String, ca: String? = nil, requireClientCertificate: Bool = false,
                minimumVersion: TLSProtocolVersion = .tls12) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.ca = ca
        self.requireClientCertificate = requireClientCertificate
        self.minimumVersion = minimumVersion
    }
}

/// The PEM files of a TLS client (a `tls://` relay target).
public struct TLSClientFiles: Sendable, Hashable {
    /// CA certificates the server's certificate must chain to; nil = the system's trust store.
    public var ca: String?
    /// Client certificate (chain) and key, for servers that require one; both or neither.
    public var certificate: String?
    public var privateKey: String?
    public var minimumVersion: TLSProtocolVersion

    public init(ca: String? = nil, certificate: String? = nil, privateKey: String? = nil,
                minimumVersion: TLSProtocolVersion = .tls12) {
        self.ca = ca
        self.certificate = certificate
        self.privateKey = privateKey
        self.minimumVersion = minimumVersion
    }
}
