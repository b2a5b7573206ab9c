/// The calls web view on the admin endpoint: `AdminService` hands it the paths of `CallsWebHandler`.
/// Read-only (GET/HEAD); with `admin.token` set every request needs the token (header, cookie or `?token=`).
struct CallsWebEndpoint: Sendable {
    let handler: CallsWebHandler
    let access: CallsWebAccess

    func handles(_ request: AdminRequest) -> Bool { CallsWebHandler.handles(request.path) }

    /// nil when the request may go on; otherwise the refusal reason for `AdminService` to answer and count.
    func refusal(_ request: AdminRequest) -> AdminResponse? {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .error(.methodNotAllowed, "the calls view is read-only: GET only", extraHeaders: [("Allow", "GET, HEAD")])
        }
        return nil
    }

    func isAuthorised(_ request: AdminRequest) -> CallsWebAccess.Decision {
        access.decide(authorization: request.header("Authorization"), cookie: request.header("Cookie"),
                      queryToken: WebQuery.parse(Substring(request.query))["token"])
    }

    func respond(to request: AdminRequest, cookie: String?) -> AdminResponse {
        let answer = handler.respond(method: request.method, path: request.path, query: WebQuery.parse(Substring(request.query)))
        var headers = answer.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        headers.append(("Cache-Control", "no-store"))
        headers.append(("X-Content-Type-Options", "nosniff"))
        headers.append(("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:"))
        if let cookie { headers.append(("Set-Cookie", cookie)) }
        let status = HTTPStatus(code: answer.status, reason: Self.reason(answer.status))
        return AdminResponse(status: status, contentType: answer.contentType,
                             body: request.method == "HEAD" ? [] : answer.body, extraHeaders: headers)
    }

    static func reason(_ code: Int) -> String {
        switch code {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
