import Foundation
import Testing
@testable import Store

/// `store.shards` (issue 13): every row of a call, and its reports, on the shard owning the Call-ID; each shard a
/// store of its own with its own spool directory. Real SQLite files; PostgreSQL shards are exercised by
/// scripts/scaleout_test.py.
@Suite struct ShardedStoreTests {
    static func rows(calls: Int) throws -> [StoreRow] {
        var rows: [StoreRow] = []
        for call in 0..<calls {
            let callID = "\(call)-shard@192.0.2.10"
            for (offset, method) in ["INVITE", "200", "ACK", "BYE"].enumerated() {
                var row = try WorkedExample.inviteRow()
                row.callID = callID
                row.method = method
                row.microTimestamp += Int64(call * 10 + offset)
                rows.append(.sip(row))
            }
            var report = ReportRow(table: "rtcp_capture", microTimestamp: 1_700_000_000_000_000 + Int64(call))
            report.correlationID = callID
            report.msg = "{\"type\":200}"
            rows.append(.report(report))
        }
        return rows
    }

    @Test func callsAndTheirReportsStayWholeOnOneShard() throws {
        let directory = try TestDirectories.fresh("sharded")
        let paths = ["\(directory)/a.db", "\(directory)/b.db"]
        let store = try ShardedStore(settings: StoreSettings(url: "unused", spoolDirectory: directory + "/spool"),
                                     urls: paths.map { "sqlite://" + $0 }, shardBy: .callID)
        let rows = try Self.rows(calls: 200)
        for row in rows { #expect(store.append(row) == .queued) }
        let report = store.close(timeout: .seconds(30))
        #expect(report.complete, "\(report)")
        #expect(store.metrics().totalStored == UInt64(rows.count))

        var shardOf: [String: Int] = [:]
        var perShard = [0, 0]
        for (index, path) in paths.enumerated() {
            let sip = try TestSQLite.query(path, "SELECT callid FROM sip_capture")
            let reports = try TestSQLite.query(path, "SELECT correlation_id AS callid FROM rtcp_capture")
            perShard[index] = sip.count + reports.count
            for row in sip + reports {
                let callID = try #require(row["callid"])
                if let other = shardOf[callID] { #expect(other == index, "\(callID) on shards \(other) and \(index)") }
                shardOf[callID] = index
            }
        }
        #expect(perShard.reduce(0, +) == rows.count)
        // 200 calls over 2 shards: each takes a real share (a broken hash would put everything on one).
        #expect(perShard.allSatisfy { $0 > rows.count / 4 }, "\(perShard)")
        // The owner is the same one `capd calls` and a second process compute.
        let names = store.shards.map(\.name)
        for (callID, index) in shardOf { #expect(ShardedStore.shardIndex(ofCall: callID, names: names) == index) }

        // `capd calls` reads every shard: all 200 calls found, each with its 4 messages and its report.
        var configuration = CallStore.Configuration(url: "sqlite://" + paths[0], flavour: .homer5,
                                                    sipTemplates: ["sip_capture"], reportTemplates: ["rtcp_capture"])
        configuration.shardURLs = paths.map { "sqlite://" + $0 }
        let reader = try CallStore(configuration)
        let found = try reader.search(CallFilter(window: nil, limit: 500))
        #expect(found.count == 200)
        #expect(found.allSatisfy { $0.messageCount == 4 })
        let record = try #require(try reader.call("7-shard@192.0.2.10"))
        #expect(record.messages.map(\.method) == ["INVITE", "200", "ACK", "BYE"])
        #expect(record.reports.count == 1)
    }

    @Test func eachShardSpoolsInItsOwnStableDirectory() throws {
        let directory = try TestDirectories.fresh("sharded-spool")
        let urls = ["postgres://capd:secret@10.0.0.1/homer", "postgres://capd:other@10.0.0.2/homer"]
        let a = ShardedStore.spoolDirectory(base: directory, name: ShardedStore.redacted(urls[0]))
        let b = ShardedStore.spoolDirectory(base: directory, name: ShardedStore.redacted(urls[1]))
        #expect(a != b)
        #expect(ShardedStore.redacted(urls[0]) == "postgres://capd@10.0.0.1/homer")
        // Password changes do not move a shard's spool or its calls.
        #expect(ShardedStore.spoolDirectory(base: directory, name: ShardedStore.redacted("postgres://capd:new@10.0.0.1/homer")) == a)
        let paths = ["\(directory)/a.db", "\(directory)/b.db"]
        let store = try ShardedStore(settings: StoreSettings(url: "unused", spoolDirectory: directory + "/spool"),
                                     urls: paths.map { "sqlite://" + $0 }, shardBy: .callID)
        defer { store.close(timeout: .seconds(10)) }
        let dirs = store.shards.map(\.store.settings.spoolDirectory)
        #expect(Set(dirs).count == 2)
        #expect(dirs.allSatisfy { $0.hasPrefix(directory + "/spool/shard-") })
    }
}
