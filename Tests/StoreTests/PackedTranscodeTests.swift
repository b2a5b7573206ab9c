import CLibPQ
import Foundation
import Testing
@testable import Store

/// On PostgreSQL, rows packed in the queue's tail go into the COPY stream straight from their records
/// (issue 10: CPU per row with a backlog). The stream must be byte for byte what the rows themselves encode to.
@Suite(.serialized) struct PackedTranscodeTests {
    /// Rows of one family with every kind of column, VARCHARs past their width in multi-byte characters, NULL
    /// and non-NULL `family`, and capture times far from the receive time (the table is then named by the latter).
    private static func sipRows() -> [StoreRow] {
        (0..<40).map { i in
            var row = SIPCaptureRow(table: i.isMultiple(of: 2) ? "sip_capture" : "sip_capture_all_%Y%m%d",
                                    microTimestamp: 1_700_000_000_000_000 + Int64(i) * (i.isMultiple(of: 5) ? 1_000_000_000 : 1),
                                    receiveMicroTimestamp: 1_700_000_000_500_000)
            row.method = i.isMultiple(of: 3) ? "BYE" : "INVITE"
            row.callID = "transcode-\(i)@192.0.2.1"
            row.fromUser = String(repeating: "é", count: 90 + i)          // VARCHAR(100): cut past 100 characters
            row.userAgent = String(repeating: "agent😀", count: i * 8)     // VARCHAR(256), 4-byte scalars
            row.cseq = String(repeating: "9", count: 20 + i)               // VARCHAR(25), ASCII
            row.via1Branch = String(repeating: "ß", count: 80)             // exactly the width
            row.sourcePort = Int32(i) - 20
            row.family = i.isMultiple(of: 4) ? nil : Int16(i)
            row.type = Int32.max - Int32(i)
            row.msg = (0..<(i * 37)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
            return .sip(row)
        }
    }

    private static func reportRows() -> [StoreRow] {
        (0..<10).map { i in
            var row = ReportRow(table: "rtcp_capture", microTimestamp: 1_700_000_000_000_000 - Int64(i) * 3_600_000_000)
            row.correlationID = "transcode-\(i)@192.0.2.1"
            row.msg = "{\"note\":\"" + String(repeating: "ü", count: 1_495 + i) + "\"}"  // VARCHAR(1500)
            row.family = i.isMultiple(of: 2) ? 10 : nil
            return .report(row)
        }
    }

    private static func homerSevenRows() -> [StoreRow] {
        (0..<10).map { i in
            .homerSeven(HomerSevenRow(table: "hep_proto_1_call", sid: "sid-\(i)", createDate: 1_700_000_000_000_000 + Int64(i),
                                      receiveMicroTimestamp: 1_700_000_000_000_000,
                                      protocolHeader: "{\"srcPort\":\(i),\"x\":\"ä\"}", dataHeader: "{\"callid\":\"c-\(i)\"}",
                                      raw: String(repeating: "INVITE ☎ ", count: i * 50)))
        }
    }

    /// Where two COPY streams first differ ("offset N of A / B bytes"), nil when equal: short failure messages.
    private static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String? {
        guard a != b else { return nil }
        let offset = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        return "offset \(offset) of \(a.count) / \(b.count) bytes"
    }

    private static func record(_ row: StoreRow) -> [UInt8] {
        var bytes: [UInt8] = []
        SpoolCodec.encode(row, into: &bytes)
        return bytes
    }

    @Test("records transcode to the COPY bytes their rows encode to", arguments: [
        (RowFamily.sipCapture, 0), (.report, 1), (.homerSeven, 2),
    ])
    func transcodedEqualsEncoded(family: RowFamily, index: Int) {
        let rows = [Self.sipRows(), Self.reportRows(), Self.homerSevenRows()][index]
        #expect(rows.allSatisfy { $0.family == family })
        let records = rows.map { Self.record($0)[...] }
        let transcoded = CopyBinaryEncoder.encode([], records: records, family: family)
        #expect(transcoded.undecodable == 0)
        #expect(Self.firstDifference(transcoded.payload, CopyBinaryEncoder.encode(rows, family: family)) == nil)
        // Every record took the transcoder's path (none fell back to decoding).
        var encoder = CopyBinaryEncoder(reserving: 0)
        #expect(records.allSatisfy { encoder.append(record: $0, PackedColumns.of(family)) })
        // Rows as values first, then records: the batch's order.
        let mixed = CopyBinaryEncoder.encode(Array(rows.prefix(3)), records: Array(records.dropFirst(3)), family: family)
        #expect(Self.firstDifference(mixed.payload, transcoded.payload) == nil)
    }

    @Test("a record's header gives the family, table template, date and naming time of its row")
    func headerMatchesRow() throws {
        var templates = PackedRecord.TemplateCache()
        for row in Self.sipRows() + Self.reportRows() + Self.homerSevenRows() {
            let bytes = Self.record(row)
            let record = try #require(PackedRecord(bytes[...], templates: &templates))
            #expect(record.family == row.family)
            #expect(record.template == row.tableTemplate)
            #expect(record.dateMicroTimestamp == row.dateMicroTimestamp)
            #expect(record.namingMicroTimestamp == row.namingMicroTimestamp)
            #expect(record.decoded == row)
        }
        // The skewed capture times above do name some tables by the receive time.
        #expect(Self.sipRows().contains { $0.namingMicroTimestamp != $0.dateMicroTimestamp })
        var lost: [UInt8] = []
        SpoolCodec.encodeLostBatch(BatchID(high: 1, low: 2), rows: 3, into: &lost)
        #expect(PackedRecord(lost[...], templates: &templates) == nil)
    }

    @Test("a record of another column layout is decoded instead; one that does not decode is left out and counted")
    func fallbackAndUndecodable() throws {
        let rows = Array(Self.sipRows().prefix(4))
        var records = rows.map(Self.record)
        // Record 1 as a capd with one column fewer (no `msg`) wrote it: the count says 43 and the value is gone.
        guard case .sip(let second) = rows[1] else { return }
        let msgBytes = 1 + 4 + second.msg.count
        records[1].removeLast(msgBytes)
        let countOffset = 1 + 4 + "sip_capture_all_%Y%m%d".utf8.count + 8
        records[1][countOffset] -= 1
        var withoutMsg = second
        withoutMsg.msg = []
        // Record 2 cut short: it neither transcodes nor decodes.
        records[2].removeLast(10)
        let out = CopyBinaryEncoder.encode([], records: records.map { $0[...] }, family: .sipCapture)
        #expect(out.undecodable == 1)
        #expect(Self.firstDifference(out.payload, CopyBinaryEncoder.encode([rows[0], .sip(withoutMsg), rows[3]], family: .sipCapture)) == nil)
    }

    @Test("VARCHAR cuts on record bytes agree with the row encoder's character count")
    func prefixCountsScalars() {
        let samples = ["", "abc", "ééé", "a😀b😀c", "ß", String(repeating: "x", count: 300), "e\u{301}e\u{301}"]
        for text in samples {
            for width in [0, 1, 2, 3, 5, 120] {
                let cut = PackedColumns.prefix(Array(text.utf8)[...], scalars: width)
                let expected = RowColumns.clipped(text, width).map { Array(String(String.UnicodeScalarView($0)).utf8) } ?? Array(text.utf8)
                #expect(Array(cut) == expected, "\(text) width \(width)")
            }
        }
    }

    @Test("a backlog behind a locked PostgreSQL table is packed, transcoded, and every row stored once as it went in",
          arguments: [false, true])
    func postgresBacklogIsTranscoded(connectionsBreak: Bool) throws {
        let db = try StoreTarget(engine: .postgres).make("packed_transcode_\(connectionsBreak)") {
            $0.batchRows = 200
            $0.flushMilliseconds = 20
            $0.queueCapacity = 4_000  // a head of 1 000 rows; the rest of the queue packed, beyond it the spool
        }
        // With `connectionsBreak`, batches carrying records are lost before their commit (sent again) or after it
        // (looked up by id, not sent again): still once each.
        let faults = connectionsBreak ? PostgresFaults(breakBeforeCommitEvery: 5, loseResultAfterCommitEvery: 7) : PostgresFaults()
        let store = try Store(settings: db.settings, postgresHooks: faults)
        let rows = Self.sipRows()
        store.append(rows[0])
        #expect(store.drain(timeout: .seconds(30)).complete)
        #expect(try db.count("sip_capture") == 1)

        // Another session holds the table: the COPYs wait, rows pile up in the queue and get packed.
        let lock = try TestPostgres.connect(db.url)
        defer { PQfinish(lock) }
        PQclear(PQexec(lock, "BEGIN"))
        PQclear(PQexec(lock, "LOCK TABLE sip_capture IN ACCESS EXCLUSIVE MODE"))
        var expected: [String: SIPCaptureRow] = [:]
        for i in 0..<3_000 {
            guard case .sip(var row) = rows[i % rows.count] else { continue }
            row.table = "sip_capture"
            row.callID = "backlog-\(i)"
            expected[row.callID] = row
            #expect(store.append(.sip(row)) == .queued)
        }
        let during = store.metrics()
        PQclear(PQexec(lock, "COMMIT"))
        #expect(during.packedQueueBytes > 1_000_000, "queue depth \(during.queueDepth), packed \(during.packedQueueBytes) bytes")

        let report = store.close(timeout: .seconds(60))
        #expect(report.complete, "\(report)")
        #expect(store.metrics().totalDropped == 0)
        // Packed rows went into COPY from their records (at least a batch of them; how many were packed depends
        // on how far the writer got before the lock).
        #expect(store.metrics().rowsStoredFromPacked >= 200, "\(store.metrics().rowsStoredFromPacked) rows from records")
        let stored = try db.query("SELECT callid, from_user, user_agent, cseq, source_port, family, type, "
                                  + "encode(msg, 'hex') AS msg, micro_ts FROM sip_capture WHERE callid LIKE 'backlog-%'")
        #expect(stored.count == 3_000)
        #expect(Set(stored.compactMap { $0["callid"] }).count == 3_000)
        for got in stored {
            guard let callID = got["callid"], let want = expected[callID] else {
                Issue.record("unexpected row \(got)")
                continue
            }
            #expect(got["from_user"] == String(want.fromUser.unicodeScalars.prefix(100).map(Character.init)))
            #expect(got["user_agent"] == String(want.userAgent.unicodeScalars.prefix(256).map(Character.init)))
            #expect(got["cseq"] == String(want.cseq.prefix(25)))
            #expect(got["source_port"] == String(want.sourcePort))
            #expect(got["family"] == want.family.map(String.init) ?? "NULL")
            #expect(got["type"] == String(want.type))
            #expect(got["msg"] == want.msg.map { String(format: "%02x", $0) }.joined())
            #expect(got["micro_ts"] == String(want.microTimestamp))
        }
    }
}
