import Foundation
import Testing
import TestSupport
@testable import Store

/// A spool disk without room refuses the rows that are safe in memory (the writer's rows while the database
/// is away) instead of taking them and losing them: they stay in memory and are stored when the database
/// comes back. (The fault soak found this: a database restart while the spool disk was full lost 33 290 rows.)
@Suite(.serialized) struct SpoolNoRoomTests {
    @Test(.enabled(if: SmallDisk.available, "needs permission to mount a tmpfs"))
    func batchesAreRefusedNotLostWhileTheDiskIsFullAndTakenOnceItHasRoom() throws {
        let disk = try SmallDisk("spool-no-room", size: "8m")
        defer { disk.unmount() }
        let spool = try Spool(directory: disk.path + "/spool", maxBytes: 1 << 30)
        disk.fill(leaving: 0)
        let rows = (0..<500).map { SpoolFormatTests.sipRow($0) }
        #expect(spool.enqueue(rows) == .spoolWriteFailed)
        #expect(spool.health.withLock { $0.dropped.isEmpty }, "refused, not taken and dropped")
        #expect(spool.health.withLock { $0.writeFailure?.contains("no room") == true })
        disk.empty()
        #expect(spool.enqueue(rows) == nil)
        spool.flush()
        #expect(spool.health.withLock { $0.writeFailure == nil && $0.dropped.isEmpty })
        #expect(SpoolFormatTests.readAll(spool).count == rows.count)
        spool.shutdown()
    }

    @Test(.enabled(if: SmallDisk.available, "needs permission to mount a tmpfs"))
    func databaseRestartWhileTheSpoolDiskIsFullLosesNoRow() throws {
        let cluster = try PrivateCluster("noroom")
        defer { cluster.destroy() }
        let url = try TestPostgres.isolatedURL("noroom", base: cluster.url)
        let disk = try SmallDisk("spool-no-room-db", size: "8m")
        defer { disk.unmount() }
        var settings = StoreSettings(url: url, spoolDirectory: disk.path + "/spool")
        settings.batchRows = 200
        settings.flushMilliseconds = 20
        // 5 000 rows arrive while the database is down: more than the queue holds, less than twice that (what
        // it may hold while the spool disk has no room).
        settings.queueCapacity = 3_000
        settings.reconnectMinMilliseconds = 100
        settings.reconnectMaxMilliseconds = 5_000
        let store = try Store(settings: settings)
        store.append(WorkedExample.numberedRow(0, table: "sip_capture"))
        #expect(eventually(20) { store.metrics().totalStored == 1 })
        disk.fill(leaving: 0)
        try cluster.stopServer()
        let total = 5_001
        for i in 1..<total {
            store.append(WorkedExample.numberedRow(i, table: "sip_capture"))
            if i % 500 == 0 { usleep(20_000) }
        }
        #expect(eventually(10) { !store.metrics().connected })
        usleep(500_000)
        #expect(store.metrics().state == .spoolWriteFailed, "the full spool disk is visible: \(store.metrics().state)")
        // The rows have nowhere to go but the queue: the database is tried every 250 ms, not after a back-off
        // grown to seconds (100, 200, 400, ... ms: 5 attempts in 3 s), so rows are stored soon after it returns.
        let attemptsBefore = store.metrics().errors["connect", default: 0]
        sleep(3)
        let attempts = store.metrics().errors["connect", default: 0] - attemptsBefore
        #expect(attempts >= 8, "\(attempts) connection attempts in 3 s")
        try cluster.startServer()
        #expect(eventually(60) { store.metrics().totalStored == UInt64(total) }, "\(store.metrics())")
        #expect(store.metrics().totalDropped == 0, "\(store.metrics().dropped)")
        disk.empty()
        let report = store.close(timeout: .seconds(30))
        #expect(report.complete, "\(report)")
        let rows = try TestPostgres.query(url, "SELECT count(*) AS n, count(DISTINCT callid) AS d FROM sip_capture").first
        #expect(rows?["n"] == String(total))
        #expect(rows?["d"] == String(total))
    }
}
