import Foundation
import Testing
@testable import Store

/// Rows written through `Store` into real SQLite files and a real PostgreSQL, read back with SQL.
@Suite(.serialized) struct StoreRowTests {
    @Test(arguments: StoreTarget.both)
    func workedInviteRowReadsBackEqual(target: StoreTarget) throws {
        let db = try target.make("worked")
        let store = try Store(settings: db.settings)
        let row = try WorkedExample.inviteRow()
        #expect(store.append(.sip(row)) == .queued)
        let report = store.close()
        #expect(report.complete, "\(report)")
        let rows = try db.query(sipSelect(db.engine, table: "sip_capture"))
        try #require(rows.count == 1)
        let expected = WorkedExample.expectedColumns(row)
        for (column, value) in expected {
            #expect(rows[0][column] == value, "column \(column)")
        }
        #expect(rows[0]["contact_user"] == "alice")
        #expect(rows[0]["msg"]?.count == 451 * 2)
        #expect(store.metrics().rowsStored["sip_capture"] == 1)
    }

    @Test(arguments: StoreTarget.both)
    func twoUTCDaysLandInTwoTablesCreatedOnDemand(target: StoreTarget) throws {
        let db = try target.make("twodays")
        let store = try Store(settings: db.settings)
        let day1: Int64 = 1_700_006_399_000_000  // 2023-11-14 23:59:59 UTC
        let day2: Int64 = 1_700_006_401_000_000  // 2023-11-15 00:00:01 UTC
        for (i, t) in [day1, day2, day1, day2, day2].enumerated() {
            var row = SIPCaptureRow(table: "sip_capture_call_%Y%m%d", microTimestamp: t)
            row.callID = "c\(i)"
            store.append(.sip(row))
        }
        // A row whose agent clock is 2 days off goes by receive time.
        var skewed = SIPCaptureRow(table: "sip_capture_call_%Y%m%d", microTimestamp: day1 - 2 * 86_400_000_000,
                                   receiveMicroTimestamp: day2)
        skewed.callID = "skewed"
        store.append(.sip(skewed))
        #expect(store.close().complete)
        let tables = try db.tables()
        #expect(tables.contains("sip_capture_call_20231114"))
        #expect(tables.contains("sip_capture_call_20231115"))
        #expect(!tables.contains("sip_capture_call_20231112"))
        #expect(try db.count("sip_capture_call_20231114") == 2)
        #expect(try db.count("sip_capture_call_20231115") == 4)
    }

    @Test(arguments: StoreTarget.both)
    func drainWritesAHalfFullBatch(target: StoreTarget) throws {
        let db = try target.make("drain") {
            $0.batchRows = 1000
            $0.flushMilliseconds = 600_000
        }
        let store = try Store(settings: db.settings)
        #expect(eventually(10) { store.metrics().connected })
        for i in 0..<137 { store.append(WorkedExample.numberedRow(i, table: "sip_capture")) }
        usleep(100_000)
        #expect(try db.count("sip_capture") == 0, "nothing is due before the drain")
        let report = store.drain(timeout: .seconds(30))
        #expect(report.complete)
        #expect(try db.count("sip_capture") == 137)
        store.append(WorkedExample.numberedRow(137, table: "sip_capture"))
        #expect(store.close().complete)
        #expect(try db.count("sip_capture") == 138)
        #expect(store.append(WorkedExample.numberedRow(999, table: "sip_capture")) == .dropped(.closed))
    }

    @Test(arguments: StoreTarget.both)
    func flushByAge(target: StoreTarget) throws {
        let db = try target.make("age") {
            $0.batchRows = 1000
            $0.flushMilliseconds = 50
        }
        let store = try Store(settings: db.settings)
        defer { store.close() }
        for i in 0..<10 { store.append(WorkedExample.numberedRow(i, table: "sip_capture")) }
        #expect(eventually(10) { store.metrics().totalStored == 10 })
        #expect(try db.count("sip_capture") == 10)
    }

    @Test(arguments: StoreTarget.both)
    func reportRowsAndOverlongValues(target: StoreTarget) throws {
        let db = try target.make("report")
        let store = try Store(settings: db.settings)
        var report = ReportRow(table: "rtcp_capture", microTimestamp: 1_700_000_005_250_000)
        report.correlationID = "a84b4c76e66710@192.0.2.10"
        report.sourceIP = "192.0.2.10"
        report.sourcePort = 49171
        report.destinationIP = "198.51.100.20"
        report.destinationPort = 51373
        report.proto = 1
        report.family = 2
        report.type = 5
        report.node = "homer01:2001"
        report.msg = "{\"type\":200}"
        store.append(.report(report))
        var long = SIPCaptureRow(table: "sip_capture", microTimestamp: 1_700_000_000_000_000)
        long.callID = String(repeating: "é", count: 130)  // VARCHAR(120): cut, not rejected
        store.append(.sip(long))
        #expect(store.close().complete)
        let rows = try db.query("SELECT correlation_id, source_port, destination_port, type, node, msg, family FROM rtcp_capture")
        #expect(rows.count == 1)
        #expect(rows.first?["correlation_id"] == "a84b4c76e66710@192.0.2.10")
        #expect(rows.first?["destination_port"] == "51373")
        #expect(rows.first?["type"] == "5")
        #expect(rows.first?["msg"] == "{\"type\":200}")
        #expect(rows.first?["family"] == "2")
        let sip = try db.query("SELECT callid FROM sip_capture")
        #expect(sip.first?["callid"] == String(repeating: "é", count: 120))
        #expect(store.metrics().deadLettered == 0)
    }

