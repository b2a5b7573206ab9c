/// A request to the admin endpoint as `AdminService` sees it: what the HTTP server decoded, without any
/// connection state, so routing and the security checks can be tested without sockets.
struct AdminRequest: Sendable {
    var method: String
    /// The request target without its query string.
    var path: String
    /// The query string (after `?`, still percent-encoded), or "".
    var query: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Who asked: `HOST:PORT` of the client, for the log of state changes.
    var peer: String
    /// The address the connection arrived on (what a browser page served from here names as its origin).
    var local: LocalAddress?

    struct LocalAddress: Equatable, Sendable {
        var host: String
        var port: Int
    }

    init(method: String, path: String, query: String = "", headers: [(name: String, value: String)] = [],
         body: [UInt8] = [], peer: String = "unknown", local: LocalAddress? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.peer = peer
        self.local = local
    }

    /// The first header named `name` (case-insensitive).
    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// A complete answer of the admin endpoint.
struct AdminResponse: Equatable, Sendable {
    var status: HTTPStatus
    var contentType: String
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []

    init(status: HTTPStatus, contentType: String = "text/plain; charset=utf-8", body: [UInt8],
         extraHeaders: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.extraHeaders = extraHeaders
    }

    init(status: HTTPStatus, text: String, extraHeaders: [(String, String)] = []) {
        self.init(status: status, body: Array(text.utf8), extraHeaders: extraHeaders)
    }

    /// A plain-text error whose body names the status.
    static func error(_ status: HTTPStatus, _ detail: String? = nil, extraHeaders: [(String, String)] = []) -> AdminResponse {
        let text = "\(status.code) \(status.reason)" + (detail.map { ": \($0)" } ?? "") + "\n"
        return AdminResponse(status: status, text: text, extraHeaders: extraHeaders)
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    static func == (lhs: AdminResponse, rhs: AdminResponse) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.extraHeaders.map(\.0) == rhs.extraHeaders.map(\.0)
            && lhs.extraHeaders.map(\.1) == rhs.extraHeaders.map(\.1)
    }
}
