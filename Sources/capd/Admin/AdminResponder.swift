import Dispatch
import Hummingbird
import HummingbirdCore
import HTTPTypes
import struct NIOCore.NIOTooManyBytesError

/// The request context of the admin server: who is asking and on which of our addresses.
struct AdminRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// `HOST:PORT` of the client (IPv6 in brackets), or `unknown`.
    let peer: String
    let local: AdminRequest.LocalAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
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
/// is read up to the limit, and `/mi` calls (a reload compiles the whole configuration) run on a dispatch
/// queue so they never hold one of the few threads of Swift's cooperative pool.
struct AdminResponder: HTTPResponder {
    typealias Context = AdminRequestContext

    let service: AdminService
    let limits: AdminLimits

    func respond(to request: Request, context: AdminRequestContext) async throws -> Response {
        var admin = AdminRequest(
            method: request.method.rawValue, path: request.uri.path,
            headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
            peer: context.peer, local: context.local)
        if let refusal = service.precheck(admin) { return Self.response(refusal) }
        guard admin.path == "/mi" else { return Self.response(service.respond(to: admin)) }
        do {
            let buffer = try await request.body.collect(upTo: limits.maxBodyBytes)
            admin.body = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            return Self.response(service.bodyTooLarge(admin, limit: limits.maxBodyBytes))
        }
        let service = self.service
        let finished = admin
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<AdminResponse, Never>) in
            DispatchQueue.global().async { continuation.resume(returning: service.respond(to: finished)) }
        }
        return Self.response(answer)
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
