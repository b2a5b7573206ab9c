import CLibSSL
#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSL `SSL_CTX` built from PEM files: the certificate, key, trust and version settings every new
/// session starts from. Immutable once built, so sessions may be created from any thread. A session keeps
/// its context alive (OpenSSL counts references), so replacing a listener's context on reload leaves the
/// established sessions untouched.
public final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer
    public let isServer: Bool

    private init(pointer: OpaquePointer, isServer: Bool) {
        self.pointer = pointer
        self.isServer = isServer
    }

    /// The leaf certificate this context presents; nil for a client without a certificate.
    public var certificate: TLSCertificateSummary? { TLSCertificateSummary(SSL_CTX_get0_certificate(pointer)) }

    deinit { SSL_CTX_free(pointer) }

    /// A server context for a `tls://` listener. Throws with the file at fault when a file is missing, does
    /// not parse, is encrypted, or the key does not match the certificate.
    public static func server(_ files: TLSServerFiles) throws(TLSError) -> TLSContext {
        let context = try make(server: true, minimum: files.minimumVersion)
        let pointer = context.pointer
        try context.useCertificate(files.certificate, key: files.privateKey)
        if let ca = files.ca {
            try context.trust(ca)
            // Tell clients which CAs we accept, so that one with several certificates picks the right one.
            guard let names = SSL_load_client_CA_file(ca) else {
                throw .badCA(path: ca, reason: OpenSSLErrors.drain())
            }
            SSL_CTX_set_client_CA_list(pointer, names)
            let mode = files.requireClientCertificate ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER
            SSL_CTX_set_verify(pointer, mode, nil)
        } else if files.requireClientCertificate {
            throw .badCA(path: "", reason: "require_client_cert needs a ca file")
        }
        // No session resumption: agents hold long connections, and tickets would need key rotation of their own.
        _ = SSL_CTX_set_num_tickets(pointer, 0)
        _ = capd_ssl_ctx_set_session_cache_mode(pointer, Int(SSL_SESS_CACHE_OFF))
        return context
    }

    /// A client context for a `tls://` relay target: verifies the server against `ca` (or the system trust
    /// store) and presents a client certificate when one is given.
    public static func client(_ files: TLSClientFiles) throws(TLSError) -> TLSContext {
        let context = try make(server: false, minimum: files.minimumVersion)
        let pointer = context.pointer
        switch (files.certificate, files.privateKey) {
        case (let certificate?, let key?): try context.useCertificate(certificate, key: key)
        case (nil, nil): break
        default: throw .incompleteClientCertificate
        }
        if let ca = files.ca {
            try context.trust(ca)
        } else if SSL_CTX_set_default_verify_paths(pointer) != 1 {
            throw .context(reason: "no system trust store: " + OpenSSLErrors.drain())
        }
        SSL_CTX_set_verify(pointer, SSL_VERIFY_PEER, nil)
        return context
    }

    // MARK: building

    /// A new server or client context with what both kinds share (minimum version, modes).
    private static func make(server: Bool, minimum: TLSProtocolVersion) throws(TLSError) -> TLSContext {
        TLSProcess.prepare()
        OpenSSLErrors.clear()
        guard let pointer = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw .context(reason: OpenSSLErrors.drain())
        }
        let context = TLSContext(pointer: pointer, isServer: server)
        try context.configureCommon(minimum: minimum)
        return context
    }

    private func configureCommon(minimum: TLSProtocolVersion) throws(TLSError) {
        guard capd_ssl_ctx_set_min_version(pointer, minimum.openSSLValue) == 1 else {
            throw .context(reason: "cannot set the minimum TLS version: " + OpenSSLErrors.drain())
        }
        // Partial writes and a moving buffer suit non-blocking sockets; idle sessions give back their buffers.
        _ = capd_ssl_ctx_set_mode(pointer, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                                              | SSL_MODE_RELEASE_BUFFERS))
    }

    private func useCertificate(_ certificate: String, key: String) throws(TLSError) {
        try Self.readable(certificate, role: .certificate)
        OpenSSLErrors.clear()
        guard SSL_CTX_use_certificate_chain_file(pointer, certificate) == 1 else {
            throw .badCertificate(path: certificate, reason: OpenSSLErrors.drain())
        }
        let privateKey = try Self.loadKey(key)
        defer { EVP_PKEY_free(privateKey) }
        OpenSSLErrors.clear()
        guard SSL_CTX_use_PrivateKey(pointer, privateKey) == 1, SSL_CTX_check_private_key(pointer) == 1 else {
            _ = OpenSSLErrors.drain()
            throw .keyMismatch(certificate: certificate, key: key)
        }
    }

    private func trust(_ ca: String) throws(TLSError) {
        try Self.readable(ca, role: .ca)
        OpenSSLErrors.clear()
        guard SSL_CTX_load_verify_locations(pointer, ca, nil) == 1 else {
            throw .badCA(path: ca, reason: OpenSSLErrors.drain())
        }
    }

    private static func readable(_ path: String, role: TLSFileRole) throws(TLSError) {
        guard let file = fopen(path, "rb") else {
            throw .unreadable(role: role, path: path, reason: String(cString: strerror(errno)))
        }
        fclose(file)
    }

    /// Reads a PEM private key without ever prompting: an encrypted key is reported as such.
    private static func loadKey(_ path: String) throws(TLSError) -> OpaquePointer {
        try readable(path, role: .privateKey)
        let text = readPrefix(path)
        if text.contains("ENCRYPTED") { throw .encryptedKey(path: path) }
        OpenSSLErrors.clear()
        guard let bio = BIO_new_file(path, "rb") else {
            throw .unreadable(role: .privateKey, path: path, reason: OpenSSLErrors.drain())
        }
        defer { BIO_free(bio) }
        // The callback refuses any passphrase request instead of reading one from the terminal.
        let refuse: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
            _, _, _, _ in -1
        }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, refuse, nil) else {
            let reason = OpenSSLErrors.drain()
            if reason.contains("bad decrypt") || reason.contains("bad password") || reason.contains("problems getting password") {
                throw .encryptedKey(path: path)
            }
            throw .badKey(path: path, reason: reason)
        }
        return key
    }

    /// The first 64 KiB of a file as text (enough for any PEM header).
    private static func readPrefix(_ path: String) -> String {
        guard let file = fopen(path, "rb") else { return "" }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: 65_536)
        let count = fread(&bytes, 1, bytes.count, file)
        return String(decoding: bytes.prefix(count), as: UTF8.self)
    }
}

/// Process-wide preparation: OpenSSL writes to sockets with write(2), so a peer that resets while capd
/// writes would otherwise kill the process with SIGPIPE.
enum TLSProcess {
    private static let prepared: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    static func prepare() { _ = prepared }
}
