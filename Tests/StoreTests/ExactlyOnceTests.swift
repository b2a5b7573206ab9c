import Foundation
import Synchronization
import Testing
import TestSupport
@testable import Store

/// Every accepted row exactly once in PostgreSQL, even when a connection dies around a commit: batch ids in
/// `capd_batches`, looked up before a batch whose outcome is unknown is sent again.
@Suite(.serialized) struct ExactlyOnceTests {
    // MARK: - The decision, on the backend itself

    @Test func outcomeUnknownIsLookedUpThenSkippedOrSent() throws {
        let url = try TestPostgres.isolatedURL("t_batch_decision")
        guard case .postgres(let conninfo) = try StoreLocation(url: url) else {
            throw TestFailure("not a PostgreSQL location: \(url)")
        }
        let backend = PostgresBackend(conninfo: conninfo, flavour: .homer5, maxInFlight: 1)
        try backend.open()
        defer { backend.close() }
        let rows = (0..<10).map { WorkedExample.numberedRow($0, table: "sip_capture") }
        let batch = Batch(sequence: 1, id: .memory(instance: 0xC0FFEE, number: 1), table: "sip_capture",
                          family: .sipCapture, partitionDay: nil, rows: rows, spoolEnd: nil, fromSpool: false,
                          started: .now)

        #expect(try Self.outcome(of: batch, backend) == "stored")
        #expect(try TestPostgres.query(url, "SELECT count(*) AS n FROM sip_capture").first?["n"] == "10")

        // Outcome unknown and committed: found by id, not sent.
        var unknown = batch
        unknown.outcomeUnknown = true
        #expect(try Self.outcome(of: unknown, backend) == "alreadyStored")

        // Sent again without the lookup: the id's key refuses the whole transaction, no row is added.
        #expect(try Self.outcome(of: batch, backend) == "alreadyStored")
        #expect(try TestPostgres.query(url, "SELECT count(*) AS n FROM sip_capture").first?["n"] == "10")

        // Outcome unknown and never committed: not found, so sent.
        var lost = batch
        lost.id = .memory(instance: 0xC0FFEE, number: 2)
        lost.outcomeUnknown = true
        #expect(try Self.outcome(of: lost, backend) == "stored")
        #expect(try TestPostgres.query(url, "SELECT count(*) AS n FROM sip_capture").first?["n"] == "20")
        let log = try TestPostgres.query(url, "SELECT id::text AS id, rows FROM capd_batches ORDER BY id")
        #expect(log.map { $0["id"] ?? "" } == [batch.id.description, lost.id.description])
        #expect(log.map { $0["rows"] ?? "" } == ["10", "10"])
    }

    @Test func batchLogIsPrunedByAgeAndKind() throws {
        let url = try TestPostgres.isolatedURL("t_batch_prune")
        guard case .postgres(let conninfo) = try StoreLocation(url: url) else {
            throw TestFailure("not a PostgreSQL location: \(url)")
        }
        let backend = PostgresBackend(conninfo: conninfo, flavour: .homer5, maxInFlight: 1)
        try backend.open()
        defer { backend.close() }
        try TestPostgres.execute(url, """
            INSERT INTO capd_batches (id, rows, spooled, created) VALUES
              ('00000000-0000-0001-0000-000000000001', 1, false, now() - interval '2 hours'),
              ('00000000-0000-0001-0000-000000000002', 1, false, now() - interval '10 minutes'),
              ('00000000-0000-0001-0000-000000000003', 1, true, now() - interval '2 hours'),
              ('00000000-0000-0001-0000-000000000004', 1, true, now() - interval '31 days')
            """)
        try backend.pruneBatchLog()
        let left = try TestPostgres.query(url, "SELECT id::text AS id FROM capd_batches ORDER BY id").compactMap { $0["id"] }
        #expect(left == ["00000000-0000-0001-0000-000000000002", "00000000-0000-0001-0000-000000000003"])
    }

