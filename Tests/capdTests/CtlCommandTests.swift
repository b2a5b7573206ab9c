import Foundation
import Testing
import TestSupport
@testable import capd

@Suite("capd ctl against a real admin endpoint", .serialized)
struct CtlCommandTests {
    private func ctl(_ arguments: [String]) throws -> CtlCommand.Outcome {
        let command = try CtlCommand.parse(arguments)
        return command.perform()
    }

    @Test("sip_capture off / query / on prints the state and flips the daemon's switch")
    func sipCapture() throws {
        let fixture = try AdminFixture()
        let admin = fixture.address.description
        #expect(try ctl(["--admin", admin, "sip_capture", "off"]) == .init(output: "off\n"))
        #expect(fixture.captureSwitch.isOn == false)
        #expect(try ctl(["--admin", admin, "sip_capture"]) == .init(output: "off\n"))
        #expect(try ctl(["sip_capture", "ON", "--admin", admin]) == .init(output: "on\n"))
        #expect(fixture.captureSwitch.isOn)
    }

    @Test("reload prints ok, or the diagnostics with exit status 1")
    func reload() throws {
        let fixture = try AdminFixture()
        let admin = fixture.address.description
        #expect(try ctl(["--admin", admin, "reload"]) == .init(output: "ok\n"))
        fixture.nextReload.withLock { $0 = .failed("rules.yaml:4:11: error: invalid CIDR '10.0.0.0/33'") }
        #expect(try ctl(["--admin", admin, "reload"])
                == .init(errorOutput: "rules.yaml:4:11: error: invalid CIDR '10.0.0.0/33'\n", exitCode: 1))
        #expect(fixture.metrics.value("capd_reloads_total{result=\"ok\"}") == 1)
        #expect(fixture.metrics.value("capd_reloads_total{result=\"error\"}") == 1)
    }

    @Test("stats prints one 'name value' line per series, sorted")
    func stats() throws {
        let fixture = try AdminFixture()
        fixture.metrics.drops.labels("dedup").increment(by: Int64(3))
        fixture.metrics.flushLatency.bind { HistogramSnapshot(observing: [0.5], upperBounds: CapdMetrics.flushLatencyBounds) }
        let outcome = try ctl(["--admin", fixture.address.description, "stats"])
        #expect(outcome.exitCode == 0)
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(lines == lines.sorted())
        #expect(lines.contains("capd_drops_total{reason=\"dedup\"} 3"))
        #expect(lines.contains("capd_store_flush_seconds_count 1"))
        #expect(lines.contains("capd_store_flush_seconds_sum 0.5"))
        #expect(lines.contains("capd_capture_enabled 1"))
        #expect(lines.contains("capd_reloads_total{result=\"ok\"} 0"))
        for line in lines { #expect(line.split(separator: " ").count == 2) }
    }

    @Test("a daemon that is not running gives a clear message and exit status 1")
    func notRunning() throws {
        // Bind, note the port, close: nothing listens there afterwards.
        let (fd, address) = try plainListener(on: SocketAddress(parsing: "127.0.0.1:0"))
        close(fd)
        let outcome = try ctl(["--admin", address.description, "sip_capture"])
        #expect(outcome.exitCode == 1)
        #expect(outcome.output == "")
        #expect(outcome.errorOutput == "capd ctl: capd is not running at \(address): connection refused\n")
    }

    @Test("something that is not capd answering is reported, not misread")
    func notAnAdminEndpoint() throws {
        let (fd, address) = try plainListener(on: SocketAddress(parsing: "127.0.0.1:0"))
        defer { close(fd) }
        let thread = Thread {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = try? TCPSocket.read(client, into: &buffer, at: 0, until: .now + .seconds(2))
            try? TCPSocket.writeAll(client, Array("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot here\n".utf8),
                                    until: .now + .seconds(2))
            close(client)
        }
        thread.start()
        let outcome = try ctl(["--admin", address.description, "stats"])
        #expect(outcome.exitCode == 1)
        #expect(outcome.errorOutput == "capd ctl: admin endpoint answered HTTP 404: not here\n")
    }

    @Test("usage errors are refused before any connection", arguments: [
        ["frobnicate"], ["sip_capture", "maybe"], ["sip_capture", "on", "off"], ["reload", "now"],
        ["--admin", "nowhere", "stats"], ["--admin", "::1:9096", "stats"], ["--admin", "1.2.3.4:70000", "stats"],
    ])
    func usage(arguments: [String]) {
        #expect(throws: (any Error).self) { try CtlCommand.parse(arguments) }
    }

    @Test("the built capd binary runs ctl as a process, with the right output and exit codes")
    func binary() throws {
        let fixture = try AdminFixture()
        let binary = try #require(Self.capdBinary(), "capd binary not found next to the test bundle")
        let admin = fixture.address.description
        let off = try Self.run(binary, ["ctl", "--admin", admin, "sip_capture", "off"])
        #expect(off == .init(output: "off\n", errorOutput: "", exitCode: 0))
        #expect(fixture.captureSwitch.isOn == false)
        fixture.nextReload.withLock { $0 = .failed("a.yaml:1:1: error: bad") }
        let reload = try Self.run(binary, ["ctl", "--admin", admin, "reload"])
        #expect(reload == .init(output: "", errorOutput: "a.yaml:1:1: error: bad\n", exitCode: 1))
        fixture.server.stop()
        let gone = try Self.run(binary, ["ctl", "--admin", admin, "stats"])
        #expect(gone.exitCode == 1)
        #expect(gone.errorOutput == "capd ctl: capd is not running at \(admin): connection refused\n")
    }

    /// `CAPD_BINARY` when set (scripts/run-tests.sh sets it), else `.build/<config>/capd` beside the test
    /// bundle that is running.
    static func capdBinary() -> URL? {
        if let path = ProcessInfo.processInfo.environment["CAPD_BINARY"] { return URL(fileURLWithPath: path) }
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments.first ?? "")]
        for start in candidates {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<3 {
                let binary = directory.appendingPathComponent("capd")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }

    static func run(_ binary: URL, _ arguments: [String]) throws -> CtlCommand.Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errorOutput = err.fileHandleForReading.readDataToEndOfFile()
        let exitStatus = process.waitUntilExitReliably()
        return .init(output: String(decoding: output, as: UTF8.self),
                     errorOutput: String(decoding: errorOutput, as: UTF8.self),
                     exitCode: exitStatus)
    }
}
