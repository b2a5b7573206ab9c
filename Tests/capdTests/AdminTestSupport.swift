import Foundation
import Synchronization
@testable import capd

/// A running admin server on an ephemeral loopback port, wired like the daemon: real metrics, a real
/// capture switch, and a reload coordinator whose result the test chooses.
/// A value shared between a test and the code under test.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

final class AdminFixture: Sendable {
    let metrics: CapdMetrics
    let captureSwitch: CaptureSwitch
    let nextReload = Locked<ReloadResult>(.ok)
    let health = Locked<HealthStatus>(.ok)
    let server: AdminServer
    let address: SocketAddress

    init(host: String = "127.0.0.1", limits: AdminLimits = AdminLimits(), token: String? = nil) throws {
        let metrics = CapdMetrics()
        let captureSwitch = CaptureSwitch(enabled: true)
        captureSwitch.bind(to: metrics.captureEnabled)
        self.metrics = metrics
        self.captureSwitch = captureSwitch
        let nextReload = self.nextReload
        let health = self.health
        let reloader = ReloadCoordinator(metrics: metrics) { nextReload.withLock { $0 } }
        let control = DaemonAdminControl(
            captureSwitch: captureSwitch, reloader: reloader, exporter: metrics.exporter,
            health: { health.withLock { $0 } })
        let requested = try SocketAddress(parsing: host.contains(":") ? "[\(host)]:0" : "\(host):0")
        server = AdminServer(
            address: requested,
            service: AdminService(metrics: metrics, control: control, access: AdminAccessPolicy(token: token)),
            limits: limits)
        address = try server.start()
    }

    deinit { server.stop() }
}

/// A listening socket nobody serves (for `capd ctl` against closed ports and impostors).
func plainListener(on address: SocketAddress) throws -> (Int32, SocketAddress) {
    let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RawHTTPError(description: "socket: errno \(errno)") }
    var one: Int32 = 1
    _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    guard address.withSockAddr({ bind(fd, $0, $1) }) == 0, listen(fd, 16) == 0,
          let bound = SocketAddress.local(of: fd) else {
        close(fd)
        throw RawHTTPError(description: "bind/listen \(address): errno \(errno)")
    }
    return (fd, bound)
}

/// What came back from a raw HTTP exchange.
struct RawHTTPReply {
    var status: Int
    var head: String
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

struct RawHTTPError: Error, CustomStringConvertible {
    var description: String
}

/// Sends `request` as is (optionally in pieces with pauses) and reads until the server closes.
func rawHTTP(_ address: SocketAddress, _ request: [UInt8], pieces: Int = 1, pause: Duration = .zero,
             timeout: Duration = .seconds(10)) throws -> RawHTTPReply {
    let fd = try TCPSocket.connect(to: address, timeout: .seconds(2))
    defer { close(fd) }
    let deadline = ContinuousClock.now + timeout
    let pieceSize = max(1, (request.count + pieces - 1) / max(1, pieces))
    var offset = 0
    while offset < request.count {
        let end = min(request.count, offset + pieceSize)
        do {
            try TCPSocket.writeAll(fd, Array(request[offset..<end]), until: deadline)
        } catch {
            break       // the server may answer and close before reading everything (413, 431)
        }
        offset = end
        if pause > .zero && offset < request.count { Thread.sleep(forTimeInterval: pause.seconds) }
    }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var used = 0
    while used < buffer.count {
        let outcome = Result { () throws(SocketError) -> Int in
            try TCPSocket.read(fd, into: &buffer, at: used, until: deadline)
        }
        guard case .success(let n) = outcome else {
            if case .failure(.io(errno: ECONNRESET)) = outcome { break }
            throw RawHTTPError(description: "\(outcome)")
        }
        if n == 0 { break }
        used += n
    }
    let (status, body) = try AdminClient.parseResponse(buffer[0..<used])
    let text = String(decoding: buffer[0..<used], as: UTF8.self)
    let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
    return RawHTTPReply(status: status, head: head, body: body)
}

func rawHTTP(_ address: SocketAddress, _ request: String, pieces: Int = 1, pause: Duration = .zero) throws -> RawHTTPReply {
    try rawHTTP(address, Array(request.utf8), pieces: pieces, pause: pause)
}

/// `POST /mi` with `Connection: close` (the server keeps connections alive otherwise); `headers` are
/// extra header lines, each ending in CRLF.
func post(_ address: SocketAddress, _ json: String, contentType: String? = "application/json",
          headers: String = "") throws -> RawHTTPReply {
    let type = contentType.map { "Content-Type: \($0)\r\n" } ?? ""
    return try rawHTTP(address, "POST /mi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\(type)\(headers)Content-Length: \(json.utf8.count)\r\n\r\n\(json)")
}

func get(_ address: SocketAddress, _ path: String, headers: String = "") throws -> RawHTTPReply {
    try rawHTTP(address, "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\(headers)\r\n")
}

/// Runs `scrapers` threads at once (released together), each doing `rounds` requests; returns how many
/// answered 200.
func scrapeConcurrently(scrapers: Int, rounds: Int, _ request: @escaping @Sendable () throws -> Int) -> Int {
    let ok = Locked(0)
    let start = DispatchSemaphore(value: 0)
    let group = DispatchGroup()
    for _ in 0..<scrapers {
        group.enter()
        let thread = Thread {
            start.wait()
            for _ in 0..<rounds where (try? request()) == 200 {
                ok.withLock { $0 += 1 }
            }
            group.leave()
        }
        thread.start()
    }
    for _ in 0..<scrapers { start.signal() }
    _ = group.wait(timeout: .now() + 60)
    return ok.withLock { $0 }
}