    @Test func batchIDsAreUUIDsThatKeepTheirParts() {
        let memory = BatchID.memory(instance: 0x0123_4567_89ab_cdef, number: 42)
        #expect(memory.description == "01234567-89ab-cdef-0000-00000000002a")
        let a = BatchID.spool(0xabcdef, start: SpoolPosition(segment: 1_000_000_000, offset: 4096), rows: 500)
        let b = BatchID.spool(0xabcdef, start: SpoolPosition(segment: 1_000_000_000, offset: 4096), rows: 500)
        #expect(a == b)  // the same batch read again after a restart
        #expect(a != BatchID.spool(0xabcdef, start: SpoolPosition(segment: 1_000_000_000, offset: 4096), rows: 499))
        #expect(a != BatchID.spool(0xabcdef, start: SpoolPosition(segment: 1_000_000_001, offset: 4096), rows: 500))
        #expect(a != BatchID.spool(0xabcdee, start: SpoolPosition(segment: 1_000_000_000, offset: 4096), rows: 500))
    }

    // MARK: - Staged connection losses through the whole store

    @Test func resultLostAfterCommitIsNotWrittenAgain() throws {
        let (store, url, total) = try Self.storeWithFaults("t_lost_result", rows: 3_000) {
            $0.loseResultAfterCommitEvery = 3
        }
        let metrics = store.metrics()
        try Self.expectEveryRowOnce(url, total)
        #expect(metrics.batchesFoundCommitted >= 1)
        #expect(metrics.batchesFoundCommitted == metrics.reconnects, "each staged loss was a committed batch")
        #expect(metrics.totalStored == UInt64(total))
    }

    @Test func connectionLostBeforeCommitIsSentAgain() throws {
        let (store, url, total) = try Self.storeWithFaults("t_lost_copy", rows: 3_000) {
            $0.breakBeforeCommitEvery = 3
        }
        let metrics = store.metrics()
        try Self.expectEveryRowOnce(url, total)
        #expect(metrics.reconnects >= 1)
        #expect(metrics.batchesFoundCommitted == 0)
        #expect(metrics.totalStored == UInt64(total))
    }

    // MARK: - Spool replayed again after a crash

    @Test func spoolReplayedAgainAfterACrashAddsNoRow() throws {
        let url = try TestPostgres.isolatedURL("t_spool_again")
        let directory = try TestDirectories.fresh("spool-again")
        var settings = StoreSettings(url: "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=1",
                                     spoolDirectory: directory + "/spool")
        settings.batchRows = 100
        settings.flushMilliseconds = 10
        settings.maxInFlight = 1
        settings.reconnectMaxMilliseconds = 100
        // 1: the database is unreachable, every row ends up in the spool.
        let down = try Store(settings: settings)
        for i in 0..<1_500 { down.append(WorkedExample.numberedRow(i, table: "sip_capture")) }
        #expect(down.close(timeout: .seconds(20)).spoolBytes > 0)
        let snapshot = directory + "/snapshot"
        try FileManager.default.copyItem(atPath: settings.spoolDirectory, toPath: snapshot)

        // 2: the database is back; the spool is replayed and its cursor moves to the end.
        settings.url = url
        let up = try Store(settings: settings)
        #expect(up.close(timeout: .seconds(60)).complete)
        try Self.expectEveryRowOnce(url, 1_500)

        // 3: as if 2 had died after its commits but before its cursor reached the disk: the same spool again.
        try FileManager.default.removeItem(atPath: settings.spoolDirectory)
        try FileManager.default.copyItem(atPath: snapshot, toPath: settings.spoolDirectory)
        let again = try Store(settings: settings)
        for i in 1_500..<1_600 { again.append(WorkedExample.numberedRow(i, table: "sip_capture")) }
        let report = again.close(timeout: .seconds(60))
        #expect(report.complete, "\(report)")
        try Self.expectEveryRowOnce(url, 1_600)
        #expect(again.metrics().batchesFoundCommitted == 15)
        #expect(again.metrics().spoolBytes == 0)
    }

