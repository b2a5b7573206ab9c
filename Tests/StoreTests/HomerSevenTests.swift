import Foundation
import Testing
@testable import Store

@Suite struct HomerSevenTests {
    @Test func routesByCSeqMethod() {
        #expect(HomerSeven.table(payloadType: 1, cseqMethod: "INVITE") == "hep_proto_1_call")
        #expect(HomerSeven.table(payloadType: 1, cseqMethod: "bye") == "hep_proto_1_call")
        #expect(HomerSeven.table(payloadType: 1, cseqMethod: "REGISTER") == "hep_proto_1_registration")
        #expect(HomerSeven.table(payloadType: 1, cseqMethod: "OPTIONS") == "hep_proto_1_default")
        #expect(HomerSeven.table(payloadType: 5) == "hep_proto_5_default")
        #expect(HomerSeven.table(payloadType: 34) == "hep_proto_35_default")
        #expect(HomerSeven.table(payloadType: 100) == "hep_proto_100_default")
        #expect(HomerSeven.table(payloadType: 54) == nil)
        #expect(HomerSeven.table(payloadType: 0) == nil)
        #expect(HomerSeven.cseqMethod(fromCSeq: "314159 INVITE") == "INVITE")
    }

    @Test func protocolHeaderHasHeplifyKeysAndTypes() throws {
        let text = HomerSeven.protocolHeader(
            protocolFamily: 2, protocol: 17, srcIP: "192.0.2.10", dstIP: "198.51.100.20", srcPort: 5060, dstPort: 5060,
            timeSeconds: 1_700_000_000, timeUseconds: 123_456, payloadType: 1, captureID: "2001",
            correlationID: "a84b4c76e66710@192.0.2.10")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["protocolFamily"] as? Int == 2)
        #expect(object["protocol"] as? Int == 17)
        #expect(object["srcIp"] as? String == "192.0.2.10")
        #expect(object["dstIp"] as? String == "198.51.100.20")
        #expect(object["srcPort"] as? Int == 5060)
        #expect(object["timeSeconds"] as? Int == 1_700_000_000)
        #expect(object["timeUseconds"] as? Int == 123_456)
        #expect(object["payloadType"] as? Int == 1)
        #expect(object["captureId"] as? String == "2001")
        #expect(object["capturePass"] == nil)
        #expect(object["correlation_id"] as? String == "a84b4c76e66710@192.0.2.10")
        #expect(text.hasPrefix("{\"protocolFamily\":2,\"protocol\":17,\"srcIp\""))
    }

    @Test func dataHeadersAreStringsAndEscaped() throws {
        let sip = HomerSeven.sipDataHeader(["callid": "c\"1\\\n", "method": "INVITE"], customHeaders: [("X-Foo", "bar")])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sip.utf8)) as? [String: String])
        #expect(Set(object.keys) == Set(HomerSeven.defaultSIPKeys + ["X-Foo"]))
        #expect(object["callid"] == "c\"1\\\n")
        #expect(object["ruri_user"] == "")
        let report = HomerSeven.nonSIPDataHeader(node: "homer01", payloadType: 5)
        #expect(report == #"{"node":"homer01","proto":"rtcp"}"#)
    }

    @Test func spoolCodecRoundTripsEveryRowKind() throws {
        var sip = try WorkedExample.inviteRow(table: "t_%Y%m%d")
        sip.family = nil
        sip.diversion = "<sip:x@y>;reason=unconditional"
        var report = ReportRow(table: "rtcp_capture", microTimestamp: 5, receiveMicroTimestamp: 6)
        report.msg = "{\"a\":1}"
        report.family = 10
        let h7 = HomerSevenRow(table: "hep_proto_5_default", sid: "s", createDate: 7, protocolHeader: "{}", dataHeader: "{}", raw: "ü")
        for row in [StoreRow.sip(sip), .report(report), .homerSeven(h7)] {
            var bytes: [UInt8] = []
            SpoolCodec.encode(row, into: &bytes)
            #expect(SpoolCodec.decode(bytes[...]) == row)
            #expect(SpoolCodec.decode(bytes.dropLast()) == nil)
        }
    }
}
