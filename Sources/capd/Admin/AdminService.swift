import Logging

/// Routes admin requests: `GET /metrics`, `GET /healthz`, `POST /mi`. Pure (no sockets), so every answer
/// can be tested directly; `AdminServer` (Hummingbird) feeds it.
struct AdminService: Sendable {
    let exporter: MetricsExporter
    let control: any AdminControl
    var access: AdminAccessPolicy
    /// `capd_admin_refused_total{reason}`; nil in tests that do not count.
    var refused: CounterFamily?
    var logger: Logger
    /// The calls web view (`/`, `/call`, `/api/...`); nil serves only the admin paths.
    var calls: CallsWebEndpoint?
    private let refusalLog = RateLimitedLog(interval: .seconds(60))

    init(exporter: MetricsExporter, control: any AdminControl, access: AdminAccessPolicy = AdminAccessPolicy(),
         refused: CounterFamily? = nil, logger: Logger = Logger(label: "capd.admin")) {
        self.exporter = exporter
        self.control = control
        self.access = access
        self.refused = refused
        self.logger = logger
    }

    init(metrics: CapdMetrics, control: any AdminControl, access: AdminAccessPolicy, calls: CallsWebEndpoint? = nil,
         logger: Logger = Logger(label: "capd.admin")) {
        self.init(exporter: metrics.exporter, control: control, access: access, refused: metrics.adminRefused,
                  logger: logger)
        self.calls = calls
    }

    func isCallsView(_ request: AdminRequest) -> Bool { calls?.handles(request) ?? false }

    /// The methods each path allows; anything else is 404, a known path with another method 405.
    static let routes: [String: [String]] = [
        "/metrics": ["GET"],
        "/healthz": ["GET"],
        "/mi": ["POST"],
    ]

    /// Paths that change state: checked by `access` (token, origin, content type).
    static let controlPaths: Set<String> = ["/mi"]

    /// Decides from the head alone whether the request can be served (before reading any body).
    func precheck(_ request: AdminRequest) -> AdminResponse? {
        if let calls, calls.handles(request) {
            if let refusal = calls.refusal(request) { return refusal }
            if calls.isAuthorised(request) == .refused {
                return refuse(.unauthorized, detail: "the calls view needs admin.token (Authorization: Bearer, or open /?token=...)",
                              request: request)
            }
            return nil
        }
        guard let allowed = Self.routes[request.path] else {
            return .error(.notFound, "no such path; try /metrics, /healthz or POST /mi")
        }
        guard allowed.contains(request.method) else {
            return .error(.methodNotAllowed, "\(request.path) accepts \(allowed.joined(separator: ", "))",
                          extraHeaders: [("Allow", allowed.joined(separator: ", "))])
        }
        if Self.controlPaths.contains(request.path), let (refusal, detail) = access.checkControl(request) {
            return refuse(refusal, detail: detail, request: request)
        }
        return nil
    }

    /// The answer to a body that exceeded the limit (counted and logged like the other refusals).
    func bodyTooLarge(_ request: AdminRequest, limit: Int) -> AdminResponse {
        refuse(.tooLarge, detail: "request body larger than \(limit) bytes", request: request)
    }

    /// The answer to a body that did not arrive in time (counted and logged like the other refusals).
    func bodyTimedOut(_ request: AdminRequest, limit: Duration) -> AdminResponse {
        refuse(.bodyTimeout, detail: "request body not received within \(limit)", request: request)
    }

    func respond(to request: AdminRequest) -> AdminResponse {
        if let refusal = precheck(request) { return refusal }
        if let calls, calls.handles(request) {
            let cookie: String? = if case .allowedSetCookie(let value) = calls.isAuthorised(request) { value } else { nil }
            return calls.respond(to: request, cookie: cookie)
        }
        switch request.path {
        case "/metrics":
            return AdminResponse(status: .ok, contentType: MetricsExporter.contentType, body: exporter.expositionBytes())
        case "/healthz":
            return health(wantsJSON: request.header("Accept")?.contains("application/json") ?? false)
        default:
            let methods = MIMethods(control: control, peer: request.peer, logger: logger)
            let server = JSONRPCServer { name, params in methods.call(name, params: params) }
            let (status, body) = server.respond(to: request.body)
            return AdminResponse(status: status, contentType: "application/json", body: body ?? [])
        }
    }

    private func refuse(_ refusal: AdminAccessPolicy.Refusal, detail: String, request: AdminRequest) -> AdminResponse {
        refused?.labels(refusal.rawValue).increment()
        if let suppressed = refusalLog.shouldLog(refusal.rawValue) {
            logger.warning("event=admin_refused reason=\(refusal.rawValue) method=\(request.method) path=\(request.path) peer=\(request.peer) origin=\"\(request.header("Origin")?.prefix(200) ?? "")\" suppressed_since_last=\(suppressed)")
        }
        return refusal.response(detail: detail)
    }

    private func health(wantsJSON: Bool) -> AdminResponse {
        let status = control.health()
        let httpStatus: HTTPStatus = status.healthy ? .ok : .serviceUnavailable
        if wantsJSON {
            var object: [String: JSONValue] = [
                "status": .string(status.healthy ? "ok" : "unhealthy"),
                "capture": .string(control.captureEnabled ? "on" : "off"),
            ]
            for (key, value) in status.details { object[key] = .string(value) }
            return AdminResponse(status: httpStatus, contentType: "application/json",
                                 body: JSONValue.object(object).serialized())
        }
        var text = status.healthy ? "ok\n" : "unhealthy\n"
        for key in status.details.keys.sorted() {
            text += "\(key)=\(status.details[key] ?? "")\n"
        }
        return AdminResponse(status: httpStatus, text: text)
    }
}
