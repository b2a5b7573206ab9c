/// The head of an HTTP/1.x request as the admin endpoint needs it.
struct HTTPRequestHead: Equatable, Sendable {
    var method: String
    /// The request target without its query string.
    var path: String
    var query: String?
    var version: String
    var headers: [(name: String, value: String)]

    /// The first header named `name` (case-insensitive).
    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    static func == (lhs: HTTPRequestHead, rhs: HTTPRequestHead) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path && lhs.query == rhs.query && lhs.version == rhs.version
            && lhs.headers.map(\.name) == rhs.headers.map(\.name)
            && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

struct HTTPRequest: Sendable {
    var head: HTTPRequestHead
    var body: [UInt8]
}

/// A complete response; always sent with `Content-Length` and `Connection: close`.
struct HTTPResponse: Equatable, Sendable {
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
    static func error(_ status: HTTPStatus, _ detail: String? = nil, extraHeaders: [(String, String)] = []) -> HTTPResponse {
        let text = "\(status.code) \(status.reason)" + (detail.map { ": \($0)" } ?? "") + "\n"
        return HTTPResponse(status: status, text: text, extraHeaders: extraHeaders)
    }

    func serialized() -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        if status != .noContent {
            head += "Content-Type: \(contentType)\r\n"
            head += "Content-Length: \(body.count)\r\n"
        }
        for (name, value) in extraHeaders {
            head += "\(name): \(value)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + (status == .noContent ? [] : body)
    }

    static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.extraHeaders.map(\.0) == rhs.extraHeaders.map(\.0)
            && lhs.extraHeaders.map(\.1) == rhs.extraHeaders.map(\.1)
    }
}

struct HTTPStatus: Hashable, Sendable {
    var code: Int
    var reason: String

    static let ok = HTTPStatus(code: 200, reason: "OK")
    static let noContent = HTTPStatus(code: 204, reason: "No Content")
    static let badRequest = HTTPStatus(code: 400, reason: "Bad Request")
    static let notFound = HTTPStatus(code: 404, reason: "Not Found")
    static let methodNotAllowed = HTTPStatus(code: 405, reason: "Method Not Allowed")
    static let requestTimeout = HTTPStatus(code: 408, reason: "Request Timeout")
    static let lengthRequired = HTTPStatus(code: 411, reason: "Length Required")
    static let payloadTooLarge = HTTPStatus(code: 413, reason: "Payload Too Large")
    static let unsupportedMediaType = HTTPStatus(code: 415, reason: "Unsupported Media Type")
    static let headersTooLarge = HTTPStatus(code: 431, reason: "Request Header Fields Too Large")
    static let internalError = HTTPStatus(code: 500, reason: "Internal Server Error")
    static let notImplemented = HTTPStatus(code: 501, reason: "Not Implemented")
    static let serviceUnavailable = HTTPStatus(code: 503, reason: "Service Unavailable")
    static let versionNotSupported = HTTPStatus(code: 505, reason: "HTTP Version Not Supported")
}
