import Foundation
import Testing
@testable import Store
import Tables

/// `store.partition: day` on a real PostgreSQL: HOMER 5 tables range-partitioned on `date`, one partition per
/// UTC day made before its first row, dropped by retention; a table of the other kind is refused with the fix.
@Suite(.serialized) struct PartitionTests {
    private let postgres = StoreTarget(engine: .postgres)
    private let day1: Int64 = 1_700_006_399_000_000  // 2023-11-14 23:59:59 UTC
    private let day2: Int64 = 1_700_006_401_000_000  // 2023-11-15 00:00:01 UTC

    private func sipRow(_ n: Int, at time: Int64, table: String = "sip_capture") -> StoreRow {
        var row = SIPCaptureRow(table: table, microTimestamp: time)
        row.callID = "call-\(n)"
        row.method = "INVITE"
        return .sip(row)
    }

    private func kind(_ db: StoreTarget.Instance, _ table: String) throws -> String? {
        try db.query("SELECT c.relkind::text AS k FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE n.nspname = current_schema() AND c.relname = '\(table)'").first?["k"]
    }

    @Test("rows of two UTC days land in two day partitions of one sip_capture, reports too; indexes inherited")
    func rowsLandInDayPartitions() throws {
        let db = try postgres.make("part_days") { $0.partition = .day }
        let store = try Store(settings: db.settings)
        for (i, t) in [day1, day2, day1, day2, day2].enumerated() { store.append(sipRow(i, at: t)) }
        var report = ReportRow(table: "rtcp_capture", microTimestamp: day2)
        report.correlationID = "call-1"
        store.append(.report(report))
        #expect(store.close().complete)
        #expect(try kind(db, "sip_capture") == "p")
        #expect(try kind(db, "rtcp_capture") == "p")
        #expect(try kind(db, "sip_capture_p20231114") == "r")
        #expect(try db.count("sip_capture") == 5)
        #expect(try db.count("sip_capture_p20231114") == 2)
        #expect(try db.count("sip_capture_p20231115") == 3)
        #expect(try db.count("rtcp_capture_p20231115") == 1)
        // A search on the parent by Call-ID uses the partitions' own index.
        let indexes = try db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'sip_capture_p20231115'")
            .compactMap { $0["indexname"] }
        #expect(indexes.contains { $0.contains("callid") }, "\(indexes)")
        #expect(try db.query("SELECT callid FROM sip_capture WHERE callid = 'call-3'").count == 1)
    }

    @Test("retention drops expired day partitions and keeps the partitioned table")
    func retentionDropsOldPartitions() throws {
        let today = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let old: Int64 = 1_647_907_200_000_000  // 2022-03-22 00:00:00 UTC
        let db = try postgres.make("part_retention") {
            $0.partition = .day
            $0.tableTemplates = ["sip_capture"]
        }
        let first = try Store(settings: { var s = db.settings; s.retentionDays = 0; return s }())
        first.append(sipRow(1, at: old))
        first.append(sipRow(2, at: today))
        #expect(first.close().complete)
        let todayPartition = "sip_capture_p" + TableName.day(today)
        #expect(try db.tables().isSuperset(of: ["sip_capture_p20220322", todayPartition]))

        let store = try Store(settings: { var s = db.settings; s.retentionDays = 14; return s }())
        #expect(eventually(20) { !((try? db.tables().contains("sip_capture_p20220322")) ?? true) })
        #expect(try db.tables().isSuperset(of: ["sip_capture", todayPartition]))
        #expect(try db.count("sip_capture") == 1)
        #expect(store.close().complete)
    }

    @Test("a plain table where partitions are asked for (and the reverse) is refused with the fix, rows dead-lettered")
    func tableOfTheOtherKindIsRefused() throws {
        let db = try postgres.make("part_mismatch")
        let plain = try Store(settings: db.settings)
        plain.append(sipRow(1, at: day1))
        #expect(plain.close().complete)
        #expect(try kind(db, "sip_capture") == "r")

        let partitioned = try Store(settings: { var s = db.settings; s.partition = .day; return s }())
        partitioned.append(sipRow(2, at: day1))
        #expect(eventually(20) { partitioned.metrics().deadLettered == 1 })
        let error = partitioned.metrics().lastError ?? ""
        #expect(error.contains("table sip_capture exists and is not partitioned"), "\(error)")
        #expect(error.contains("ALTER TABLE sip_capture RENAME TO sip_capture_plain"), "\(error)")
        _ = partitioned.close()
        #expect(try db.count("sip_capture") == 1)
        #expect(try kind(db, "sip_capture") == "r")   // never converted

        // The operator follows the advice: capd makes a partitioned table and writes again.
        try TestPostgres.execute(db.url, "ALTER TABLE sip_capture RENAME TO sip_capture_plain")
        let renamed = try Store(settings: { var s = db.settings; s.partition = .day; return s }())
        renamed.append(sipRow(3, at: day2))
        #expect(renamed.close().complete)
        #expect(try kind(db, "sip_capture") == "p")
        #expect(try db.count("sip_capture_p20231115") == 1)

        // And back: a partitioned table with partition: none.
        let none = try Store(settings: db.settings)
        none.append(sipRow(4, at: day2))
        #expect(eventually(20) { none.metrics().deadLettered == 1 })
        #expect((none.metrics().lastError ?? "").contains("set store.partition: day"), "\(none.metrics().lastError ?? "")")
        _ = none.close()
    }

    @Test("partition: day with SQLite is a settings error")
    func sqliteRefused() throws {
        let db = try StoreTarget(engine: .sqlite).make("part_sqlite") { $0.partition = .day }
        #expect(throws: StoreError.self) { try Store(settings: db.settings) }
    }
}
