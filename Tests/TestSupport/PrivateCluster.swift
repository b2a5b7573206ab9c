import Foundation

/// A PostgreSQL cluster of a test's own (scripts/pg-test-cluster.sh with a private state file), so that
/// stopping it, or changing its settings, does not disturb other tests.
public final class PrivateCluster: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/pg-test-cluster.sh").path

    let statePath: String
    /// libpq URL (Unix socket), data directory and TCP port on 127.0.0.1.
    public private(set) var url = "", dataDirectory = "", port = ""

    public init(_ name: String) throws {
        statePath = NSTemporaryDirectory() + "capd-pg-\(name)-\(getpid()).state"
        let output = try run("start")
        for line in output.split(separator: "\n") {
            func value(_ key: String) -> String? {
                line.hasPrefix("export \(key)='") ? String(line.dropFirst("export \(key)='".count).dropLast()) : nil
            }
            if let found = value("CAPD_TEST_PG_URL") { url = found }
            if let found = value("CAPD_TEST_PG_DATADIR") { dataDirectory = found }
            if let found = value("CAPD_TEST_PG_PORT") { port = found }
        }
        guard !url.isEmpty, !dataDirectory.isEmpty, !port.isEmpty else {
            throw PrivateClusterError("pg-test-cluster.sh start printed no URL: \(output)")
        }
    }

    /// Runs one statement with psql; its output rows, one line each (unaligned, tuples only).
    public func psql(_ sql: String) throws -> [String] {
        let output = try spawn(["/usr/bin/env", "psql", url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                               what: "psql")
        return output.split(separator: "\n").map(String.init)
    }

    public func stopServer() throws { _ = try run("server-stop") }
    /// `pg_ctl stop -m immediate`: the server dies at once, without finishing what it was doing (as in a
    /// crash); the next start runs crash recovery.
    public func killServer() throws {
        let snippet = #". "$CAPD_PG_STATE"; BIN="${PGBIN:-/usr/lib/postgresql/15/bin}"; "#
            + #"if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop; "#
            + #"else "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop; fi"#
        _ = try spawn(["/bin/bash", "-c", snippet], what: "pg_ctl stop -m immediate")
    }
    public func startServer() throws { _ = try run("server-start") }
    public func destroy() { _ = try? run("stop") }

    /// `spawnAndWait` (Foundation's Process did not notice the script's exit inside the test runner).
    @discardableResult
    private func run(_ command: String) throws -> String {
        try spawn(["/bin/bash", Self.script, command], what: "pg-test-cluster.sh \(command)")
    }

    private func spawn(_ words: [String], what: String) throws -> String {
        let result = try spawnAndWait(words[0], Array(words.dropFirst()), environment: ["CAPD_PG_STATE": statePath],
                                      timeout: 300)
        guard result.status == 0, !result.timedOut else {
            throw PrivateClusterError("\(what) failed (status \(result.status)\(result.timedOut ? ", timed out" : "")): \(result.stderr.suffix(2_000))")
        }
        return result.stdout
    }
}

public struct PrivateClusterError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