    @Test func batchWithUnknownOutcomeAtShutdownKeepsItsIDInTheSpool() throws {
        // The store logs in as a role of its own, so that the test can refuse its reconnects.
        let base = try TestPostgres.baseURL()
        try TestPostgres.execute(base, "DO $$ BEGIN CREATE ROLE capd_lostid LOGIN; "
            + "EXCEPTION WHEN duplicate_object THEN NULL; END $$; ALTER ROLE capd_lostid LOGIN")
        let adminURL = try TestPostgres.isolatedURL("t_lostid")
        try TestPostgres.execute(adminURL, "GRANT ALL ON SCHEMA t_lostid TO capd_lostid")
        let url = adminURL.replacingOccurrences(of: "://postgres@", with: "://capd_lostid@")
        try #require(url != adminURL, "the test cluster URL names no postgres user: \(adminURL)")
        let directory = try TestDirectories.fresh("lostid")
        var settings = StoreSettings(url: url, spoolDirectory: directory + "/spool")
        settings.batchRows = 100
        settings.maxInFlight = 1
        settings.reconnectMinMilliseconds = 60_000
        settings.reconnectMaxMilliseconds = 60_000
        let first = try Store(settings: settings, postgresHooks: PostgresFaults(loseResultAfterCommitEvery: 1))
        #expect(eventually(20) { first.metrics().connected })
        // Connected; from now on no new connection is let in. The first batch commits, its result is "lost",
        // and the store can neither look it up nor reconnect: at close it is still unresolved.
        try TestPostgres.execute(adminURL, "ALTER ROLE capd_lostid NOLOGIN")
        for i in 0..<1_000 { first.append(WorkedExample.numberedRow(i, table: "sip_capture")) }
        #expect(eventually(20) { !first.metrics().connected && first.metrics().lastError != nil })
        let down = first.close(timeout: .seconds(20))
        #expect(!down.complete)
        #expect(first.metrics().totalStored == 0)
        #expect(try TestPostgres.query(adminURL, "SELECT count(*) AS n FROM sip_capture").first?["n"] == "100")

        try TestPostgres.execute(adminURL, "ALTER ROLE capd_lostid LOGIN")
        let second = try Store(settings: settings)
        let report = second.close(timeout: .seconds(60))
        #expect(report.complete, "\(report)")
        try Self.expectEveryRowOnce(adminURL, 1_000)
        // The unresolved batch, found by the id its spool record carried (a position-derived id would not match).
        #expect(second.metrics().batchesFoundCommitted == 1)
        #expect(second.metrics().totalStored == 1_000)
        let log = try TestPostgres.query(adminURL, "SELECT coalesce(sum(rows), 0) AS n FROM capd_batches")
        #expect(log.first?["n"] == "1000")
    }

    // MARK: - The real thing: the server killed around commits, again and again

    @Test func serverKilledRepeatedlyWhileAppendingStoresEveryRowOnce() throws {
        let cluster = try PrivateCluster("kill")
        defer { cluster.destroy() }
        let url = try TestPostgres.isolatedURL("kill", base: cluster.url)
        let directory = try TestDirectories.fresh("kill")
        var settings = StoreSettings(url: url, spoolDirectory: directory + "/spool")
        settings.batchRows = 200
        settings.flushMilliseconds = 5
        settings.maxInFlight = 1
        settings.reconnectMinMilliseconds = 10
        settings.reconnectMaxMilliseconds = 100
        let store = try Store(settings: settings)

        let appended = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)
        let producer = Thread {
            var next = 0
            while !stop.load(ordering: .acquiring), next < 200_000 {
                for _ in 0..<50 {
                    store.append(WorkedExample.numberedRow(next, table: "sip_capture"))
                    next += 1
                }
                appended.store(next, ordering: .releasing)
                usleep(2_000)
            }
            finished.store(true, ordering: .releasing)
        }
        producer.start()

