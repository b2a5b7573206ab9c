/// Who may change state through `POST /mi` (issue 15 row 3): a browser page on another site must not be
/// able to switch capture off, and a non-loopback admin address can require a bearer token.
///
/// A cross-site page can send a "simple" request (no preflight) only without a JSON content type, and a
/// browser always names the page's origin in `Origin` on a cross-site POST. So `/mi` requires
/// `Content-Type: application/json` and refuses an `Origin` other than the admin address itself. Tools
/// (curl, `capd ctl`, Prometheus) send no `Origin` and are not affected.
struct AdminAccessPolicy: Sendable {
    /// `admin.token`: when set, `/mi` needs `Authorization: Bearer TOKEN`.
    var token: String?

    init(token: String? = nil) {
        self.token = token
    }

    /// Why a control request was refused (also the `reason` label of `capd_admin_refused_total`).
    enum Refusal: String, Sendable, CaseIterable {
        case unauthorized
        case foreignOrigin = "foreign_origin"
        case unsupportedMediaType = "unsupported_media_type"
        case tooLarge = "too_large"
        case bodyTimeout = "body_timeout"

        func response(detail: String) -> AdminResponse {
            switch self {
            case .unauthorized:
                return .error(.unauthorized, detail, extraHeaders: [("WWW-Authenticate", "Bearer realm=\"capd\"")])
            case .foreignOrigin: return .error(.forbidden, detail)
            case .unsupportedMediaType: return .error(.unsupportedMediaType, detail)
            case .tooLarge: return .error(.payloadTooLarge, detail)
            case .bodyTimeout: return .error(.requestTimeout, detail, extraHeaders: [("Connection", "close")])
            }
        }
    }

    /// Checks a state-changing request from its head alone; nil when it may proceed.
    func checkControl(_ request: AdminRequest) -> (Refusal, String)? {
        if let token {
            guard let presented = Self.bearerToken(request.header("Authorization")),
                  Self.constantTimeEqual(presented, token) else {
                return (.unauthorized, "this endpoint needs Authorization: Bearer <admin.token>")
            }
        }
        if let origin = request.header("Origin") {
            guard let local = request.local, Self.originIsOwn(origin, local: local) else {
                return (.foreignOrigin, "requests from origin '\(origin.prefix(200))' are refused")
            }
        }
        let media = request.header("Content-Type")?.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "application/json" else {
            return (.unsupportedMediaType, "POST /mi takes Content-Type: application/json (JSON-RPC 2.0)")
        }
        return nil
    }

    /// The token of `Bearer TOKEN` (scheme case-insensitive), or nil.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// Compares without returning early at the first differing byte.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }

    /// True when `origin` (`http://host[:port]`) names the address the request arrived on: the same
    /// host and port, or `localhost` / the other loopback spelling when that address is a loopback one.
    static func originIsOwn(_ origin: String, local: AdminRequest.LocalAddress) -> Bool {
        // The admin endpoint speaks plain HTTP: an https page is never one of its own.
        guard origin.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("http://"),
              let authority = parseOrigin(origin), authority.port == local.port else { return false }
        let own = normalisedHost(local.host)
        let named = normalisedHost(authority.host)
        if named == own { return true }
        let loopback: Set<String> = ["localhost", "127.0.0.1", "::1"]
        return isLoopback(own) && loopback.contains(named)
    }

    /// Host (lower case, without IPv6 brackets) and port of an origin; nil for `null` or anything odd.
    static func parseOrigin(_ origin: String) -> (host: String, port: Int)? {
        let text = origin.trimmingCharacters(in: .whitespaces).lowercased()
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let scheme = text[..<schemeEnd.lowerBound]
        var rest = text[schemeEnd.upperBound...]
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard !rest.isEmpty, !rest.contains("@") else { return nil }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        let port: Int
        if let portText {
            guard let value = Int(portText), (0...65535).contains(value) else { return nil }
            port = value
        } else {
            switch scheme {
            case "http": port = 80
            case "https": port = 443
            default: return nil
            }
        }
        guard !host.isEmpty else { return nil }
        return (String(host), port)
    }

    private static func normalisedHost(_ host: String) -> String {
        var text = host.lowercased()
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.hasPrefix("::ffff:") { text = String(text.dropFirst("::ffff:".count)) }
        return text
    }

    static func isLoopback(_ host: String) -> Bool {
        let text = normalisedHost(host)
        return text == "localhost" || text == "::1" || text.hasPrefix("127.")
    }
}