    @Test(arguments: StoreTarget.both)
    func homerSevenRowsCarryTheKeysHomerAppReads(target: StoreTarget) throws {
        let db = try target.make("homer7", schema: .homer7)
        let store = try Store(settings: db.settings)
        let invite = try WorkedExample.inviteRow()
        let protocolHeader = HomerSeven.protocolHeader(
            protocolFamily: 2, protocol: 17, srcIP: invite.sourceIP, dstIP: invite.destinationIP, srcPort: 5060,
            dstPort: 5060, timeSeconds: 1_700_000_000, timeUseconds: 123_456, payloadType: 1, captureID: "2001",
            correlationID: HomerSeven.sipCorrelationID(chunk: nil, aLegID: "", callID: invite.callID))
        let dataHeader = HomerSeven.sipDataHeader([
            "ruri_user": invite.ruriUser, "ruri_domain": invite.ruriDomain, "from_user": invite.fromUser,
            "from_tag": invite.fromTag, "to_user": invite.toUser, "to_tag": invite.toTag, "callid": invite.callID,
            "cseq": invite.cseq, "method": invite.method, "user_agent": invite.userAgent,
        ])
        let table = try #require(HomerSeven.table(payloadType: 1, cseqMethod: HomerSeven.cseqMethod(fromCSeq: invite.cseq)))
        #expect(table == "hep_proto_1_call")
        store.append(.homerSeven(HomerSevenRow(table: table, sid: invite.callID, createDate: invite.microTimestamp,
                                               protocolHeader: protocolHeader, dataHeader: dataHeader,
                                               raw: String(decoding: invite.msg, as: UTF8.self))))
        // An RTCP report the next day: another partition on PostgreSQL.
        store.append(.homerSeven(HomerSevenRow(
            table: "hep_proto_5_default", sid: invite.callID, createDate: invite.microTimestamp + 86_400_000_000,
            protocolHeader: protocolHeader, dataHeader: HomerSeven.nonSIPDataHeader(node: "2001", payloadType: 5),
            raw: "{\"type\":200}")))
        #expect(store.close().complete)
        let json: String
        if db.engine == .postgres {
            json = "SELECT sid, protocol_header->>'srcIp' AS src, protocol_header->>'captureId' AS capture, "
                + "jsonb_typeof(protocol_header->'srcPort') AS porttype, protocol_header->>'correlation_id' AS corr, "
                + "data_header->>'callid' AS callid, data_header->>'method' AS method, data_header->>'from_user' AS from_user, "
                + "to_char(create_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS created FROM hep_proto_1_call"
            let partitions = try db.tables()
            #expect(partitions.contains("hep_proto_1_call_20231114"))
            #expect(partitions.contains("hep_proto_5_default_20231115"))
        } else {
            json = "SELECT sid, json_extract(protocol_header,'$.srcIp') AS src, json_extract(protocol_header,'$.captureId') AS capture, "
                + "json_type(protocol_header,'$.srcPort') AS porttype, json_extract(protocol_header,'$.correlation_id') AS corr, "
                + "json_extract(data_header,'$.callid') AS callid, json_extract(data_header,'$.method') AS method, "
                + "json_extract(data_header,'$.from_user') AS from_user, substr(create_date,1,26) AS created FROM hep_proto_1_call"
        }
        let rows = try db.query(json)
        try #require(rows.count == 1)
        #expect(rows[0]["sid"] == "a84b4c76e66710@192.0.2.10")
        #expect(rows[0]["src"] == "192.0.2.10")
        #expect(rows[0]["capture"] == "2001")
        #expect(rows[0]["porttype"] == (db.engine == .postgres ? "number" : "integer"))
        #expect(rows[0]["corr"] == "a84b4c76e66710@192.0.2.10")
        #expect(rows[0]["callid"] == "a84b4c76e66710@192.0.2.10")
        #expect(rows[0]["method"] == "INVITE")
        #expect(rows[0]["from_user"] == "alice")
        #expect(rows[0]["created"] == "2023-11-14 22:13:20.123456")
        #expect(try db.count("hep_proto_5_default") == 1)
    }
}
