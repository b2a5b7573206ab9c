#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Logging
import Synchronization

/// The admin endpoint's HTTP/1.1 server: one thread accepts, each connection is served on a short-lived
/// dispatch work item and closed after one response (`Connection: close`). Requests are bounded in size
/// and time; whatever a client sends, it gets a status line or a closed socket, never a crash.
final class AdminServer: Sendable {
    /// `admin.listen` when the configuration says nothing (loopback only).
    static let defaultListen = "127.0.0.1:9096"

    let requestedAddress: SocketAddress
    private let service: AdminService
    private let limits: AdminLimits
    private let logger: Logger
    private let listenFD = Atomic<Int32>(-1)
    private let stopping = Atomic<Bool>(false)
    private let active = Atomic<Int>(0)
    private let bound = Mutex<SocketAddress?>(nil)
    private let acceptLoopDone = DispatchSemaphore(value: 0)

    init(address: SocketAddress, service: AdminService, limits: AdminLimits = AdminLimits(),
         logger: Logger = Logger(label: "capd.admin")) {
        self.requestedAddress = address
        self.service = service
        self.limits = limits
        self.logger = logger
    }

    /// The address actually listened on (with the real port when port 0 was asked for).
    var boundAddress: SocketAddress? { bound.withLock { $0 } }

    /// Binds, listens and starts the accept thread; returns the bound address.
    @discardableResult
    func start() throws(SocketError) -> SocketAddress {
        let (fd, address) = try TCPSocket.listen(on: requestedAddress)
        listenFD.store(fd, ordering: .releasing)
        bound.withLock { $0 = address }
        let thread = Thread { [self] in
            self.acceptLoop(fd)
            self.acceptLoopDone.signal()
        }
        thread.name = "capd-admin-accept"
        thread.start()
        logger.info("event=admin_listening address=\(address)")
        return address
    }

    /// Stops accepting and closes the listening socket (connections in progress finish on their own).
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let fd = listenFD.load(ordering: .acquiring)
        guard fd >= 0 else { return }
        acceptLoopDone.wait()
        close(fd)
    }

    private func acceptLoop(_ fd: Int32) {
        while !stopping.load(ordering: .acquiring) {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 100)
            if ready <= 0 { continue }
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EMFILE || errno == ENFILE { usleep(50_000) }
                continue
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let inFlight = active.wrappingAdd(1, ordering: .relaxed).newValue
            if inFlight > limits.maxConnections {
                active.wrappingSubtract(1, ordering: .relaxed)
                let busy = HTTPResponse.error(.serviceUnavailable, "too many admin connections")
                try? TCPSocket.writeAll(client, busy.serialized(), until: .now + .milliseconds(200))
                close(client)
                continue
            }
            DispatchQueue.global().async { [self] in
                self.serve(client)
                self.active.wrappingSubtract(1, ordering: .relaxed)
            }
        }
    }

    private func serve(_ fd: Int32) {
        let deadline = ContinuousClock.now + limits.readTimeout
        let response = readAndRespond(fd, until: deadline)
        if let response {
            do {
                try TCPSocket.writeAll(fd, response.serialized(), until: deadline + .seconds(1))
            } catch {
                logger.debug("event=admin_write_failed error=\"\(error)\"")
            }
        }
        TCPSocket.lingeringClose(fd, maxBytes: limits.maxBodyBytes + limits.maxHeadBytes)
    }

    /// Reads one request and answers it; nil when the client went away without sending anything.
    private func readAndRespond(_ fd: Int32, until deadline: ContinuousClock.Instant) -> HTTPResponse? {
        var buffer = [UInt8](repeating: 0, count: limits.maxHeadBytes)
        var used = 0
        let head: HTTPRequestHead
        let headLength: Int
        while true {
            switch HTTPHeadParser.parse(buffer[0..<used]) {
            case .complete(let parsed, let length):
                head = parsed
                headLength = length
            case .invalid(let status, let detail):
                return .error(status, detail)
            case .needMore:
                if used == buffer.count {
                    return .error(.headersTooLarge, "request head larger than \(limits.maxHeadBytes) bytes")
                }
                do {
                    let n = try TCPSocket.read(fd, into: &buffer, at: used, until: deadline)
                    if n == 0 {
                        return used == 0 ? nil : .error(.badRequest, "incomplete request")
                    }
                    used += n
                } catch .timeout {
                    return used == 0 ? nil : .error(.requestTimeout, "request not received in time")
                } catch {
                    return nil
                }
                continue
            }
            break
        }
        if let refusal = service.precheck(head) { return refusal }
        let bodyLength: Int
        switch HTTPHeadParser.contentLength(of: head, limit: limits.maxBodyBytes) {
        case .refuse(let response): return response
        case .length(let length): bodyLength = length
        }
        if head.method == "POST" && head.header("Content-Length") == nil {
            return .error(.lengthRequired, "POST needs a Content-Length")
        }
        var body = Array(buffer[headLength..<used].prefix(bodyLength))
        if body.count < bodyLength {
            var chunk = [UInt8](repeating: 0, count: min(65_536, bodyLength))
            while body.count < bodyLength {
                do {
                    let n = try TCPSocket.read(fd, into: &chunk, at: 0, until: deadline)
                    if n == 0 { return .error(.badRequest, "body shorter than Content-Length") }
                    body.append(contentsOf: chunk[0..<min(n, bodyLength - body.count)])
                } catch .timeout {
                    return .error(.requestTimeout, "body not received in time")
                } catch {
                    return nil
                }
            }
        }
        return service.respond(to: HTTPRequest(head: head, body: body))
    }
}
