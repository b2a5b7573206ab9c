/// Why a payload is not a SIP message. Only the start line decides: header and body problems yield a
/// partial view instead (a capture server stores what it can).
public enum SIPParseError: Error, Equatable, Sendable {
    /// Nothing but line breaks.
    case empty
    /// The payload is larger than the view can index (2 GiB).
    case tooLarge(Int)
    /// The first line is neither `METHOD SP URI SP SIP/2.0` nor `SIP/2.0 SP CODE SP reason`.
    case badRequestLine
    /// A request method with characters outside the RFC 3261 `token` set.
    case badMethod
    /// A Request-URI without a valid `scheme:` prefix (for example one wrapped in `<>`).
    case badRequestURI
    /// A protocol version other than `SIP/2.0`.
    case unsupportedVersion
    /// A status line whose code is not three digits in 100...699.
    case badStatusCode

    /// A stable snake_case label for metrics.
    public var reason: String {
        switch self {
        case .empty: "empty"
        case .tooLarge: "too_large"
        case .badRequestLine: "bad_request_line"
        case .badMethod: "bad_method"
        case .badRequestURI: "bad_request_uri"
        case .unsupportedVersion: "unsupported_version"
        case .badStatusCode: "bad_status_code"
        }
    }
}
