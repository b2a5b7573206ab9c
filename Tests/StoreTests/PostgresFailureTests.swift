import Foundation
import Testing
import TestSupport
@testable import Store

/// Bad rows, outages and restarts against real PostgreSQL clusters.
@Suite(.serialized) struct PostgresFailureTests {
    @Test func poisonedRowCostsOnlyThatRow() throws {
        let db = try StoreTarget(engine: .postgres).make("poison") {
            $0.batchRows = 100
            $0.maxInFlight = 2
        }
        let store = try Store(settings: db.settings)
        for i in 0..<250 {
            guard case .sip(var row) = WorkedExample.numberedRow(i, table: "sip_capture") else { continue }
            if i == 137 { row.callID = "poison\u{0}row" }
            store.append(.sip(row))
        }
        #expect(store.close().complete)
        let rows = try db.query("SELECT callid FROM sip_capture ORDER BY id")
        #expect(rows.count == 249)
        #expect(!rows.contains { $0["callid"] == "row-137" })
        #expect(Set(rows.compactMap { $0["callid"] }) == Set((0..<250).filter { $0 != 137 }.map { "row-\($0)" }))
        let metrics = store.metrics()
        #expect(metrics.deadLettered == 1)
        #expect(metrics.rowsStored["sip_capture"] == 249)
        let lines = try String(contentsOfFile: db.settings.spoolDirectory + "/dead-letter.jsonl", encoding: .utf8)
            .split(separator: "\n")
        try #require(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["table"] as? String == "sip_capture")
        #expect((object["error"] as? String)?.contains("22021") == true)
        let record = try #require(Data(base64Encoded: object["row"] as? String ?? ""))
        guard case .sip(let back) = try #require(SpoolCodec.decode([UInt8](record)[...])) else {
            Issue.record("dead-letter record is not a sip row")
            return
        }
        #expect(back.callID == "poison\u{0}row")
    }

    @Test func outageMidStreamLosesNothingAndStoresEachRowOnce() throws {
        let cluster = try PrivateCluster("outage")
        defer { cluster.destroy() }
        let url = try TestPostgres.isolatedURL("outage", base: cluster.url)
        let directory = try TestDirectories.fresh("outage")
        var settings = StoreSettings(url: url, spoolDirectory: directory + "/spool")
        settings.batchRows = 200
        settings.flushMilliseconds = 20
        settings.maxInFlight = 1
        settings.reconnectMaxMilliseconds = 200
        let store = try Store(settings: settings)
        var next = 0
        func append(_ n: Int) {
            for _ in 0..<n {
                store.append(WorkedExample.numberedRow(next, table: "sip_capture"))
                next += 1
            }
        }
        append(3_000)
        #expect(eventually(30) { store.metrics().totalStored >= 1_000 })
        // Stop the server while rows keep coming.
        let stopper = Thread { try? cluster.stopServer() }
        stopper.start()
        for _ in 0..<50 {
            append(20)
            usleep(2_000)
        }
        #expect(eventually(30) { !store.metrics().connected })
        append(10_000)
        let down = store.metrics()
        #expect(down.rowsSpooled > 0)
        #expect(down.spoolBytes > 0)
        try cluster.startServer()
        append(1_000)
        let report = store.close(timeout: .seconds(120))
        #expect(report.complete, "\(report)")
        let rows = try TestPostgres.query(url, "SELECT callid FROM sip_capture")
        #expect(rows.count == next)
        let expected = (0..<next).map { "row-\($0)" }
        let got = rows.compactMap { $0["callid"] }
        #expect(got.sorted() == expected.sorted(), "rows missing or duplicated")
        let metrics = store.metrics()
        #expect(metrics.reconnects >= 1)
        #expect(metrics.totalDropped == 0)
        #expect(metrics.deadLettered == 0)
        #expect(metrics.spoolBytes == 0)
    }

    /// The cause of the old flake, made deterministic: the server comes back while the writer waits out a long
    /// reconnect back-off; a close must try the database itself instead of reporting it down.
    @Test func closeDuringReconnectBackoffWritesEverything() throws {
        let cluster = try PrivateCluster("backoff")
        defer { cluster.destroy() }
        let url = try TestPostgres.isolatedURL("backoff", base: cluster.url)
        let directory = try TestDirectories.fresh("backoff")
        var settings = StoreSettings(url: url, spoolDirectory: directory + "/spool")
        settings.batchRows = 100
        settings.flushMilliseconds = 10
        settings.maxInFlight = 1
        settings.reconnectMinMilliseconds = 60_000
        settings.reconnectMaxMilliseconds = 60_000
        let store = try Store(settings: settings)
        for i in 0..<500 { store.append(WorkedExample.numberedRow(i, table: "sip_capture")) }
        #expect(eventually(30) { store.metrics().totalStored == 500 })
        try cluster.stopServer()
        for i in 500..<1_000 { store.append(WorkedExample.numberedRow(i, table: "sip_capture")) }
        // Lost, then one failed attempt: the next one is a minute away.
        #expect(eventually(30) { !store.metrics().connected && store.metrics().lastError != nil })
        usleep(300_000)
        try cluster.startServer()
        let report = store.close(timeout: .seconds(30))
        #expect(report.complete, "\(report)")
        let rows = try TestPostgres.query(url, "SELECT callid FROM sip_capture")
        #expect(rows.compactMap { $0["callid"] }.sorted() == (0..<1_000).map { "row-\($0)" }.sorted())
        #expect(store.metrics().reconnects == 1)
    }

    @Test func unreachableAtStartSpoolsAndTheNextStartReplays() throws {
        let cluster = try PrivateCluster("unreachable")
        defer { cluster.destroy() }
        let url = try TestPostgres.isolatedURL("unreachable", base: cluster.url)
        try cluster.stopServer()
        let directory = try TestDirectories.fresh("unreachable")
        var settings = StoreSettings(url: url, spoolDirectory: directory + "/spool")
        settings.batchRows = 100
        settings.flushMilliseconds = 10
        settings.reconnectMaxMilliseconds = 100
        let first = try Store(settings: settings)
        for i in 0..<1_500 { first.append(WorkedExample.numberedRow(i, table: "sip_capture_%Y%m%d")) }
        let report = first.close(timeout: .seconds(10))
        #expect(!report.complete)
        #expect(report.spoolBytes > 0)
        #expect(first.metrics().totalStored == 0)
        #expect(first.metrics().totalDropped == 0)

        try cluster.startServer()
        let second = try Store(settings: settings)
        for i in 1_500..<1_600 { second.append(WorkedExample.numberedRow(i, table: "sip_capture_%Y%m%d")) }
        let drained = second.close(timeout: .seconds(60))
        #expect(drained.complete, "\(drained)")
        // Each row once; no order promised (the new start's rows may be stored before the replayed ones).
        let rows = try TestPostgres.query(url, "SELECT callid FROM sip_capture_20231114")
        #expect(rows.compactMap { $0["callid"] }.sorted() == (0..<1_600).map { "row-\($0)" }.sorted())
        #expect(second.metrics().spoolBytes == 0)

        // A third start finds nothing left to replay.
        let third = try Store(settings: settings)
        #expect(third.close().complete)
        #expect(try TestPostgres.query(url, "SELECT count(*) AS n FROM sip_capture_20231114").first?["n"] == "1600")
    }
}
