import Foundation
import Testing
import TestSupport

/// A throwaway PKI made with `openssl` by scripts/tls/make-test-pki.sh (never committed keys): CA, server
/// chain, agent certificates (good, other CA, expired), an encrypted key and a second server certificate.
final class TestPKI: @unchecked Sendable {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("capd-pki-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        let result = try runTool(["bash", TestEnvironment.packageRoot.appendingPathComponent("scripts/tls/make-test-pki.sh").path,
                                  directory.path])
        guard result.status == 0 else { throw DaemonError(message: "make-test-pki.sh failed: \(result.stderr)") }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// SHA-256 of the leaf certificate in a PEM file (what a client sees as the server certificate).
    func sha256(_ name: String) throws -> String {
        let result = try runTool(["openssl", "x509", "-in", path(name), "-outform", "DER", "-out", path(name + ".der")])
        guard result.status == 0 else { throw DaemonError(message: result.stderr) }
        let digest = try runTool(["sha256sum", path(name + ".der")])
        return String(digest.stdout.prefix(64))
    }
}

/// Runs the Python `ssl` agent (scripts/tls/hep_tls_client.py) and returns its JSON answer.
func tlsClient(_ arguments: [String], timeout: TimeInterval = 60) throws -> [String: Any] {
    let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/tls/hep_tls_client.py").path
    let result = try runTool(["python3", "-W", "ignore", script] + arguments, timeout: timeout)
    guard let line = result.stdout.split(separator: "\n").last,
          let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw DaemonError(message: "hep_tls_client.py \(arguments.joined(separator: " ")): \(result.stdout) \(result.stderr)")
    }
    return object
}

/// Runs a program found on PATH to completion (bounded by `timeout` seconds).
func runTool(_ arguments: [String], timeout: TimeInterval = 60) throws -> ProcessResult {
    try runProcess("/usr/bin/env", arguments, timeout: timeout)
}

/// HEPv3 INVITEs with the Call-IDs `prefix-0`, `prefix-1`, ... back to back in a file (what an agent sends).
func writeFrames(_ count: Int, prefix: String, to path: String) throws {
    var bytes: [UInt8] = []
    for index in 0..<count { bytes += try RunDaemonTests.packet(callID: "\(prefix)-\(index)").bytes }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
