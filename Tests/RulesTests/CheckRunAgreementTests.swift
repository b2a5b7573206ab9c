import Foundation
import Testing
import TestSupport

/// `capd check` and `capd run` as processes refuse the same files with the same `FILE:LINE:COL` message
/// (issue 15 rows 5 and 7).
@Suite(.serialized) struct CheckRunAgreementTests {
    typealias Check = CheckCommandTests

    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "capd-agree-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `capd run` with everything local and off the network; returns the exit status, or nil when it was
    /// still running after `seconds` (then it is stopped with SIGTERM).
    func run(_ capd: String, _ path: String, extra: [String] = [], seconds: Double = 3) throws -> (status: Int32?, stderr: String) {
        let dir = NSTemporaryDirectory() + "capd-agree-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: capd)
        process.arguments = ["run", "-c", path, "--store", "sqlite://\(dir)/t.db", "--spool", "\(dir)/spool", "--admin", "off"] + extra
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while !process.hasExited && Date() < deadline { usleep(50_000) }
        let running = !process.hasExited
        if running { process.terminate() }
        let exitStatus = process.waitUntilExitReliably()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (running ? nil : exitStatus, stderr)
    }

    static let refused: [(yaml: String, position: String, message: String)] = [
        ("store: { table: sip_%e }\nhep_route: none\n", "1:17", "store.table 'sip_%e' expands to 'sip_ 1'"),
        ("store: { table: select }\nhep_route: none\n", "1:17", "store.table 'select' is a reserved word"),
        ("store: { report_table: 1sip }\nhep_route: none\n", "1:24", "store.report_table '1sip' starts with a digit"),
        ("store: { table: sqlite_x }\nhep_route: none\n", "1:17", "store.table 'sqlite_x' starts with 'sqlite_'"),
        ("routes:\n  main:\n    - do: [{ capture: { table: sip_%e } }]\n", "3:32", "capture.table 'sip_%e' expands to 'sip_ 1'"),
        ("listen: [udp://127.0.0.1:19460]\nrelay: { a: \"udp://[::ffff:127.0.0.1]:19460\" }\nhep_route: none\n", "2:13",
         "relay target 'udp://[::ffff:127.0.0.1]:19460' is one of capd's own listeners"),
        ("listen: [udp://127.0.0.1:19460]\nrelay: { a: udp://localhost:19460 }\nhep_route: none\n", "2:13",
         "relay target 'udp://localhost:19460' is one of capd's own listeners"),
        ("listen: [udp://127.0.0.1:19460]\nrelay: { a: udp://0.0.0.0:19460 }\nhep_route: none\n", "2:13",
         "relay target 'udp://0.0.0.0:19460' is one of capd's own listeners"),
        ("listen: [udp://127.0.0.1:19460]\nrelay: { a: udp://127.1:19460 }\nhep_route: none\n", "2:13",
         "relay target 'udp://127.1:19460' is one of capd's own listeners"),
    ]

    @Test(arguments: 0..<refused.count)
    func checkAndRunRefuseTheSameFile(index: Int) throws {
        let capd = try Check.binary()
        let (yaml, position, message) = Self.refused[index]
        let path = try file(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = try Check.run(capd, ["check", path])
        #expect(check.status == 1, "\(check.stderr)")
        #expect(check.stderr.contains("\(path):\(position): error: \(message)"), "\(check.stderr)")
        let run = try run(capd, path)
        #expect(run.status == 1, "run did not refuse: \(run.stderr)")
        #expect(run.stderr.contains("\(path):\(position): error: \(message)"), "\(run.stderr)")
    }

    @Test func aRelayToAnotherPortIsAcceptedByBoth() throws {
        let capd = try Check.binary()
        let path = try file("listen: [udp://127.0.0.1:19461]\nrelay: { a: udp://127.0.0.1:19462 }\nhep_route: none\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = try Check.run(capd, ["check", path])
        #expect(check.status == 0, "\(check.stderr)")
        let run = try run(capd, path, seconds: 2)
        #expect(run.status == nil, "run exited: \(run.stderr)")
    }

    /// `--listen` replaces the file's listeners after the loader's check; run checks again.
    @Test func runRefusesALoopIntroducedByListen() throws {
        let capd = try Check.binary()
        let path = try file("listen: [udp://127.0.0.1:19463]\nrelay: { a: udp://127.0.0.1:19464 }\nhep_route: none\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try run(capd, path, extra: ["--listen", "udp://[::]:19464"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("every packet would loop"), "\(run.stderr)")
    }
}
