import CLibSSL
#if canImport(Glibc)
import Glibc
#endif

/// What an operator needs to know about a loaded certificate: who it names, until when, and a fingerprint to
/// tell a rotated one from the old (logged on start and reload).
public struct TLSCertificateSummary: Sendable, Equatable, CustomStringConvertible {
    public var subject: String
    public var issuer: String
    /// `notAfter` in UTC, "2027-12-01T10:00:00Z".
    public var notAfter: String
    public var isExpired: Bool
    /// SHA-256 of the DER certificate, lowercase hex.
    public var sha256: String

    public var description: String {
        "subject=\"\(subject)\" issuer=\"\(issuer)\" not_after=\(notAfter)\(isExpired ? " (EXPIRED)" : "") sha256=\(sha256.prefix(16))"
    }

    init?(_ certificate: OpaquePointer?) {
        guard let certificate else { return nil }
        subject = Self.name(X509_get_subject_name(certificate))
        issuer = Self.name(X509_get_issuer_name(certificate))
        let notAfter = X509_get0_notAfter(certificate)
        var time = tm()
        if let notAfter, ASN1_TIME_to_tm(notAfter, &time) == 1 {
            self.notAfter = String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", time.tm_year + 1900, time.tm_mon + 1,
                                   time.tm_mday, time.tm_hour, time.tm_min, time.tm_sec)
        } else {
            self.notAfter = "unknown"
        }
        isExpired = notAfter.map { X509_cmp_current_time($0) < 0 } ?? false
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        if X509_digest(certificate, EVP_sha256(), &digest, &length) == 1 {
            sha256 = digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
        } else {
            sha256 = ""
        }
    }

    private static func name(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        var buffer = [CChar](repeating: 0, count: 512)
        guard X509_NAME_oneline(name, &buffer, Int32(buffer.count)) != nil else { return "" }
        return String(cString: buffer)
    }
}

extension String {
    fileprivate init(format: String, _ values: CVarArg...) {
        var buffer = [CChar](repeating: 0, count: 128)
        _ = withVaList(values) { vsnprintf(&buffer, buffer.count, format, $0) }
        self = String(cString: buffer)
    }
}
