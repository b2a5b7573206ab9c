import Foundation
import Testing
@testable import Store

/// `capd calls --from-user/--to-user`: a call's users are those of its requests that open a dialog or stand
/// alone, on both engines; on SQLite the search runs on the partial user indexes, not a scan of the window.
@Suite(.serialized) struct CallUserSearchTests {
    private let t0: Int64 = 1_700_000_000_000_000

    private func row(_ method: String, from: String, to: String, at offset: Int64, cseq: String) -> StoreRow {
        var row = SIPCaptureRow(table: "sip_capture", microTimestamp: t0 + offset)
        row.method = method
        row.fromUser = from
        row.toUser = to
        row.callID = "users-1@192.0.2.10"
        row.cseq = cseq
        return .sip(row)
    }

    @Test(arguments: StoreTarget.both)
    func usersAreReadFromTheDialogOpeningRequests(target: StoreTarget) throws {
        let db = try target.make("user_search")
        let store = try Store(settings: db.settings)
        // alice calls bob; bob hangs up, so his BYE has From bob, To alice.
        store.append(row("INVITE", from: "alice", to: "bob", at: 0, cseq: "1 INVITE"))
        store.append(row("200", from: "alice", to: "bob", at: 1_000, cseq: "1 INVITE"))
        store.append(row("ACK", from: "alice", to: "bob", at: 2_000, cseq: "1 ACK"))
        store.append(row("BYE", from: "bob", to: "alice", at: 3_000, cseq: "2 BYE"))
        #expect(store.close().complete)
        let reader = try CallStore(CallStore.Configuration(url: db.settings.url, flavour: .homer5,
                                                           sipTemplates: ["sip_capture"], reportTemplates: ["rtcp_capture"]))
        let window = TimeWindow(from: t0 - 60_000_000, to: t0 + 60_000_000)
        let toBob = try reader.search(CallFilter(window: window, toUser: "bob"))
        #expect(toBob.map(\.callID) == ["users-1@192.0.2.10"])
        #expect(toBob.first?.messageCount == 4)
        #expect(try reader.search(CallFilter(window: window, fromUser: "alice")).count == 1)
        // Only the callee's BYE names alice as To and bob as From: the call is not "to alice".
        #expect(try reader.search(CallFilter(window: window, toUser: "alice")).isEmpty)
        #expect(try reader.search(CallFilter(window: window, fromUser: "bob")).isEmpty)
    }

    @Test("SQLite answers a user search from its partial indexes, whose predicate is the search's own")
    func sqliteUsesThePartialUserIndexes() throws {
        let db = try StoreTarget(engine: .sqlite).make("user_plan")
        let store = try Store(settings: db.settings)
        store.append(row("INVITE", from: "alice", to: "bob", at: 0, cseq: "1 INVITE"))
        #expect(store.close().complete)
        let path = try #require(db.sqlitePath)
        let sql = CallSQL(engine: .sqlite, flavour: .homer5)
        let window = TimeWindow(from: t0 - 86_400_000_000 * 10, to: t0 + 60_000_000)
        for (filter, index) in [(CallFilter(window: window, toUser: "bob"), "sip_capture_to_user_req"),
                                (CallFilter(window: window, fromUser: "alice"), "sip_capture_from_user_req")] {
            let statement = sql.search(table: "sip_capture", filter: filter, limit: 100)
            let plan = try TestSQLite.query(path, "EXPLAIN QUERY PLAN " + statement.sql).compactMap { $0["detail"] }
            #expect(plan.contains { $0.contains("USING INDEX \(index)") }, "\(plan)")
        }
        #expect(EmbeddedSchema.sqliteHomerFive.contains("WHERE method IN \(CallSQL.userRequestMethods)"))
    }
}
