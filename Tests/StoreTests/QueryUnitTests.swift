import Testing
@testable import Store

/// The pure parts of the query side: time text, table discovery over a window, call summaries.
@Suite struct QueryUnitTests {
    // 2023-11-14 22:13:20.123456 UTC
    let t: Int64 = 1_700_000_000_123_456

    @Test func timeTextRoundTripsAndAcceptsTheUsualForms() {
        #expect(UTCTime.parse(UTCTime.format(t)) == t)
        #expect(UTCTime.parse("2023-11-14 22:13:20.123456+00") == t)
        #expect(UTCTime.parse("2023-11-14T22:13:20.123456Z") == t)
        #expect(UTCTime.parse("2023-11-14 22:13:20.1234567") == t)
        #expect(UTCTime.parse("2023-11-14 22:13") == 1_699_999_980_000_000)
        #expect(UTCTime.parse("2023-11-14") == 1_699_920_000_000_000)
        #expect(UTCTime.parse("2023-11-14 22:13:20.5") == 1_700_000_000_500_000)
        #expect(UTCTime.parse("2023-11-14 22:13:20+02") == nil)
        #expect(UTCTime.parse("2023-13-14") == nil)
        #expect(UTCTime.parse("yesterday") == nil)
    }

    @Test func homerFiveTablesAreTheTemplatesDaysInTheWindow() {
        let existing = ["sip_capture", "sip_20231113", "sip_20231114", "sip_20231115", "sip_2023111", "other_20231114",
                        "rtcp_capture", "logs_20231114"]
        let day: Int64 = 86_400_000_000
        let midnight = UTCTime.parse("2023-11-14")!
        let one = CallTables.resolve(existing: existing, flavour: .homer5, sipTemplates: ["sip_%Y%m%d", "sip_capture"],
                                     reportTemplates: ["rtcp_capture", "logs_%Y%m%d"],
                                     window: TimeWindow(from: midnight + 3_600_000_000, to: midnight + day))
        #expect(one == CallTables(sip: ["sip_20231114", "sip_capture"], reports: ["logs_20231114", "rtcp_capture"]))
        let two = CallTables.resolve(existing: existing, flavour: .homer5, sipTemplates: ["sip_%Y%m%d"], reportTemplates: [],
                                     window: TimeWindow(from: midnight - 1, to: midnight + day + 1))
        #expect(two.sip == ["sip_20231113", "sip_20231114", "sip_20231115"])
        let all = CallTables.resolve(existing: existing, flavour: .homer5, sipTemplates: ["sip_%Y%m%d"], reportTemplates: [],
                                     window: nil)
        #expect(all.sip == ["sip_20231113", "sip_20231114", "sip_20231115"])
    }

    @Test func homerSevenTablesAreTheParentsThatExist() {
        let tables = CallTables.resolve(existing: ["hep_proto_1_call", "hep_proto_1_call_20231114", "hep_proto_5_default"],
                                        flavour: .homer7, sipTemplates: ["sip_capture"], reportTemplates: [], window: nil)
        #expect(tables == CallTables(sip: ["hep_proto_1_call"], reports: ["hep_proto_5_default"]))
    }

    func message(_ offset: Int64, _ method: String, cseq: String, reason: String = "", node: String = "n1") -> StoredMessage {
        StoredMessage(microTimestamp: t + offset, callID: "c1", method: method, replyReason: reason, fromUser: "alice",
                      toUser: "bob", cseq: cseq, sourceIP: "192.0.2.1", sourcePort: 5060, destinationIP: "192.0.2.2",
                      destinationPort: 5060, ipProtocol: 17, node: node, raw: [], table: "sip_capture", id: offset)
    }

    @Test func summaryTakesTheFinalReplyToTheFirstRequest() throws {
        let summary = try #require(CallSummary(messages: [
            message(0, "INVITE", cseq: "1 INVITE"), message(10, "100", cseq: "1 INVITE", reason: "Trying"),
            message(20, "486", cseq: "1 INVITE", reason: "Busy Here", node: "n2"), message(30, "ACK", cseq: "1 ACK"),
            message(40, "200", cseq: "2 OPTIONS"),
        ]))
        #expect(summary.firstMethod == "INVITE" && summary.finalStatus == "486")
        #expect(summary.durationMicroseconds == 40 && summary.messageCount == 5 && summary.nodes == ["n1", "n2"])
        #expect(summary.fromUser == "alice" && summary.toUser == "bob" && summary.start == t)
        let provisional = try #require(CallSummary(messages: [message(0, "INVITE", cseq: "1 INVITE"), message(5, "180", cseq: "1 INVITE")]))
        #expect(provisional.finalStatus == "180")
        #expect(CallSummary(messages: []) == nil)
    }

    @Test func postgresByteaHexDecodes() {
        #expect(PostgresReadOnly.decodeHexBytea("\\x494e56495445") == Array("INVITE".utf8))
        #expect(PostgresReadOnly.decodeHexBytea("\\x") == [])
    }
}
