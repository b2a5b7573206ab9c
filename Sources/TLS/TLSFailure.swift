import CLibSSL

/// Why a TLS session failed, in the words of `capd_tls_handshake_failures_total{reason}`, with OpenSSL's
/// own explanation for the log.
public struct TLSFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        /// The peer offered only TLS versions below the minimum (e.g. TLS 1.0), or none we speak.
        case protocolVersion = "protocol_version"
        /// Under `require_client_cert`, the client sent no certificate.
        case noClientCertificate = "no_client_certificate"
        /// The peer's certificate is past its notAfter (or not yet valid).
        case certificateExpired = "certificate_expired"
        /// The peer's certificate does not chain to the trusted CA (or names another host).
        case certificateUntrusted = "certificate_untrusted"
        /// The peer refused our certificate (an alert such as unknown_ca or bad_certificate).
        case peerRejectedCertificate = "peer_rejected_certificate"
        /// The bytes were not a TLS handshake (plain HEP, HTTP, garbage).
        case notTLS = "not_tls"
        /// The handshake did not finish within the handshake timeout.
        case timeout
        /// The peer closed or reset the connection during the handshake.
        case peerClosed = "peer_closed"
        /// The socket failed.
        case socketError = "socket_error"
        /// Any other protocol failure.
        case other
    }

    public var reason: Reason
    public var detail: String

    public init(reason: Reason, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }

    /// Reads the failure from the thread's error queue and the session's verify result, and empties the queue.
    static func classify(ssl: OpaquePointer) -> TLSFailure {
        let code = OpenSSLErrors.firstReason()
        let verify = SSL_get_verify_result(ssl)
        let detail = OpenSSLErrors.drain(fallback: "TLS protocol error")
        // Alerts from the peer arrive as reason SSL_AD_REASON_OFFSET (1000) + alert number.
        if code >= 1_000 && code < 1_256 {
            switch code - 1_000 {
            case 70: return TLSFailure(reason: .protocolVersion, detail: detail)
            case 42...49: return TLSFailure(reason: .peerRejectedCertificate, detail: detail)
            case 116: return TLSFailure(reason: .noClientCertificate, detail: detail)   // certificate_required
            default: return TLSFailure(reason: .other, detail: detail)
            }
        }
        switch code {
        case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_VERSION_TOO_LOW,
             SSL_R_UNSUPPORTED_SSL_VERSION, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
            return TLSFailure(reason: .protocolVersion, detail: detail)
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return TLSFailure(reason: .noClientCertificate, detail: detail)
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
            let text = X509_verify_cert_error_string(Int(verify)).map { String(cString: $0) } ?? "verify failed"
            let expired = verify == X509_V_ERR_CERT_HAS_EXPIRED || verify == X509_V_ERR_CERT_NOT_YET_VALID
            return TLSFailure(reason: expired ? .certificateExpired : .certificateUntrusted, detail: "\(detail): \(text)")
        case SSL_R_WRONG_VERSION_NUMBER, SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST, SSL_R_PACKET_LENGTH_TOO_LONG,
             SSL_R_RECORD_LENGTH_MISMATCH, SSL_R_UNKNOWN_PROTOCOL, SSL_R_WRONG_SSL_VERSION, SSL_R_LENGTH_TOO_SHORT,
             SSL_R_BAD_PACKET_LENGTH, SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
            return TLSFailure(reason: .notTLS, detail: detail)
        default:
            return TLSFailure(reason: .other, detail: detail)
        }
    }
}