        let cycles = 8
        for cycle in 0..<cycles {
            let before = store.metrics().totalStored
            #expect(eventually(30) { store.metrics().totalStored >= before + 1_500 }, "cycle \(cycle): no progress")
            try cluster.killServer()
            usleep(UInt32.random(in: 0...30_000))
            try cluster.startServer()
        }
        let afterLastStart = store.metrics().totalStored
        #expect(eventually(30) { store.metrics().totalStored > afterLastStart }, "no progress after the last start")
        stop.store(true, ordering: .releasing)
        #expect(eventually(30) { finished.load(ordering: .acquiring) })
        let total = appended.load(ordering: .acquiring)

        let report = store.close(timeout: .seconds(120))
        #expect(report.complete, "\(report)")
        try Self.expectEveryRowOnce(url, total)
        let metrics = store.metrics()
        #expect(metrics.reconnects >= UInt64(cycles))
        #expect(metrics.totalDropped == 0)
        #expect(metrics.deadLettered == 0)
        #expect(metrics.totalStored == UInt64(total))
        let logged = try TestPostgres.query(url, "SELECT coalesce(sum(rows), 0) AS n FROM capd_batches")
        #expect(logged.first?["n"] == String(total), "capd_batches accounts for every row")
        print("kill test: \(total) rows, \(metrics.reconnects) reconnects, "
            + "\(metrics.batchesFoundCommitted) batches found committed after a lost result")
    }

    // MARK: - Helpers

    private static func outcome(of batch: Batch, _ backend: PostgresBackend) throws -> String {
        backend.submit(batch)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            for outcome in backend.pump(timeoutMilliseconds: 50, wakeFD: -1) {
                switch outcome {
                case .stored: return "stored"
                case .alreadyStored: return "alreadyStored"
                case .rejected(_, let error): return "rejected: \(error)"
                case .failed(_, let error): return "failed: \(error)"
                case .lost(_, let error): return "lost: \(error)"
                }
            }
        }
        throw TestFailure("no outcome within 10 s")
    }

    private static func storeWithFaults(
        _ name: String, rows: Int, _ faults: (inout PostgresFaults) -> Void
    ) throws -> (Store, String, Int) {
        let url = try TestPostgres.isolatedURL(name)
        let directory = try TestDirectories.fresh(name)
        var settings = StoreSettings(url: url, spoolDirectory: directory + "/spool")
        settings.batchRows = 100
        settings.flushMilliseconds = 10
        settings.maxInFlight = 1
        settings.reconnectMinMilliseconds = 5
        settings.reconnectMaxMilliseconds = 20
        var staged = PostgresFaults()
        faults(&staged)
        let store = try Store(settings: settings, postgresHooks: staged)
        for i in 0..<rows {
            store.append(WorkedExample.numberedRow(i, table: "sip_capture"))
            if i % 100 == 99 { usleep(500) }
        }
        let report = store.close(timeout: .seconds(60))
        #expect(report.complete, "\(report)")
        return (store, url, rows)
    }

    /// Every row exactly once. Not in order: rows replayed from the spool are stored beside fresh ones
    /// (docs/operations.md "Ordering").
    private static func expectEveryRowOnce(_ url: String, _ total: Int) throws {
        let rows = try TestPostgres.query(url, "SELECT callid FROM sip_capture")
        #expect(rows.count == total, "every row exactly once")
        let got = rows.compactMap { $0["callid"] }
        let distinct = Set(got)
        #expect(distinct.count == got.count, "\(got.count - distinct.count) rows stored twice")
        let expected = Set((0..<total).map { "row-\($0)" })
        let same = distinct == expected
        #expect(same, "missing: \(expected.subtracting(distinct).sorted().prefix(5)), unexpected: \(distinct.subtracting(expected).sorted().prefix(5))")
    }
}
