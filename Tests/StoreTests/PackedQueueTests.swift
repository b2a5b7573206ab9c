import Foundation
import Testing
import CLibSQLite3
@testable import Store

/// Under a backlog the queue keeps rows packed as spool records (issue 10: memory at backlog peaks). Packing
/// must give back every row exactly as it went in, in order, and the store must store each once.
@Suite(.serialized) struct PackedQueueTests {
    private static func sipRow(_ i: Int, payloadBytes: Int = 600) -> StoreRow {
        var row = SIPCaptureRow(table: i.isMultiple(of: 2) ? "sip_capture" : "sip_capture_%Y%m%d",
                                microTimestamp: 1_700_000_000_000_000 + Int64(i), receiveMicroTimestamp: 1_700_000_000_500_000)
        row.method = "INVITE"
        row.callID = "packed-\(i)@192.0.2.1"
        row.fromUser = "alice\(i)"
        row.toDomain = "biloxi.example.com"
        row.userAgent = "ünïcode agent \(i)"
        row.sourcePort = Int32(5060 + abs(i) % 7)
        row.family = i.isMultiple(of: 3) ? nil : 2
        row.customField3 = String(repeating: "c", count: abs(i) % 200)
        row.msg = (0..<payloadBytes).map { UInt8(truncatingIfNeeded: $0 &+ i) }
        return .sip(row)
    }

    private static func otherRows(_ i: Int) -> [StoreRow] {
        var report = ReportRow(table: "rtcp_capture", microTimestamp: 1_700_000_000_000_000 + Int64(i))
        report.correlationID = "packed-\(i)@192.0.2.1"
        report.msg = "{\"ssrc\":\(i)}"
        report.type = 5
        let seven = HomerSevenRow(table: "hep_proto_1_call", sid: "sid-\(i)", createDate: 1_700_000_000_000_000 + Int64(i),
                                  protocolHeader: "{\"srcPort\":\(i)}", dataHeader: "{\"callid\":\"packed-\(i)\"}", raw: "INVITE \(i)")
        return [.report(report), .homerSeven(seven)]
    }

    @Test("rows of every family come back from packed chunks unchanged and in order")
    func roundTripAcrossChunks() {
        var packed = PackedRows()
        var expected: [StoreRow] = []
        // ~4 KB rows: 1 500 of them span several 1 MiB chunks.
        for i in 0..<1_500 {
            let rows = [Self.sipRow(i, payloadBytes: 4_000)] + (i.isMultiple(of: 10) ? Self.otherRows(i) : [])
            for row in rows {
                packed.append(row)
                expected.append(row)
            }
        }
        #expect(packed.count == expected.count)
        #expect(packed.bytes > 3 * PackedRows.chunkBytes)
        let copy = packed.decodedRows()
        #expect(copy.undecodable == 0)
        #expect(copy.rows == expected)
        var out: [StoreRow] = []
        var chunks = 0
        while let chunk = packed.takeFirstChunk() {
            chunks += 1
            let decoded = chunk.decoded()
            #expect(decoded.undecodable == 0)
            #expect(decoded.rows.count == chunk.count)
            out += decoded.rows
        }
        #expect(chunks >= 4)
        #expect(out == expected)
        #expect(packed.isEmpty && packed.count == 0 && packed.bytes == 0)
    }

    @Test("a damaged record is counted, not skipped silently")
    func damagedRecordIsCounted() {
        var packed = PackedRows()
        for i in 0..<3 { packed.append(Self.sipRow(i)) }
        guard var chunk = packed.takeFirstChunk() else {
            Issue.record("no chunk")
            return
        }
        chunk.bytes[4] = 0xEE  // the first record's kind byte
        let decoded = chunk.decoded()
        #expect(decoded.rows.count == 2)
        #expect(decoded.undecodable == 1)
    }

