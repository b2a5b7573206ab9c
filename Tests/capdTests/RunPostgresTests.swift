import Foundation
import Testing
import TestSupport

/// `capd run` into the throwaway PostgreSQL cluster that the test command starts (CAPD_TEST_PG_URL). A missing
/// database fails these tests; it never skips them.
@Suite(.serialized) struct RunPostgresTests {
    static var url: String? { ProcessInfo.processInfo.environment["CAPD_TEST_PG_URL"] }

    /// Runs SQL through psql and returns the rows, fields separated by `|`.
    static func psql(_ sql: String) throws -> [String] {
        let url = try #require(url, "CAPD_TEST_PG_URL is not set: run the suite with `make test`")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        let exitStatus = process.waitUntilExitReliably()
        guard exitStatus == 0 else {
            throw DaemonError(message: "psql failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func exampleInviteBecomesTheWorkedHomer5Row() throws {
        let url = try #require(Self.url, "CAPD_TEST_PG_URL is not set: run the suite with `make test`")
        let table = "e2e_sip_\(UInt32.random(in: 0..<UInt32.max))"
        let daemon = try DaemonProcess(rules: """
            store:
              url: sqlite://unused.db
              table: \(table)
              flush_ms: 20
            routes:
              main:
                - do: [capture]
            """, extraArguments: ["--store", url])
        let invite = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_sip_invite_ipv4_udp.bin"))))
        let ok = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep2_sip_200ok_ipv4_udp.bin"))))
        try daemon.sendUDP([invite, ok])
        #expect(try daemon.waitFor(15) { (try? Self.psql("SELECT count(*) FROM \(table)"))?.first == "2" })
        #expect(daemon.terminate() == 0)
        // opensips-sipcapture-behaviour.md §7.1, with contact_user filled (capd's documented difference).
        let rows = try Self.psql("""
            SELECT to_char(date, 'YYYY-MM-DD HH24:MI:SS'), micro_ts, method, reply_reason, ruri, ruri_user, ruri_domain,
                   from_user, from_domain, from_tag, to_user, to_domain, to_tag, pid_user, contact_user, callid,
                   callid_aleg, via_1, via_1_branch, cseq, user_agent, source_ip, source_port, destination_ip,
                   destination_port, contact_ip, contact_port, proto, family, type, node, correlation_id, length(msg)
            FROM \(table) ORDER BY micro_ts
            """)
        try #require(rows.count == 2)
        #expect(rows[0].split(separator: "|", omittingEmptySubsequences: false).map(String.init) == [
            "2023-11-14 22:13:20", "1700000000123456", "INVITE", "", "sip:bob@biloxi.example.com", "bob", "biloxi.example.com",
            "alice", "atlanta.example.com", "1928301774", "bob", "biloxi.example.com", "", "+15551230001", "alice",
            "a84b4c76e66710@192.0.2.10", "leg-a-7731@192.0.2.1",
            "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds", "z9hG4bK776asdhds", "314159 INVITE", "capd-example/1.0",
            "192.0.2.10", "5060", "198.51.100.20", "5060", "192.0.2.10", "5060", "17", "2", "1", "homer01:2001", "", "451",
        ])
        #expect(rows[1].split(separator: "|", omittingEmptySubsequences: false).map(String.init) == [
            "2023-11-14 22:13:21", "1700000001500000", "200", "OK", "", "", "",
            "alice", "atlanta.example.com", "1928301774", "bob", "biloxi.example.com", "a6c85cf", "", "bob",
            "a84b4c76e66710@192.0.2.10", "",
            "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds", "z9hG4bK776asdhds", "314159 INVITE", "",
            "198.51.100.20", "5060", "192.0.2.10", "5060", "198.51.100.20", "5060", "17", "2", "2", "homer01:2001", "", "299",
        ])
        _ = try Self.psql("DROP TABLE IF EXISTS \(table)")
    }

    @Test func homer7RowsCarryTheKeysHomerAppReads() throws {
        let url = try #require(Self.url, "CAPD_TEST_PG_URL is not set: run the suite with `make test`")
        let schema = "capd_e2e_\(UInt32.random(in: 0..<UInt32.max))"
        _ = try Self.psql("CREATE SCHEMA \(schema)")
        defer { _ = try? Self.psql("DROP SCHEMA \(schema) CASCADE") }
        let scoped = url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        let daemon = try DaemonProcess(rules: """
            store:
              url: sqlite://unused.db
              schema: homer7
              flush_ms: 20
            routes:
              main:
                - name: reports
                  when: { not: { hep.proto_type: SIP } }
                  do: [report, stop]
                - do: [capture]
            """, extraArguments: ["--store", scoped])
        let invite = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_sip_invite_ipv4_udp.bin"))))
        let rtcp = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_rtcp_report_corr.bin"))))
        try daemon.sendUDP([invite, rtcp])
        #expect(try daemon.waitFor(15) {
            (try? Self.psql("SELECT (SELECT count(*) FROM \(schema).hep_proto_1_call) + (SELECT count(*) FROM \(schema).hep_proto_5_default)"))?.first == "2"
        }, "\(daemon.log)")
        #expect(daemon.terminate() == 0)
        let call = try Self.psql("""
            SELECT sid, protocol_header->>'srcIp', protocol_header->>'dstPort', protocol_header->>'payloadType',
                   protocol_header->>'captureId', data_header->>'callid', data_header->>'method', data_header->>'from_user',
                   data_header->>'cseq', to_char(create_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
            FROM \(schema).hep_proto_1_call
            """)
        #expect(call == ["a84b4c76e66710@192.0.2.10|192.0.2.10|5060|1|2001|a84b4c76e66710@192.0.2.10|INVITE|alice|314159 INVITE|2023-11-14 22:13:20"])
        let report = try Self.psql("""
            SELECT sid, protocol_header->>'correlation_id', protocol_header->>'payloadType', data_header->>'proto'
            FROM \(schema).hep_proto_5_default
            """)
        #expect(report == ["a84b4c76e66710@192.0.2.10|a84b4c76e66710@192.0.2.10|5|rtcp"])
    }
}
