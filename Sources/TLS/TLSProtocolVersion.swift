import CLibSSL

/// The oldest TLS version a context accepts (`tls.min_version`). TLS 1.0 and 1.1 are never accepted.
public enum TLSProtocolVersion: String, Sendable, Hashable, CaseIterable {
    case tls12 = "1.2"
    case tls13 = "1.3"

    var openSSLValue: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }
}
