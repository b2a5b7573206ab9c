import Dispatch
import Hummingbird
import HummingbirdCore
import HTTPTypes
import protocol NIOCore.Channel
import struct NIOCore.NIOTooManyBytesError
import struct NIOCore.TimeAmount

/// The request context of the admin server: who is asking and on which of our addresses.
struct AdminRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// `HOST:PORT` of the client (IPv6 in brackets), or `unknown`.
    let peer: String
    let local: AdminRequest.LocalAddress?
    /// The connection, to close it after answering a body that never finished arriving.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
        let remote = source.channel.remoteAddress
        if let ip = remote?.ipAddress, let port = remote?.port {
            peer = ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
        } else {
            peer = "unknown"
        }
        if let localAddress = source.channel.localAddress, let ip = localAddress.ipAddress, let port = localAddress.port {
            local = AdminRequest.LocalAddress(host: ip, port: port)
        } else {
            local = nil
        }
    }
}

/// Feeds Hummingbird's requests to `AdminService`: the head is checked before any body is read, the body
/// is read up to the limit and the deadline, and `/mi` calls (a reload compiles the whole configuration)
/// run on a global Dispatch work item, so a long reload never holds a thread the scrapes need.
struct AdminResponder: HTTPResponder {
    typealias Context = AdminRequestContext

    let service: AdminService
    let limits: AdminLimits

    func respond(to request: Request, context: AdminRequestContext) async throws -> Response {
        var admin = AdminRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
            peer: context.peer, local: context.local)
        if let refusal = service.precheck(admin) { return Self.response(refusal) }
        if service.isCallsView(admin) {
            // The calls view reads the database: off the event loop, like /mi.
            let service = self.service
            let request = admin
            return Self.response(await withCheckedContinuation { (continuation: CheckedContinuation<AdminResponse, Never>) in
                DispatchQueue.global().async { continuation.resume(returning: service.respond(to: request)) }
            })
        }
        guard admin.path == "/mi" else { return Self.response(service.respond(to: admin)) }
        switch try await Self.collectBody(request.body, limits: limits) {
        case .complete(let bytes): admin.body = bytes
        case .tooLarge: return Self.response(service.bodyTooLarge(admin, limit: limits.maxBodyBytes))
        case .timedOut:
            // The rest of the body would keep arriving (and keep the connection alive): answer, then close.
            let channel = context.channel
            channel.eventLoop.scheduleTask(in: TimeAmount.milliseconds(200)) { channel.close(promise: nil) }
            return Self.response(service.bodyTimedOut(admin, limit: limits.bodyTimeout))
        }
        let service = self.service
        let finished = admin
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<AdminResponse, Never>) in
            DispatchQueue.global().async { continuation.resume(returning: service.respond(to: finished)) }
        }
        return Self.response(answer)
    }

    enum BodyOutcome: Sendable {
        case complete([UInt8])
        case tooLarge
        case timedOut
    }

    /// The whole body, bounded in size and in time (a body trickling in byte by byte keeps resetting the
    /// connection's idle timer, so the idle timeout alone would not end it).
    static func collectBody(_ body: RequestBody, limits: AdminLimits) async throws -> BodyOutcome {
        try await withThrowingTaskGroup(of: BodyOutcome.self) { group in
            group.addTask {
                do {
                    return .complete(Array(try await body.collect(upTo: limits.maxBodyBytes).readableBytesView))
                } catch is NIOTooManyBytesError {
                    return .tooLarge
                }
            }
            group.addTask {
                try await Task.sleep(for: limits.bodyTimeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return .timedOut }
            return first
        }
    }

    static func response(_ answer: AdminResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        for (name, value) in answer.extraHeaders {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        let status = HTTPResponse.Status(code: answer.status.code, reasonPhrase: answer.status.reason)
        if answer.status == .noContent { return Response(status: status, headers: headers) }
        headers[.contentLength] = String(answer.body.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