    @Test("a backlog behind a locked SQLite database is packed, bound from its records, and every row stored once")
    func backlogIsPackedThenStored() throws {
        let db = try StoreTarget(engine: .sqlite).make("packed_backlog") {
            $0.batchRows = 200
            $0.flushMilliseconds = 20
            $0.queueCapacity = 4_000  // a head of 1 000 rows; the rest of the queue packed, beyond it the spool
        }
        let store = try Store(settings: db.settings)
        store.append(Self.sipRow(-1))
        #expect(store.drain(timeout: .seconds(30)).complete)

        // Another connection holds the write lock: the writer cannot commit, rows pile up in the queue.
        var lock: OpaquePointer?
        guard let path = db.sqlitePath, sqlite3_open_v2(path, &lock, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            Issue.record("cannot open the database")
            return
        }
        #expect(sqlite3_exec(lock, "BEGIN EXCLUSIVE", nil, nil, nil) == SQLITE_OK)
        var appended = 0
        for i in 0..<10_000 where store.append(Self.sipRow(i)) != .dropped(.closed) { appended += 1 }
        let during = store.metrics()
        #expect(sqlite3_exec(lock, "COMMIT", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(lock)

        #expect(appended == 10_000)
        #expect(during.packedQueueBytes > 1_000_000, "queue depth \(during.queueDepth), packed \(during.packedQueueBytes) bytes")
        let report = store.close(timeout: .seconds(60))
        #expect(report.complete, "\(report)")
        #expect(store.metrics().packedQueueBytes == 0)
        #expect(store.metrics().totalDropped == 0)
        // Packed rows were bound from their records (at least a batch of them).
        #expect(store.metrics().rowsStoredFromPacked >= 200, "\(store.metrics().rowsStoredFromPacked) rows from records")
        let stored = try db.query("SELECT callid FROM sip_capture UNION ALL SELECT callid FROM sip_capture_20231114")
            .compactMap { $0["callid"] }
        #expect(stored.count == 10_001)
        #expect(Set(stored) == Set((-1..<10_000).map { "packed-\($0)@192.0.2.1" }))
        // Rows column by column as they went in: from the packed tail of the queue (1 000..3 999: bound from
        // their records), from the spool (beyond 4 000), and one with NULL `family` and a cut custom_field3.
        for i in [1_001, 2_997, 3_999, 9_999] {
            let got = try db.query("SELECT date, micro_ts, user_agent, from_user, source_port, family, length(custom_field3) AS c3, "
                                   + "hex(msg) AS msg FROM sip_capture_20231114 WHERE callid = 'packed-\(i)@192.0.2.1'").first
            guard case .sip(let original) = Self.sipRow(i) else { return }
            #expect(got?["date"] == UTCTime.format(original.microTimestamp))
            #expect(got?["micro_ts"] == String(original.microTimestamp))
            #expect(got?["user_agent"] == original.userAgent)
            #expect(got?["from_user"] == original.fromUser)
            #expect(got?["source_port"] == String(original.sourcePort))
            #expect(got?["family"] == original.family.map(String.init) ?? "NULL")
            #expect(got?["c3"] == String(min(original.customField3.count, 120)))  // VARCHAR(120)
            #expect(got?["msg"] == original.msg.map { String(format: "%02X", $0) }.joined())
        }
    }

    @Test("rows that overflow into the spool are packed in its inbox and replayed once, column for column")
    func overflowIntoSpoolIsPackedAndReplayed() throws {
        let db = try StoreTarget(engine: .sqlite).make("packed_spool") {
            $0.batchRows = 100
            $0.queueCapacity = 100
            $0.flushMilliseconds = 60_000
        }
        let store = try Store(settings: db.settings)
        var spooled = 0
        var spooledSIP: [Int] = []
        for i in 0..<3_000 where store.append(Self.sipRow(i)) == .spooled { spooledSIP.append(i) }
        for i in 0..<300 { for row in Self.otherRows(i) where store.append(row) == .spooled { spooled += 1 } }
        spooled += spooledSIP.count
        let report = store.close(timeout: .seconds(60))
        #expect(report.complete, "\(report)")
        #expect(spooled > 100, "only \(spooled) rows went through the spool")
        #expect(store.metrics().totalDropped == 0)
        #expect(try db.count("sip_capture") + db.count("sip_capture_20231114") == 3_000)
        #expect(try db.count("rtcp_capture") == 300)
        let distinct = try db.query("SELECT count(DISTINCT callid) AS n FROM (SELECT callid FROM sip_capture UNION ALL "
                                    + "SELECT callid FROM sip_capture_20231114)")
        #expect(distinct.first?["n"] == "3000")
        // A row that went through the spool (an even one: `sip_capture`), column for column.
        guard let probe = spooledSIP.last(where: { $0.isMultiple(of: 2) }), case .sip(let original) = Self.sipRow(probe) else {
            Issue.record("no even row was spooled")
            return
        }
        let row = try db.query("SELECT user_agent, hex(msg) AS msg, family FROM sip_capture WHERE callid = '\(original.callID)'")
        #expect(row.first?["user_agent"] == original.userAgent)
        #expect(row.first?["family"] == original.family.map(String.init) ?? "NULL")
        #expect(row.first?["msg"] == original.msg.map { String(format: "%02X", $0) }.joined())
        let report0 = try db.query("SELECT msg FROM rtcp_capture WHERE correlation_id = 'packed-299@192.0.2.1'")
        #expect(report0.first?["msg"] == "{\"ssrc\":299}")
    }
}
