/// Who may read the calls web view when `admin.token` is set: a request with `Authorization: Bearer TOKEN`,
/// the `capd_token` cookie, or `?token=TOKEN` (a browser's first visit; the answer then sets the cookie,
/// HttpOnly and SameSite=Strict, so the page's own requests and the pcap link carry it).
struct CallsWebAccess: Sendable {
    var token: String?

    static let cookieName = "capd_token"

    enum Decision: Equatable {
        case allowed
        /// Allowed through `?token=`: set the cookie on the answer.
        case allowedSetCookie(String)
        case refused
    }

    func decide(authorization: String?, cookie: String?, queryToken: String?) -> Decision {
        guard let token, !token.isEmpty else { return .allowed }
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer",
               Self.constantTimeEqual(parts[1].trimmingCharacters(in: .whitespaces), token) { return .allowed }
        }
        if let cookie, let value = Self.cookieValue(cookie, name: Self.cookieName), Self.constantTimeEqual(value, token) {
            return .allowed
        }
        if let queryToken, Self.constantTimeEqual(queryToken, token) {
            return .allowedSetCookie("\(Self.cookieName)=\(Self.cookieSafe(token)); Path=/; HttpOnly; SameSite=Strict")
        }
        return .refused
    }

    /// `name`'s value in a `Cookie:` header (`a=1; capd_token=x`).
    static func cookieValue(_ header: String, name: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                return pair[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// A token is sent back in a cookie only when it has no characters a cookie value cannot carry.
    static func cookieSafe(_ token: String) -> String {
        token.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !";,\"\\".unicodeScalars.contains($0) }
            ? token : ""
    }

    static func constantTimeEqual(_ a: some StringProtocol, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
