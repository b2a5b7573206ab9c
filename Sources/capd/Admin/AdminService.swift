/// Routes admin requests: `GET /metrics`, `GET /healthz`, `POST /mi`. Pure (no sockets), so every answer
/// can be tested directly; `AdminServer` feeds it.
struct AdminService: Sendable {
    let registry: MetricsRegistry
    let control: any AdminControl

    /// The methods each path allows; anything else is 404, a known path with another method 405.
    static let routes: [String: [String]] = [
        "/metrics": ["GET"],
        "/healthz": ["GET"],
        "/mi": ["POST"],
    ]

    /// Decides from the head alone whether the request can be served (before reading any body).
    func precheck(_ head: HTTPRequestHead) -> HTTPResponse? {
        guard let allowed = Self.routes[head.path] else {
            return .error(.notFound, "no such path; try /metrics, /healthz or POST /mi")
        }
        guard allowed.contains(head.method) else {
            return .error(.methodNotAllowed, "\(head.path) accepts \(allowed.joined(separator: ", "))",
                          extraHeaders: [("Allow", allowed.joined(separator: ", "))])
        }
        if head.path == "/mi", let type = head.header("Content-Type") {
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard media == "application/json" || media == "application/json-rpc" else {
                return .error(.unsupportedMediaType, "POST /mi takes application/json (JSON-RPC 2.0)")
            }
        }
        return nil
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        if let refusal = precheck(request.head) { return refusal }
        let response: HTTPResponse
        switch request.head.path {
        case "/metrics":
            response = HTTPResponse(status: .ok, contentType: MetricText.contentType,
                                    body: Array(registry.exposition().utf8))
        case "/healthz":
            response = health(wantsJSON: request.head.header("Accept")?.contains("application/json") ?? false)
        default:
            let methods = MIMethods(control: control)
            let server = JSONRPCServer { name, params in methods.call(name, params: params) }
            let (status, body) = server.respond(to: request.body)
            response = HTTPResponse(status: status, contentType: "application/json", body: body ?? [])
        }
        return response
    }

    private func health(wantsJSON: Bool) -> HTTPResponse {
        let status = control.health()
        let httpStatus: HTTPStatus = status.healthy ? .ok : .serviceUnavailable
        if wantsJSON {
            var object: [String: JSONValue] = [
                "status": .string(status.healthy ? "ok" : "unhealthy"),
                "capture": .string(control.captureEnabled ? "on" : "off"),
            ]
            for (key, value) in status.details { object[key] = .string(value) }
            return HTTPResponse(status: httpStatus, contentType: "application/json",
                                body: JSONValue.object(object).serialized())
        }
        var text = status.healthy ? "ok\n" : "unhealthy\n"
        for key in status.details.keys.sorted() {
            text += "\(key)=\(status.details[key] ?? "")\n"
        }
        return HTTPResponse(status: httpStatus, text: text)
    }
}
