/// Which configured file a TLS error is about (the configuration checker points at that key).
public enum TLSFileRole: String, Sendable {
    case certificate = "cert"
    case privateKey = "key"
    case ca
}

/// Why TLS material could not be loaded or a context built. Every case names the file and says what to do.
public enum TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case unreadable(role: TLSFileRole, path: String, reason: String)
    /// The file is not a PEM certificate (chain) OpenSSL accepts.
    case badCertificate(path: String, reason: String)
    /// The private key is protected by a passphrase; capd starts unattended and cannot ask for one.
    case encryptedKey(path: String)
    /// The file is not a PEM private key OpenSSL accepts.
    case badKey(path: String, reason: String)
    /// The private key does not belong to the certificate.
    case keyMismatch(certificate: String, key: String)
    /// The CA file holds no usable certificate.
    case badCA(path: String, reason: String)
    /// A client certificate was given without its key, or the other way round.
    case incompleteClientCertificate
    /// OpenSSL refused to create or configure a context.
    case context(reason: String)

    /// The file (configuration key) the error is about; nil when it is about none in particular.
    public var role: TLSFileRole? {
        switch self {
        case .unreadable(let role, _, _): role
        case .badCertificate: .certificate
        case .encryptedKey, .badKey, .keyMismatch: .privateKey
        case .badCA: .ca
        case .incompleteClientCertificate, .context: nil
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let role, let path, let reason):
            "cannot read the TLS \(role == .ca ? "CA" : role == .certificate ? "certificate" : "private key") file '\(path)': \(reason)"
        case .badCertificate(let path, let reason):
            "'\(path)' is not a PEM certificate or certificate chain (\(reason))"
        case .encryptedKey(let path):
            "the private key '\(path)' is encrypted with a passphrase, which capd cannot enter at start or reload; store it unencrypted with restricted permissions (openssl pkey -in \(path) -out KEY && chmod 600 KEY)"
        case .badKey(let path, let reason):
            "'\(path)' is not a PEM private key (\(reason))"
        case .keyMismatch(let certificate, let key):
            "the private key '\(key)' does not belong to the certificate '\(certificate)'"
        case .badCA(let path, let reason):
            "'\(path)' holds no usable PEM CA certificate (\(reason))"
        case .incompleteClientCertificate:
            "a client certificate needs both cert and key"
        case .context(let reason):
            "OpenSSL could not set up TLS: \(reason)"
        }
    }
}
