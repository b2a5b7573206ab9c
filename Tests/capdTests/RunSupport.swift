import Foundation
import Synchronization
import Testing
import TestSupport

/// Paths and process helpers shared by the tests that run the `capd` executable.
enum TestEnvironment {
    /// The package root (two levels above this file's folder).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the checkout (CI lays a copy there), or `CAPD_SHARED`.
    static let sharedDir: URL = {
        if let dir = ProcessInfo.processInfo.environment["CAPD_SHARED"] { return URL(fileURLWithPath: dir) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    static func shared(_ path: String) -> String { sharedDir.appendingPathComponent(path).path }

    /// The built `capd` binary: `CAPD_BINARY`, else `.build/debug/capd`.
    static var capdBinary: String {
        ProcessInfo.processInfo.environment["CAPD_BINARY"]
            ?? packageRoot.appendingPathComponent(".build/debug/capd").path
    }
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `capd ARGS...` to completion (bounded by `timeout` seconds) and returns its output.
func runCapd(_ arguments: [String], timeout: TimeInterval = 60) throws -> ProcessResult {
    try runProcess(TestEnvironment.capdBinary, arguments, directory: TestEnvironment.packageRoot, timeout: timeout)
}

/// Runs `executable ARGS...` to completion (bounded by `timeout` seconds; `spawnAndWait`, without Foundation's
/// `Process`).
func runProcess(_ executable: String, _ arguments: [String], directory: URL? = nil,
                timeout: TimeInterval = 60) throws -> ProcessResult {
    let result = try spawnAndWait(executable, arguments, directory: directory?.path, timeout: timeout)
    if result.timedOut {
        Issue.record("\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }
    return ProcessResult(status: result.status, stdout: result.stdout, stderr: result.stderr)
}

/// A `capd run` process with its own directory, ports and configuration, for end-to-end tests.
final class DaemonProcess: @unchecked Sendable {
    let directory: URL
    let configPath: String
    private(set) var hepPort: UInt16 = 0
    private(set) var adminPort: UInt16 = 0
    private var process = Process()
    private var logPipe = Pipe()
    nonisolated(unsafe) private var logData = Data()
    private let logLock = NSLock()

    /// `rules` is the YAML after the `listen`/`store`/`admin` keys, which the helper writes itself;
    /// `adminKeys` are more `admin:` keys (e.g. `token: s3cret`), one per line.
    init(rules: String, extraArguments: [String] = [], adminKeys: [String] = [], name: String = #function) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("capd-test-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configPath = directory.appendingPathComponent("capd.yaml").path
        // The ports were free a moment before capd binds them; another test may take one in between. Such a
        // start ("address already in use") is tried again on new ports; any other early exit is an error.
        for attempt in 1...3 {
            do {
                try start(rules: rules, extraArguments: extraArguments, adminKeys: adminKeys)
                return
            } catch let error as DaemonError where error.message.lowercased().contains("address already in use") && attempt < 3 {
                continue
            }
        }
    }

    private func start(rules: String, extraArguments: [String], adminKeys: [String]) throws {
        hepPort = try freePort()
        adminPort = try freePort()
        process = Process()
        logPipe = Pipe()
        logLock.lock()
        logData = Data()
        logLock.unlock()
        let yaml = """
            listen:
              - udp://127.0.0.1:\(hepPort)
              - tcp://127.0.0.1:\(hepPort)
            admin:
              listen: 127.0.0.1:\(adminPort)
            \(adminKeys.map { "  " + $0 + "\n" }.joined())\(rules)
            """
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: TestEnvironment.capdBinary)
        process.arguments = ["run", "-c", configPath, "--spool", directory.appendingPathComponent("spool").path]
            + extraArguments
        process.currentDirectoryURL = directory
        process.standardOutput = logPipe
        process.standardError = logPipe
        logPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.logLock.lock()
            self.logData.append(data)
            self.logLock.unlock()
        }
        try process.run()
        LiveDaemons.started(process.processIdentifier)
        try waitUntilReady()
    }

    deinit {
        // SIGTERM by pid, not through Foundation's `terminate()`, which does nothing when Foundation believes the
        // child ended (a capd from a failed full run was found still running 20 minutes later).
        let pid = process.processIdentifier
        if pid > 0, !Process.isZombie(pid) { kill(pid, SIGTERM) }
        LiveDaemons.ended(pid)
        try? FileManager.default.removeItem(at: directory)
    }

    var log: String {
        logLock.lock()
        defer { logLock.unlock() }
        return String(decoding: logData, as: UTF8.self)
    }

    var databasePath: String { directory.appendingPathComponent("capd.db").path }

    var processIdentifier: Int32 { process.processIdentifier }

    /// Polls `/healthz` until the daemon answers (bounded: 20 s).
    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if process.hasExited { throw DaemonError(message: "capd exited early:\n\(log)") }
            // 503 is an answer too: the store may be degraded (e.g. its database not reachable yet).
            if let status = (try? httpRequest(port: adminPort, method: "GET", path: "/healthz"))?.status, status == 200 || status == 503 { return }
            usleep(50_000)
        }
        throw DaemonError(message: "capd did not become ready:\n\(log)")
    }

    func sendUDP(_ datagrams: [[UInt8]]) throws {
        try udpSend(datagrams, port: hepPort)
    }

    /// Sends SIGTERM and waits (bounded) for a clean exit; returns the exit status.
    @discardableResult
    func terminate(timeout: TimeInterval = 60) -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while !process.hasExited && Date() < deadline { usleep(20_000) }
        if !process.hasExited {
            // What it was doing: every thread's name, state and kernel wait channel, and the log's end.
            let threads = Self.threadReport(process.processIdentifier)
            let tail = log.split(separator: "\n").suffix(30).joined(separator: "\n")
            process.terminate()
            Issue.record("capd did not stop within \(timeout) s\nthreads:\n\(threads)\nlog:\n\(tail)")
        }
        let exitStatus = process.waitUntilExitReliably()
        LiveDaemons.ended(process.processIdentifier)
        return exitStatus
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// One line per thread of `pid`: name, state (`/proc/PID/task/TID/stat`) and wait channel.
    static func threadReport(_ pid: Int32) -> String {
        let base = "/proc/\(pid)/task"
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return tasks.sorted().map { tid in
            func read(_ name: String) -> String {
                ((try? String(contentsOfFile: "\(base)/\(tid)/\(name)", encoding: .utf8)) ?? "?")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let state = Process.state(statFile: "\(base)/\(tid)/stat").map(String.init) ?? "?"
            return "\(tid) \(read("comm")) \(state) \(read("wchan"))"
        }.joined(separator: "\n")
    }

    func metrics() throws -> [String: Double] {
        let response = try httpRequest(port: adminPort, method: "GET", path: "/metrics")
        var values: [String: Double] = [:]
        for line in response.body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    /// Polls `condition` every 50 ms until true or `timeout` passes.
    func waitFor(_ timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }
}

struct DaemonError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// An ephemeral port that was free a moment ago (bound then released, on both UDP and TCP).
func freePort() throws -> UInt16 {
    for _ in 0..<20 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { continue }
        let port = UInt16(bigEndian: address.sin_port)
        // Check UDP on the same port too.
        let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(udp) }
        var probe = address
        let free = withUnsafeMutablePointer(to: &probe) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(udp, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if free { return port }
    }
    throw DaemonError(message: "no free port")
}

func udpSend(_ datagrams: [[UInt8]], port: UInt16) throws {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw DaemonError(message: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    for datagram in datagrams {
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                datagram.withUnsafeBytes { sendto(fd, $0.baseAddress, datagram.count, 0, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard sent == datagram.count else { throw DaemonError(message: "sendto failed: errno \(errno)") }
    }
}

/// A TCP connection to 127.0.0.1:port for writing byte chunks (TCP_NODELAY, so chunks leave as written).
final class TCPClient {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw DaemonError(message: "connect failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    func write(_ bytes: some Collection<UInt8>) throws {
        let data = Array(bytes)
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { send(fd, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw DaemonError(message: "send failed: errno \(errno)") }
            offset += n
        }
    }

    deinit { close(fd) }
}

struct HTTPResult {
    var status: Int
    var body: String
}

/// A one-shot HTTP/1.1 request to 127.0.0.1:port (Connection: close).
func httpRequest(port: UInt16, method: String, path: String, body: String? = nil,
                 contentType: String = "application/json") throws -> HTTPResult {
    let client = try TCPClient(port: port)
    var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if let body { request += "Content-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n" }
    request += "\r\n" + (body ?? "")
    try client.write(Array(request.utf8))
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(client.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response.append(contentsOf: buffer[0..<n])
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let statusLine = text.split(separator: "\r\n").first, statusLine.split(separator: " ").count >= 2,
          let status = Int(statusLine.split(separator: " ")[1]) else { throw DaemonError(message: "bad HTTP response: \(text)") }
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return HTTPResult(status: status, body: body)
}

/// Every `capd run` a test started and has not seen end. When the test process exits, whatever is still running
/// gets SIGTERM: a test that failed (or kept its `DaemonProcess` alive) must not leave a daemon behind.
enum LiveDaemons {
    private static let pids = Mutex<Set<Int32>>([])
    private static let hook: Void = { atexit { LiveDaemons.terminateAll() } }()

    static func started(_ pid: Int32) {
        _ = hook
        pids.withLock { _ = $0.insert(pid) }
    }

    static func ended(_ pid: Int32) {
        pids.withLock { _ = $0.remove(pid) }
    }

    static func terminateAll() {
        for pid in pids.withLock({ $0 }) { kill(pid, SIGTERM) }
    }
}
