import CLibSSL
#if canImport(Glibc)
import Glibc
#endif

/// One TLS connection over a socket the caller owns (it closes the descriptor after the session is gone).
/// Works on non-blocking sockets (the listener polls and calls again on `wantRead`/`wantWrite`) and on
/// blocking ones with socket timeouts (the relay). Used by one thread at a time.
public final class TLSSession {
    private let ssl: OpaquePointer
    /// The context this session started from (kept for its lifetime; OpenSSL holds its own reference too).
    public let context: TLSContext

    /// What a handshake, read or write step came to.
    public enum Step: Equatable {
        /// Done (handshake complete, or `count` bytes read or written).
        case done(count: Int)
        /// Call again when the socket is readable.
        case wantRead
        /// Call again when the socket is writable.
        case wantWrite
        /// The peer closed the connection (close_notify or EOF).
        case closed
        /// The session failed; it cannot be used any more.
        case failed(TLSFailure)
    }

    /// A server session (`accept` side) or a client one (`connect` side, checking `serverName`).
    public init(context: TLSContext, descriptor: Int32, serverName: String? = nil) throws(TLSError) {
        OpenSSLErrors.clear()
        guard let ssl = SSL_new(context.pointer) else { throw .context(reason: OpenSSLErrors.drain()) }
        self.ssl = ssl
        self.context = context
        guard SSL_set_fd(ssl, descriptor) == 1 else { throw .context(reason: OpenSSLErrors.drain()) }
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName { try expect(serverName) }
        }
    }

    deinit { SSL_free(ssl) }

    /// Client side: the server's certificate must name `host` (a DNS name, or an IP address in its
    /// subjectAltName); a DNS name is also sent as SNI.
    private func expect(_ host: String) throws(TLSError) {
        let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        if isAddress {
            guard let parameters = SSL_get0_param(ssl), X509_VERIFY_PARAM_set1_ip_asc(parameters, host) == 1 else {
                throw .context(reason: "cannot check the server address \(host): " + OpenSSLErrors.drain())
            }
        } else {
            guard SSL_set1_host(ssl, host) == 1, capd_ssl_set_host_name(ssl, host) == 1 else {
                throw .context(reason: "cannot check the server name \(host): " + OpenSSLErrors.drain())
            }
        }
    }

    /// Advances the handshake.
    public func handshake() -> Step {
        OpenSSLErrors.clear()
        let result = SSL_do_handshake(ssl)
        return result == 1 ? .done(count: 0) : step(after: result, handshaking: true)
    }

    /// Decrypted bytes waiting in the session (read them before polling again).
    public var pending: Int { Int(SSL_pending(ssl)) }

    /// Reads decrypted bytes into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Step {
        OpenSSLErrors.clear()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        return result > 0 ? .done(count: Int(result)) : step(after: result, handshaking: false)
    }

    /// Writes some of `bytes` (all of them on a blocking socket unless it fails).
    public func write(_ bytes: UnsafeRawBufferPointer) -> Step {
        OpenSSLErrors.clear()
        let result = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        return result > 0 ? .done(count: Int(result)) : step(after: result, handshaking: false)
    }

    /// Sends close_notify without waiting for the peer's (best effort; the caller closes the socket).
    public func shutdown() {
        OpenSSLErrors.clear()
        _ = SSL_shutdown(ssl)
        OpenSSLErrors.clear()
    }

    /// "TLSv1.3 TLS_AES_256_GCM_SHA384" once the handshake is done.
    public var negotiated: String {
        let version = SSL_get_version(ssl).map { String(cString: $0) } ?? "?"
        let cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)).map { String(cString: $0) } ?? "?"
        return "\(version) \(cipher)"
    }

    /// The peer's certificate subject, when it presented one.
    public var peerSubject: String? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        return TLSCertificateSummary(certificate)?.subject
    }

    private func step(after result: Int32, handshaking: Bool) -> Step {
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let systemError = errno
            if ERR_peek_error() == 0 {
                // EOF without close_notify, or a socket error (reset).
                if systemError == 0 || systemError == ECONNRESET || systemError == EPIPE {
                    return handshaking ? .failed(TLSFailure(reason: .peerClosed, detail: "connection closed during the handshake")) : .closed
                }
                if systemError == EAGAIN || systemError == EWOULDBLOCK { return .wantRead }
                return .failed(TLSFailure(reason: .socketError, detail: String(cString: strerror(systemError))))
            }
            return .failed(TLSFailure.classify(ssl: ssl))
        default:
            // OpenSSL 3 reports a TCP close without close_notify as an error; agents that just close are normal.
            if OpenSSLErrors.firstReason() == SSL_R_UNEXPECTED_EOF_WHILE_READING {
                OpenSSLErrors.clear()
                return handshaking ? .failed(TLSFailure(reason: .peerClosed, detail: "connection closed during the handshake")) : .closed
            }
            return .failed(TLSFailure.classify(ssl: ssl))
        }
    }
}
