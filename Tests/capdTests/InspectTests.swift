import Foundation
import Testing

/// `capd inspect` run as a process on the spec's example packets and on corpus files.
@Suite struct InspectTests {
    private func jsonLines(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test func specExamplesAsJSONLines() throws {
        let files = ["hep3_sip_invite_ipv4_udp.bin", "hep3_rtcp_report_corr.bin", "hep2_sip_200ok_ipv4_udp.bin"]
            .map { TestEnvironment.shared("spec/examples/\($0)") }
        let result = try runCapd(["inspect", "--json"] + files)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let rows = try jsonLines(result.stdout)
        try #require(rows.count == 3)

        let invite = rows[0]
        #expect(invite["version"] as? Int == 3)
        #expect(invite["proto_type"] as? Int == 1)
        #expect(invite["src_ip"] as? String == "192.0.2.10")
        #expect(invite["src_port"] as? Int == 5060)
        #expect(invite["dst_ip"] as? String == "198.51.100.20")
        #expect(invite["transport"] as? String == "udp")
        #expect(invite["capture_id"] as? Int == 2001)
        #expect(invite["ts_sec"] as? Int == 1_700_000_000)
        #expect(invite["ts_usec"] as? Int == 123_456)
        #expect(invite["method"] as? String == "INVITE")
        #expect(invite["status"] is NSNull)
        #expect(invite["call_id"] as? String == "a84b4c76e66710@192.0.2.10")
        #expect(invite["from_user"] as? String == "alice")
        #expect(invite["from_tag"] as? String == "1928301774")
        #expect(invite["to_user"] as? String == "bob")
        #expect(invite["to_tag"] is NSNull)
        #expect(invite["cseq"] as? String == "314159 INVITE")
        #expect(invite["user_agent"] as? String == "capd-example/1.0")
        #expect(invite["correlation_id"] is NSNull)
        #expect(invite["error"] is NSNull)

        let rtcp = rows[1]
        #expect(rtcp["proto_type"] as? Int == 5)
        #expect(rtcp["correlation_id"] as? String == "a84b4c76e66710@192.0.2.10")
        #expect(rtcp["src_port"] as? Int == 49171)
        #expect(rtcp["dst_port"] as? Int == 51373)
        #expect(rtcp["ts_usec"] as? Int == 250_000)
        #expect(rtcp["method"] is NSNull)

        let ok = rows[2]
        #expect(ok["version"] as? Int == 2)
        #expect(ok["status"] as? Int == 200)
        #expect(ok["reason"] as? String == "OK")
        #expect(ok["src_ip"] as? String == "198.51.100.20")
        #expect(ok["ts_sec"] as? Int == 1_700_000_001)
        #expect(ok["ts_usec"] as? Int == 500_000)
        #expect(ok["to_tag"] as? String == "a6c85cf")
    }

    @Test func malformedDatagramReportsReasonAndKeepsGoing() throws {
        let truncated = TestEnvironment.shared("corpus/hep/raw/sip3_hepv3_sip_stub_notify.bin")
        let good = TestEnvironment.shared("spec/examples/hep3_sip_invite_ipv4_udp.bin")
        let result = try runCapd(["inspect", "--json", truncated, good])
        #expect(result.status == 0)
        let rows = try jsonLines(result.stdout)
        try #require(rows.count == 2)
        let error = try #require(rows[0]["error"] as? String)
        #expect(error.hasPrefix("length_mismatch"))
        #expect(rows[0]["version"] is NSNull)
        #expect(rows[1]["method"] as? String == "INVITE")
    }

    @Test func readableOutputShowsChunksAndSIP() throws {
        let result = try runCapd(["inspect", TestEnvironment.shared("spec/examples/hep3_rtcp_report_corr.bin")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("HEPv3 proto_type 5 (RTCP)"))
        #expect(result.stdout.contains("type 0x0011 correlation_id 25 bytes"))
    }

    @Test func missingFileFailsWithExitCode1() throws {
        let result = try runCapd(["inspect", "/nonexistent/capd-test.bin"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/capd-test.bin"))
    }

    @Test func compressedHEPCaptureInflatesToSevenDistinctMessages() throws {
        let result = try runCapd(["inspect", "--json", TestEnvironment.shared("corpus/hep/hep-wireshark_hep3_compressed.pcapng")])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let rows = try jsonLines(result.stdout)
        #expect(rows.count == 21)
        #expect(rows.allSatisfy { $0["version"] as? Int == 3 && $0["capture_id"] as? Int == 228 && $0["error"] is NSNull })
        #expect(rows.allSatisfy { $0["call_id"] as? String == "8fc0ff7e-9f0feb00-6245ba21@192.168.137.1" })
        // Each of the 7 messages was sent 3 times; everything but the frame number identifies a message.
        let distinct = Set(rows.map { row in
            ["method", "status", "cseq", "src_ip", "src_port", "dst_ip", "dst_port", "ts_sec", "ts_usec", "from_tag", "to_tag"]
                .map { "\(row[$0] ?? "")" }.joined(separator: "|")
        })
        #expect(distinct.count == 7)
        let kinds = rows.map { ($0["method"] as? String) ?? "\($0["status"] ?? "")" }
        #expect(kinds.filter { $0 == "REGISTER" }.count == 12)
        #expect(kinds.filter { $0 == "401" }.count == 6)
        #expect(kinds.filter { $0 == "200" }.count == 3)
    }

    @Test func plainSIPCaptureUsesInnerAddressesOfIPIP() throws {
        let result = try runCapd(["inspect", "--json", TestEnvironment.shared("corpus/pcap/sngrep_ipip.pcap")])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let rows = try jsonLines(result.stdout)
        try #require(rows.count == 4)
        #expect(rows.allSatisfy { $0["version"] is NSNull && $0["transport"] as? String == "tcp" })
        #expect(rows[0]["method"] as? String == "INVITE")
        #expect(rows[1]["status"] as? Int == 183)
        #expect(rows[2]["status"] as? Int == 200)
        #expect(rows[3]["method"] as? String == "BYE")
        // Frames 2 and 3 are IP-in-IP: the stored addresses are the inner ones.
        #expect(rows[1]["src_ip"] as? String == "10.15.193.31")
        #expect(rows[1]["src_port"] as? Int == 33093)
        #expect(rows[1]["dst_ip"] as? String == "10.15.197.103")
        #expect(rows[1]["dst_port"] as? Int == 5090)
    }
}
