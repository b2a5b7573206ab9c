import TLS

/// `tls:` — the certificate of the `tls://` listeners and what they ask of agents (docs/operations.md,
/// "HEP over TLS"). Paths are resolved against the configuration file's directory when loaded.
public struct TLSSettings: Sendable, Equatable {
    /// Server certificate, leaf first then intermediates (PEM).
    public var certificate: String
    /// Unencrypted PEM private key of `certificate`.
    public var privateKey: String
    /// CA certificates agents' client certificates must chain to (PEM); nil = none asked for.
    public var ca: String?
    /// Refuse agents without a certificate signed by `ca`.
    public var requireClientCertificate = false
    public var minimumVersion: TLSProtocolVersion = .tls12
    /// Seconds a connection has to finish its handshake.
    public var handshakeTimeoutSeconds = 10

    public init(certificate: String, privateKey: String) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// What the listener's OpenSSL context is built from.
    public var serverFiles: TLSServerFiles {
        TLSServerFiles(certificate: certificate, privateKey: privateKey, ca: ca,
                       requireClientCertificate: requireClientCertificate, minimumVersion: minimumVersion)
    }
}
