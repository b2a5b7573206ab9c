import Foundation
import Testing
@testable import Store

/// Real capture traffic interleaves tables: each call's RTCP report arrives between its SIP messages. Batches
/// hold one table, so interleaved rows must still make full batches — in memory and when replayed from the
/// spool — not one COPY or transaction per handful of rows (a single node stored ~1 000 rows/s of such traffic).
@Suite(.serialized) struct MixedTrafficBatchingTests {
    private static func mixedRows(_ calls: Int) -> [StoreRow] {
        var rows: [StoreRow] = []
        for call in 0..<calls {
            for message in 0..<7 {
                var row = SIPCaptureRow(table: "sip_capture", microTimestamp: 1_700_000_000_000_000 + Int64(call * 8 + message))
                row.callID = "mixed-\(call)@192.0.2.1"
                row.method = message == 0 ? "INVITE" : "200"
                rows.append(.sip(row))
            }
            var report = ReportRow(table: "rtcp_capture", microTimestamp: 1_700_000_000_000_000 + Int64(call * 8 + 7))
            report.correlationID = "mixed-\(call)@192.0.2.1"
            rows.append(.report(report))
        }
        return rows
    }

    @Test("interleaved SIP and report rows make full batches in memory")
    func memoryBatchesAreFull() throws {
        let db = try StoreTarget(engine: .sqlite).make("mixed_memory") {
            $0.batchRows = 500
            $0.flushMilliseconds = 60_000
        }
        let store = try Store(settings: db.settings)
        let rows = Self.mixedRows(1_000)
        for row in rows { #expect(store.append(row) == .queued) }
        #expect(store.close().complete)
        #expect(try db.count("sip_capture") == 7_000)
        #expect(try db.count("rtcp_capture") == 1_000)
        // 8 000 rows in batches of up to 500 per table: a few dozen, not one per call (~2 000).
        let batches = store.metrics().flushLatencyCount
        #expect(batches <= 100, "\(batches) batches for 8 000 rows")
    }

    @Test("interleaved rows that overflow into the spool are replayed in full batches")
    func spoolReplayBatchesAreFull() throws {
        let db = try StoreTarget(engine: .sqlite).make("mixed_spool") {
            $0.batchRows = 500
            $0.flushMilliseconds = 60_000
            $0.queueCapacity = 500
        }
        let store = try Store(settings: db.settings)
        var spooled = 0
        for row in Self.mixedRows(2_000) where store.append(row) == .spooled { spooled += 1 }
        #expect(store.close().complete)
        #expect(spooled > 5_000, "only \(spooled) rows went through the spool")
        #expect(try db.count("sip_capture") == 14_000)
        #expect(try db.count("rtcp_capture") == 2_000)
        let batches = store.metrics().flushLatencyCount
        #expect(batches <= 200, "\(batches) batches for 16 000 rows")
    }
}
