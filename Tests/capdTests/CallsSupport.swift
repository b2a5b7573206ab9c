import Foundation
import Testing
import TestSupport

/// A store for the `capd calls` tests: SQLite file or a fresh PostgreSQL database, homer5 (one table or
/// daily tables) or homer7, filled by `capd replay` of corpus captures.
struct CallsStore: CustomStringConvertible, Sendable {
    enum Engine: String, Sendable { case sqlite, postgres }
    enum Layout: String, Sendable { case homer5, homer5Daily, homer7 }

    let engine: Engine
    let layout: Layout
    let directory: URL
    let url: String
    let configPath: String

    var description: String { "\(engine.rawValue)/\(layout.rawValue)" }

    static let all: [(Engine, Layout)] = [
        (.sqlite, .homer5), (.sqlite, .homer5Daily), (.sqlite, .homer7),
        (.postgres, .homer5), (.postgres, .homer5Daily), (.postgres, .homer7),
    ]

    init(_ engine: Engine, _ layout: Layout) throws {
        self.engine = engine
        self.layout = layout
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("capd-calls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch engine {
        case .sqlite:
            url = "sqlite://" + directory.appendingPathComponent("calls.db").path
        case .postgres:
            let base = try #require(RunPostgresTests.url, "CAPD_TEST_PG_URL is not set: run the suite with `make test`")
            let name = "calls_\(UInt32.random(in: 0..<UInt32.max))"
            _ = try RunPostgresTests.psql("CREATE DATABASE \(name)")
            url = try #require(Self.database(base, name), "CAPD_TEST_PG_URL has no /DBNAME path: \(base)")
        }
        configPath = directory.appendingPathComponent("capd.yaml").path
        let table = layout == .homer5Daily ? "sip_%Y%m%d" : "sip_capture"
        try """
            store:
              url: sqlite://unused.db
              schema: \(layout == .homer7 ? "homer7" : "homer5")
              table: \(table)
              report_table: rtcp_capture
              flush_ms: 20
            hep_route: sip
            routes:
              main:
                - name: reports
                  when: { not: { hep.proto_type: SIP } }
                  do: [report, stop]
                - do: [capture]
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// `postgresql://user@host:port/DB?params` with DB replaced.
    static func database(_ url: String, _ name: String) -> String? {
        guard let scheme = url.range(of: "://"), let slash = url[scheme.upperBound...].firstIndex(of: "/") else { return nil }
        let rest = url[url.index(after: slash)...]
        let query = rest.firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(url[..<slash]) + "/" + name + query
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// `capd replay` of corpus files (paths under corpus/) into this store; returns the stored count.
    @discardableResult
    func replay(_ files: [String]) throws -> Int {
        let result = try runCapd(["replay", "--quiet", "-c", configPath, "--store", url,
                                  "--spool", directory.appendingPathComponent("spool").path]
                                 + files.map { TestEnvironment.shared("corpus/" + $0) }, timeout: 120)
        try #require(result.status == 0, "replay failed: \(result.stderr)")
        let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("stored: ") }
        return line.flatMap { Int($0.dropFirst("stored: ".count)) } ?? -1
    }

    /// `capd calls ARGS...` against this store.
    func calls(_ arguments: [String]) throws -> ProcessResult {
        var args = arguments
        let subcommand = ["show", "pcap"].contains(args.first ?? "") ? [args.removeFirst()] : []
        return try runCapd(["calls"] + subcommand + ["-c", configPath, "--store", url] + args)
    }

    /// `capd calls --json ARGS...` as (call_id, start_us, messages, method, status) per call.
    func listed(_ arguments: [String]) throws -> [CallsListed] {
        let result = try calls(arguments + ["--json"])
        try #require(result.status == 0, "capd calls failed: \(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return array.map {
            CallsListed(callID: $0["call_id"] as? String ?? "", start: ($0["start_us"] as? NSNumber)?.int64Value ?? 0,
                        messages: ($0["messages"] as? NSNumber)?.intValue ?? 0, method: $0["method"] as? String ?? "",
                        status: $0["status"] as? String ?? "", fromUser: $0["from_user"] as? String ?? "")
        }
    }
}

struct CallsListed: Equatable, CustomStringConvertible {
    var callID: String
    var start: Int64
    var messages: Int
    var method: String
    var status: String
    var fromUser: String
    var description: String { "\(start) \(callID) \(messages) \(method) \(status)" }
}

/// tshark, the independent reading of a capture.
enum TShark {
    static var binary: String { ProcessInfo.processInfo.environment["CAPD_TSHARK"] ?? "/usr/bin/tshark" }

    /// Field values of every SIP message (`-Y sip`), tab-separated per message.
    static func sipFields(_ path: String, _ fields: [String], extra: [String] = []) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-r", path] + extra + ["-Y", "sip", "-T", "fields"] + fields.flatMap { ["-e", $0] }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let exitStatus = process.waitUntilExitReliably()
        guard exitStatus == 0 else { throw DaemonError(message: "tshark -r \(path) exited \(exitStatus)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Per Call-ID: first frame time (epoch µs) and message count, from the original capture.
    static func calls(_ corpusFile: String, extra: [String] = []) throws -> [String: (start: Int64, messages: Int)] {
        var calls: [String: (start: Int64, messages: Int)] = [:]
        for row in try sipFields(TestEnvironment.shared("corpus/" + corpusFile), ["frame.time_epoch", "sip.Call-ID"], extra: extra) {
            guard row.count == 2, !row[1].isEmpty else { continue }
            let parts = row[0].split(separator: ".")
            let micros = Int64(parts[0])! * 1_000_000 + Int64(String((parts.count > 1 ? parts[1] : "0").prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0))!
            let known = calls[row[1]]
            calls[row[1]] = (min(known?.start ?? micros, micros), (known?.messages ?? 0) + 1)
        }
        return calls
    }
}
