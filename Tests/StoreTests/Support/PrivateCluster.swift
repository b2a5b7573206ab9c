import Foundation

/// A PostgreSQL cluster of a test's own (scripts/pg-test-cluster.sh with a private state file), so that
/// stopping it does not disturb other tests.
final class PrivateCluster: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/pg-test-cluster.sh").path

    let statePath: String
    private(set) var url = ""

    init(_ name: String) throws {
        statePath = NSTemporaryDirectory() + "capd-pg-\(name)-\(getpid()).state"
        let output = try run("start")
        for line in output.split(separator: "\n") where line.hasPrefix("export CAPD_TEST_PG_URL='") {
            url = String(line.dropFirst("export CAPD_TEST_PG_URL='".count).dropLast())
        }
        guard !url.isEmpty else { throw TestFailure("pg-test-cluster.sh start printed no URL: \(output)") }
    }

    func stopServer() throws { _ = try run("server-stop") }
    /// `pg_ctl stop -m immediate`: the server dies at once, without finishing what it was doing (as in a
    /// crash); the next start runs crash recovery.
    func killServer() throws {
        let snippet = #". "$CAPD_PG_STATE"; BIN="${PGBIN:-/usr/lib/postgresql/15/bin}"; "#
            + #"if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop; "#
            + #"else "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop; fi"#
        _ = try spawn(["/bin/bash", "-c", snippet], what: "pg_ctl stop -m immediate")
    }
    func startServer() throws { _ = try run("server-start") }
    func destroy() { _ = try? run("stop") }

    /// posix_spawn + waitpid (Foundation's Process did not notice the script's exit inside the test runner).
    @discardableResult
    private func run(_ command: String) throws -> String {
        try spawn(["/bin/bash", Self.script, command], what: "pg-test-cluster.sh \(command)")
    }

    private func spawn(_ words: [String], what: String) throws -> String {
        let outputPath = statePath + ".out"
        let errorPath = statePath + ".err"
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
        var environment = ProcessInfo.processInfo.environment
        environment["CAPD_PG_STATE"] = statePath
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, envp)
        guard rc == 0 else { throw TestFailure("posix_spawn failed: \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        guard status == 0 else {
            let errors = String(decoding: FileManager.default.contents(atPath: errorPath) ?? Data(), as: UTF8.self)
            throw TestFailure("\(what) failed (status \(status)): \(errors.suffix(2_000))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
