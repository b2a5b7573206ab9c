import Foundation
import Testing
import Tables
@testable import Store

@Suite(.serialized) struct StoreLifecycleTests {
    static var nowMicros: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    @Test(arguments: StoreTarget.both)
    func retentionDropsOldTimeNamedTablesOnly(target: StoreTarget) throws {
        let keep = try TableTemplate(parsing: "keep_%Y%m%d")
        let db = try target.make("retention") { $0.table = keep }
        let old: Int64 = 1_577_836_800_000_000  // 2020-01-01
        let first = try Store(settings: db.settings)
        for (i, t) in [old, old + 86_400_000_000, Self.nowMicros].enumerated() {
            var row = SIPCaptureRow(table: "keep_%Y%m%d", microTimestamp: t, receiveMicroTimestamp: t)
            row.callID = "r\(i)"
            first.append(.sip(row))
        }
        var plain = SIPCaptureRow(table: "keep_forever", microTimestamp: old)
        plain.callID = "plain"
        first.append(.sip(plain))
        #expect(first.close().complete)
        let today = TableName.day(Self.nowMicros)
        #expect(try db.tables().isSuperset(of: ["keep_20200101", "keep_20200102", "keep_" + today, "keep_forever"]))

        var settings = db.settings
        settings.retentionDays = 2
        let second = try Store(settings: settings)
        #expect(second.close().complete)
        let tables = try db.tables()
        #expect(!tables.contains("keep_20200101"))
        #expect(!tables.contains("keep_20200102"))
        #expect(tables.contains("keep_" + today))
        #expect(tables.contains("keep_forever"))
        #expect(tables.contains("sip_capture"))
    }

    @Test func retentionDropsOldHomerSevenPartitions() throws {
        let db = try StoreTarget(engine: .postgres).make("retention7", schema: .homer7)
        let first = try Store(settings: db.settings)
        for t in [Int64(1_577_836_800_000_000), Self.nowMicros] {
            first.append(.homerSeven(HomerSevenRow(table: "hep_proto_100_default", sid: "s", createDate: t,
                                                   protocolHeader: "{}", dataHeader: "{}", raw: "log")))
        }
        #expect(first.close().complete)
        #expect(try db.tables().contains("hep_proto_100_default_20200101"))
        var settings = db.settings
        settings.retentionDays = 1
        let second = try Store(settings: settings)
        #expect(second.close().complete)
        let tables = try db.tables()
        #expect(!tables.contains("hep_proto_100_default_20200101"))
        #expect(tables.contains("hep_proto_100_default_" + TableName.day(Self.nowMicros)))
        #expect(try db.count("hep_proto_100_default") == 1)
    }

    @Test func fullQueueSpillsToTheSpoolAndEachRowIsStoredOnce() throws {
        let db = try StoreTarget(engine: .sqlite).make("spill") {
            $0.batchRows = 10
            $0.queueCapacity = 10
            $0.flushMilliseconds = 1
        }
        let store = try Store(settings: db.settings)
        var spooled = 0
        for i in 0..<5_000 where store.append(WorkedExample.numberedRow(i, table: "sip_capture")) == .spooled {
            spooled += 1
        }
        #expect(store.close().complete)
        let rows = try db.query("SELECT callid FROM sip_capture")
        #expect(rows.compactMap { $0["callid"] }.sorted() == (0..<5_000).map { "row-\($0)" }.sorted())
        let metrics = store.metrics()
        #expect(metrics.rowsSpooled == UInt64(spooled))
        #expect(metrics.rowsAccepted == 5_000)
        #expect(metrics.spoolBytes == 0)
        #expect(metrics.totalDropped == 0)
    }

    @Test func fullSpoolDropsAreCounted() throws {
        let db = try StoreTarget(engine: .sqlite).make("spoolfull") {
            $0.batchRows = 10
            $0.queueCapacity = 10
            $0.spoolMaxBytes = 1
        }
        let store = try Store(settings: db.settings)
        var accepted = 0, dropped = 0
        for i in 0..<5_000 {
            switch store.append(WorkedExample.numberedRow(i, table: "sip_capture")) {
            case .queued: accepted += 1
            case .spooled: Issue.record("a 1-byte spool cannot hold a row")
            case .dropped(let reason):
                #expect(reason == .spoolFull)
                dropped += 1
            }
        }
        #expect(store.close().complete)
        #expect(accepted + dropped == 5_000)
        let metrics = store.metrics()
        #expect(metrics.dropped["spool_full", default: 0] == UInt64(dropped))
        #expect(metrics.totalStored == UInt64(accepted))
        #expect(try db.count("sip_capture") == accepted)
    }

    @Test func badTableTemplateIsDeadLetteredNotFatal() throws {
        let db = try StoreTarget(engine: .sqlite).make("badtable")
        let store = try Store(settings: db.settings)
        store.append(WorkedExample.numberedRow(1, table: "bad-name_%Y"))
        store.append(WorkedExample.numberedRow(2, table: "sip_capture"))
        #expect(store.close().complete)
        #expect(store.metrics().deadLettered == 1)
        #expect(try db.count("sip_capture") == 1)
    }

    @Test func badSettingsAreRejected() {
        #expect(throws: StoreError.self) { try Store(settings: StoreSettings(url: "mysql://x", spoolDirectory: "/tmp/x")) }
        var settings = StoreSettings(url: "sqlite:///tmp/x.db", spoolDirectory: "/tmp/x")
        settings.batchRows = 0
        #expect(throws: StoreError.self) { try Store(settings: settings) }
    }
}
