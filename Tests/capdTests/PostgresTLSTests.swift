import Foundation
import Testing
import TestSupport

/// `store.url` reaches libpq as written, TLS parameters included: a throwaway cluster of its own is switched to TLS
/// (a certificate for 127.0.0.1 from the test PKI) and capd connects over TCP with sslmode=verify-full.
@Suite(.serialized) struct PostgresTLSTests {
    @Test func storeURLTLSParametersReachLibpq() throws {
        // A cluster of this test's own: switching the suite's shared cluster to TLS under the other suites'
        // connections took it down once in a full run.
        let cluster = try PrivateCluster("tls")
        defer { cluster.destroy() }
        let dataDirectory = cluster.dataDirectory
        let port = cluster.port
        func psql(_ sql: String) throws -> [String] { try cluster.psql(sql) }
        let pki = try TestPKI()
        let certificate = dataDirectory + "/capd-test-server.pem", key = dataDirectory + "/capd-test-server.key"
        try? FileManager.default.removeItem(atPath: certificate)
        try? FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: pki.path("server.pem"), toPath: certificate)
        try FileManager.default.copyItem(atPath: pki.path("server.key"), toPath: key)
        if getuid() == 0 { _ = try runTool(["chown", "postgres", certificate, key]) }
        chmod(key, 0o600)
        _ = try psql("ALTER SYSTEM SET ssl_cert_file = '\(certificate)'")
        _ = try psql("ALTER SYSTEM SET ssl_key_file = '\(key)'")
        _ = try psql("ALTER SYSTEM SET ssl = on")
        _ = try psql("SELECT pg_reload_conf()")
        defer {
            _ = try? psql("ALTER SYSTEM RESET ssl")
            _ = try? psql("ALTER SYSTEM RESET ssl_cert_file")
            _ = try? psql("ALTER SYSTEM RESET ssl_key_file")
            _ = try? psql("SELECT pg_reload_conf()")
        }
        #expect(waitUntil { (try? psql("SHOW ssl"))?.first == "on" })

        let base = "postgresql://postgres@127.0.0.1:\(port)/postgres?sslmode=verify-full&sslrootcert="
        let table = "tls_sip_\(UInt32.random(in: 0..<UInt32.max))"
        let rules = """
            store:
              url: sqlite://unused.db
              table: \(table)
              flush_ms: 20
            routes:
              main:
                - do: [capture]
            """
        let invite = try RunDaemonTests.packet(callID: "over-tls").bytes
        let daemon = try DaemonProcess(rules: rules, extraArguments: ["--store", base + pki.path("ca.pem")])
        try daemon.sendUDP([invite])
        #expect(try daemon.waitFor(15) { (try? psql("SELECT count(*) FROM \(table)"))?.first == "1" })
        // capd's own session is encrypted.
        let encrypted = try psql(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'capd' AND s.ssl")
        #expect(Int(encrypted.first ?? "0") ?? 0 >= 1)
        #expect(daemon.terminate() == 0)

        // A CA that did not sign the server certificate: libpq refuses the server, capd says so and stores nothing.
        let refused = try DaemonProcess(rules: rules, extraArguments: ["--store", base + pki.path("other-ca.pem")])
        try refused.sendUDP([invite])
        #expect(refused.waitFor(15) { refused.log.contains("certificate verify failed") }, "\(refused.log.suffix(1_500))")
        _ = refused.terminate()
        #expect((try? psql("SELECT count(*) FROM \(table)"))?.first == "1")
    }
}

/// Polls `condition` every 100 ms for up to `seconds`.
func waitUntil(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(100_000)
    }
    return condition()
}

