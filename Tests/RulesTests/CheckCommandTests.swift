import Foundation
import Testing
import TestSupport

/// `capd check` as a process: exit codes 0/1/2 and `FILE:LINE:COL` output. Builds the binary when absent.
@Suite(.serialized) struct CheckCommandTests {
    static let root = ConfigFileTests.root

    static func binary() throws -> String {
        let path = root + "/.build/debug/capd"
        if !FileManager.default.isExecutableFile(atPath: path) {
            let build = try run("/usr/bin/env", ["swift", "build", "--product", "capd"], in: root)
            #expect(build.status == 0, "swift build failed: \(build.stderr)")
        }
        return path
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let exitStatus = process.waitUntilExitReliably()
        return Output(status: exitStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "capd-check-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func validFileExitsZero() throws {
        let capd = try Self.binary()
        let result = try Self.run(capd, ["check", Self.root + "/rules/default.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("OK"))
        let withFlag = try Self.run(capd, ["check", "-c", Self.root + "/rules/examples/design.yaml"])
        #expect(withFlag.status == 0)
        // Warnings are printed but do not fail the check.
        #expect(withFlag.stderr.contains("design.yaml:44:3: warning: route 'hep_in' is never used"))
    }

    @Test func invalidFileExitsOneWithPositions() throws {
        let capd = try Self.binary()
        let path = try temporaryFile("routes:\n  main:\n    - when: { sip.methd: INVITE }\n      do: [captur]\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Self.run(capd, ["check", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path):3:15: error: unknown field 'sip.methd' (did you mean 'sip.method'?)\n    - when: { sip.methd: INVITE }\n              ^"))
        #expect(result.stderr.contains("\(path):4:12: error: unknown action 'captur'"))
        let syntax = try temporaryFile("routes: [\n")
        defer { try? FileManager.default.removeItem(atPath: syntax) }
        let bad = try Self.run(capd, ["check", syntax])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\(syntax):2:1: error: YAML"))
        let missing = try Self.run(capd, ["check", "/nonexistent/capd.yaml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/capd.yaml:1:1: error: cannot read file"))
    }

    @Test func usageErrorsExitTwo() throws {
        let capd = try Self.binary()
        #expect(try Self.run(capd, ["check"]).status == 2)
        #expect(try Self.run(capd, ["check", "--frobnicate", "x.yaml"]).status == 2)
        #expect(try Self.run(capd, ["check", "a.yaml", "b.yaml"]).status == 2)
        #expect(try Self.run(capd, ["check", "-c"]).status == 2)
    }

    @Test func bpfAndTreeOutput() throws {
        let capd = try Self.binary()
        let path = Self.root + "/rules/examples/with-include.yaml"
        let bpf = try Self.run(capd, ["check", path, "--bpf"])
        #expect(bpf.status == 0)
        #expect(bpf.stdout == "((udp or tcp) and (portrange 5060-5090 and dst portrange 5060-5061)) or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] = 44)\n")
        let tree = try Self.run(capd, ["check", "--tree", Self.root + "/rules/examples/design.yaml"])
        #expect(tree.status == 0)
        #expect(tree.stdout.contains("route main: 3 rule(s), 1 index(es)"))
        #expect(tree.stdout.contains("exact map on sip.method: 2 key(s)"))
        #expect(tree.stdout.contains("CIDR trie on net.src_ip"))
    }
}
