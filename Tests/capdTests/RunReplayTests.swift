import Foundation
import Testing

/// `capd replay` as a process: every corpus capture goes through the rules into SQLite, and the stored
/// rows are the SIP message counts of ../shared/corpus/README.md §1.2 (HEP captures: §2.1).
@Suite struct RunReplayTests {
    /// File → SIP messages per the corpus README (tshark's counts with the README's hints).
    static let expected: [(file: String, messages: Int)] = [
        ("pcap/heplify_sip_ipv6.pcap", 6),
        ("pcap/heplify_sip_ipv4_tcp.pcap", 7),
        ("pcap/heplify_sip_ipv4_tcp_fragmented.pcap", 406),
        ("pcap/heplify_sip_ipv4_tcp_retrans.pcap", 8),
        ("pcap/heplify_sip_sctp.pcap", 4),
        ("pcap/heplify_sip_tcp_websocket.pcap", 39),
        ("pcap/heplify_erspan_sip_ipv4_udp.pcapng", 140),
        ("pcap/heplify_ipip0.pcap", 8),
        ("pcap/heplify_rtp_rtcp_sip.pcap", 14),
        ("pcap/heplify_ipv6-udp-fragmented_nonsip.pcap", 0),
        ("pcap/ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", 92),
        ("pcap/ndpi_http_on_sip_port_nonsip.pcap", 0),
        ("pcap/sngrep_aaa.pcap", 81),
        ("pcap/sngrep_ipip.pcap", 4),
        ("pcap/suricata-verify_public-cloudshark-sip-s0.pcap", 10),
        ("pcap/suricata-verify_sip-body-large.pcap", 2),
        ("pcap/suricata-verify_sip_compact_form.pcap", 1),
        ("pcap/suricata-verify_sip_header_multi_val.pcap", 1),
        ("pcap/suricata-verify_sip-options-method.pcap", 2),
        ("pcap/suricata-verify_sip-pattern-matching.pcap", 2),
        ("pcap/suricata-verify_sip-sdp.pcap", 2),
        ("pcap/suricata-verify_sip-tcp-pattern-matching.pcap", 2),
        ("pcap/zeek_sip_invalid-content-length.pcap", 2),
        ("pcap/zeek_sip-junk-before-request.pcap", 1),
        ("hep/hep-wireshark_hep3_compressed.pcapng", 21),
    ]

    @Test func everyCorpusCaptureIsListed() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: TestEnvironment.shared("corpus/pcap"))
        #expect(Set(onDisk.map { "pcap/" + $0 }) == Set(Self.expected.map(\.file).filter { $0.hasPrefix("pcap/") }))
    }

    @Test(arguments: expected)
    func replayStoresTheREADMECount(_ entry: (file: String, messages: Int)) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capd-replay-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("replay.db").path
        let result = try runCapd([
            "replay", "--quiet", "-c", TestEnvironment.packageRoot.appendingPathComponent("rules/default.yaml").path,
            "--store", "sqlite://" + database, "--spool", directory.appendingPathComponent("spool").path,
            TestEnvironment.shared("corpus/" + entry.file),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("stored: \(entry.messages)\n"), "\(result.stdout)")
        #expect(SQLiteReader.count(database, table: "sip_capture") == entry.messages)
    }

    @Test func ipipReplayStoresTheInnerAddresses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capd-replay-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("replay.db").path
        let result = try runCapd([
            "replay", "--quiet", "-c", TestEnvironment.packageRoot.appendingPathComponent("rules/default.yaml").path,
            "--store", "sqlite://" + database, "--spool", directory.appendingPathComponent("spool").path,
            TestEnvironment.shared("corpus/pcap/sngrep_ipip.pcap"),
        ])
        #expect(result.status == 0)
        let rows = try SQLiteReader.rows(database, "SELECT source_ip, source_port, destination_ip, destination_port, node FROM sip_capture ORDER BY id")
        #expect(rows.count == 4)
        #expect(rows[1] == ["10.15.193.31", "33093", "10.15.197.103", "5090", "homer01"])
    }

    @Test func unreadableFileFailsTheReplay() throws {
        let result = try runCapd(["replay", "--quiet", "--store", "sqlite:///tmp/capd-replay-unused-\(UUID().uuidString.prefix(6)).db",
                                  "--spool", "/tmp/capd-replay-spool-unused", "/nonexistent/file.pcap"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/file.pcap"))
    }
}
