import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a program run to completion by `spawnAndWait` printed and returned.
public struct SpawnResult: Sendable {
    /// The exit code, or 128 + the signal number for a program a signal ended.
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// It did not finish within the timeout and was killed.
    public var timedOut: Bool
}

/// Runs `executable ARGS...` with posix_spawn and waits with waitpid: Foundation's `Process` is not involved,
/// so a child's exit cannot be missed or noticed late (under a busy test runner Foundation's `Process` once
/// reported a finished `capd replay` as running for a minute). Output goes to temporary files, so a large
/// output cannot stall the child (nor a server it starts hold a pipe open). `environment` adds to this
/// process's environment. After `timeout` seconds the child gets SIGTERM, then SIGKILL 5 s later.
public func spawnAndWait(_ executable: String, _ arguments: [String], directory: String? = nil,
                         environment extra: [String: String] = [:], timeout: Double = 60) throws -> SpawnResult {
    let base = NSTemporaryDirectory() + "capd-spawn-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))"
    let outputPath = base + ".out", errorPath = base + ".err"
    defer {
        unlink(outputPath)
        unlink(errorPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // Nothing else of this process goes to the child. Sockets SwiftNIO opens (the admin servers of tests running
    // beside this one) are not close-on-exec: a PostgreSQL server started here held a stopped test's admin port
    // open for its whole life, so that port kept accepting connections.
    closeInheritedDescriptors(&actions)
    // In `directory`: through sh (posix_spawn_file_actions_addchdir_np is not visible to Swift here).
    let words = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] + arguments }
        ?? [executable] + arguments
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    let environment = ProcessInfo.processInfo.environment.merging(extra) { _, added in added }
    let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, words[0], &actions, nil, argv, envp)
    guard rc == 0 else { throw SpawnError(description: "posix_spawn \(executable): \(String(cString: strerror(rc)))") }
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    var timedOut = false
    var killAt: Date?
    while true {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { break }
        if result < 0, errno != EINTR { throw SpawnError(description: "waitpid \(pid): \(String(cString: strerror(errno)))") }
        if !timedOut, Date() > deadline {
            timedOut = true
            kill(pid, SIGTERM)
            killAt = Date().addingTimeInterval(5)
        }
        if let at = killAt, Date() > at {
            kill(pid, SIGKILL)
            killAt = nil
        }
        usleep(2_000)
    }
    let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    func read(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }
    return SpawnResult(status: code, stdout: read(outputPath), stderr: read(errorPath), timedOut: timedOut)
}

public struct SpawnError: Error, CustomStringConvertible {
    public let description: String
}

/// glibc's posix_spawn_file_actions_addclosefrom_np(actions, 3), looked up at run time (Glibc's module does not
/// show the GNU extensions to Swift).
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
    _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
}
