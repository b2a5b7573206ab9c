import Foundation
import Testing

/// `store.url` reaches libpq as written, TLS parameters included: the throwaway cluster is switched to TLS
/// (a certificate for 127.0.0.1 from the test PKI) and capd connects over TCP with sslmode=verify-full.
@Suite(.serialized) struct PostgresTLSTests {
    @Test func storeURLTLSParametersReachLibpq() throws {
        let environment = ProcessInfo.processInfo.environment
        let dataDirectory = try #require(environment["CAPD_TEST_PG_DATADIR"], "run with a test cluster (make test)")
        let port = try #require(environment["CAPD_TEST_PG_PORT"])
        let pki = try TestPKI()
        let certificate = dataDirectory + "/capd-test-server.pem", key = dataDirectory + "/capd-test-server.key"
        try? FileManager.default.removeItem(atPath: certificate)
        try? FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: pki.path("server.pem"), toPath: certificate)
        try FileManager.default.copyItem(atPath: pki.path("server.key"), toPath: key)
        if getuid() == 0 { _ = try runTool(["chown", "postgres", certificate, key]) }
        chmod(key, 0o600)
        _ = try RunPostgresTests.psql("ALTER SYSTEM SET ssl_cert_file = '\(certificate)'")
        _ = try RunPostgresTests.psql("ALTER SYSTEM SET ssl_key_file = '\(key)'")
        _ = try RunPostgresTests.psql("ALTER SYSTEM SET ssl = on")
        _ = try RunPostgresTests.psql("SELECT pg_reload_conf()")
        defer {
            _ = try? RunPostgresTests.psql("ALTER SYSTEM RESET ssl")
            _ = try? RunPostgresTests.psql("ALTER SYSTEM RESET ssl_cert_file")
            _ = try? RunPostgresTests.psql("ALTER SYSTEM RESET ssl_key_file")
            _ = try? RunPostgresTests.psql("SELECT pg_reload_conf()")
        }
        #expect(waitUntil { (try? RunPostgresTests.psql("SHOW ssl"))?.first == "on" })

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
        #expect(try daemon.waitFor(15) { (try? RunPostgresTests.psql("SELECT count(*) FROM \(table)"))?.first == "1" })
        // capd's own session is encrypted.
        let encrypted = try RunPostgresTests.psql(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'capd' AND s.ssl")
        #expect(Int(encrypted.first ?? "0") ?? 0 >= 1)
        #expect(daemon.terminate() == 0)

        // A CA that did not sign the server certificate: libpq refuses the server, capd says so and stores nothing.
        let refused = try DaemonProcess(rules: rules, extraArguments: ["--store", base + pki.path("other-ca.pem")])
        try refused.sendUDP([invite])
        #expect(refused.waitFor(15) { refused.log.contains("certificate verify failed") }, "\(refused.log.suffix(1_500))")
        _ = refused.terminate()
        #expect((try? RunPostgresTests.psql("SELECT count(*) FROM \(table)"))?.first == "1")
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
