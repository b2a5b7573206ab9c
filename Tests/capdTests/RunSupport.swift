import Foundation
import Testing

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
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestEnvironment.capdBinary)
    process.arguments = arguments
    process.currentDirectoryURL = TestEnvironment.packageRoot
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read while it runs so a large output cannot fill the pipe and stall the child.
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        Issue.record("capd \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    group.wait()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self)
    )
}
