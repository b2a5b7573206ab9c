import Foundation
import Testing
@testable import Store

/// Spool replay uses every connection (`max_in_flight`); the cursor only follows committed prefixes.
@Suite(.serialized) struct SpoolReplayConcurrencyTests {
    @Test func cursorMovesOnlyOverTheLongestFinishedPrefix() {
        var tracker = SpoolCommitTracker()
        let ends = (1...4).map { SpoolPosition(segment: 0, offset: $0 * 100) }
        ends.forEach { tracker.taken($0) }
        #expect(tracker.finished(ends[2]) == nil, "third finished first: the first two are still in flight")
        #expect(tracker.finished(ends[1]) == nil)
        #expect(tracker.finished(ends[0]) == ends[2], "first finished: the cursor passes the first three")
        tracker.split(ends[3])
        #expect(tracker.finished(ends[3]) == nil, "one half of a split batch is not the whole batch")
        #expect(tracker.finished(ends[3]) == ends[3])
        #expect(tracker.outstanding == 0)
        #expect(tracker.finished(SpoolPosition(segment: 9, offset: 1)) == nil, "an unknown batch moves nothing")
    }

    @Test func largeSpoolIsReplayedConcurrentlyWithEveryRowOnce() throws {
        let total = 20_000
        let url = try TestPostgres.isolatedURL("t_replay_concurrent")
        let directory = try TestDirectories.fresh("replay-concurrent")
        var settings = StoreSettings(url: "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=1",
                                     spoolDirectory: directory + "/spool")
        settings.batchRows = 500
        settings.flushMilliseconds = 10
        settings.maxInFlight = 4
        settings.reconnectMaxMilliseconds = 100
        // 1: the server is unreachable: every row goes to the spool.
        let down = try Store(settings: settings)
        for i in 0..<total {
            down.append(WorkedExample.numberedRow(i, table: "sip_capture"))
            if i % 1_000 == 999 { usleep(2_000) }
        }
        let downReport = down.close(timeout: .seconds(30))
        #expect(downReport.spoolBytes > 0)
        #expect(down.metrics().totalDropped == 0)
        let snapshot = directory + "/snapshot"
        try FileManager.default.copyItem(atPath: settings.spoolDirectory, toPath: snapshot)

        // 2: the server is back: the spool is replayed on several connections at once.
        settings.url = url
        let probe = ReplayConcurrencyProbe()
        let up = try Store(settings: settings, postgresHooks: PostgresFaults(replayProbe: probe))
        let report = up.close(timeout: .seconds(120))
        #expect(report.complete, "\(report)")
        #expect(up.metrics().spoolBytes == 0)
        #expect(probe.peak > 1, "replay never had more than one batch in flight (peak \(probe.peak))")
        try Self.expectEveryRowOnce(url, total)

        // 3: as if 2 had died before its cursor reached the disk: the same spool again adds no row.
        try FileManager.default.removeItem(atPath: settings.spoolDirectory)
        try FileManager.default.copyItem(atPath: snapshot, toPath: settings.spoolDirectory)
        let again = try Store(settings: settings)
        let againReport = again.close(timeout: .seconds(120))
        #expect(againReport.complete, "\(againReport)")
        try Self.expectEveryRowOnce(url, total)
        #expect(again.metrics().batchesFoundCommitted == UInt64(total / settings.batchRows))
    }

    @Test func concurrentReplayWithLostResultsAndBrokenConnectionsStoresEveryRowOnce() throws {
        let total = 10_000
        let url = try TestPostgres.isolatedURL("t_replay_faults")
        let directory = try TestDirectories.fresh("replay-faults")
        var settings = StoreSettings(url: "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=1",
                                     spoolDirectory: directory + "/spool")
        settings.batchRows = 250
        settings.maxInFlight = 4
        settings.reconnectMinMilliseconds = 5
        settings.reconnectMaxMilliseconds = 20
        let down = try Store(settings: settings)
        for i in 0..<total { down.append(WorkedExample.numberedRow(i, table: "sip_capture")) }
        #expect(down.close(timeout: .seconds(30)).spoolBytes > 0)

        settings.url = url
        let probe = ReplayConcurrencyProbe()
        let up = try Store(settings: settings, postgresHooks: PostgresFaults(
            breakBeforeCommitEvery: 11, loseResultAfterCommitEvery: 7, replayProbe: probe))
        let report = up.close(timeout: .seconds(120))
        #expect(report.complete, "\(report)")
        #expect(probe.peak > 1)
        #expect(up.metrics().reconnects > 0, "the faults were not hit")
        #expect(up.metrics().batchesFoundCommitted > 0, "no lost result was looked up")
        #expect(up.metrics().spoolBytes == 0)
        try Self.expectEveryRowOnce(url, total)
    }

    /// Not a test: replay rate of a 100 000-row spool (CAPD_REPLAY_BENCH=1), one connection vs four.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CAPD_REPLAY_BENCH"] != nil))
    func replayRate() throws {
        let total = 100_000
        for connections in [1, 4] {
            let name = "replay_bench_\(connections)"
            let url = try TestPostgres.isolatedURL("t_" + name)
            let directory = try TestDirectories.fresh(name)
            var settings = StoreSettings(url: "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=1",
                                         spoolDirectory: directory + "/spool")
            settings.batchRows = 500
            settings.maxInFlight = connections
            settings.reconnectMaxMilliseconds = 100
            let down = try Store(settings: settings)
            for i in 0..<total {
                down.append(WorkedExample.numberedRow(i, table: "sip_capture"))
                if i % 1_000 == 999 { usleep(2_000) }
            }
            _ = down.close(timeout: .seconds(60))
            settings.url = url
            // Create the table first so that the timing covers replay only.
            let warm = try Store(settings: StoreSettings(url: url, spoolDirectory: directory + "/warm"))
            warm.append(WorkedExample.numberedRow(-1, table: "sip_capture"))
            #expect(warm.close(timeout: .seconds(30)).complete)
            let started = ContinuousClock.now
            let up = try Store(settings: settings)
            let report = up.close(timeout: .seconds(300))
            let elapsed = started.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            #expect(report.complete)
            try Self.expectEveryRowOnce(url, total + 1, extra: ["row--1"])
            print("replay bench: connections=\(connections) rows=\(total) seconds=\(seconds) rows/s=\(Int(Double(total) / seconds))")
        }
    }

    private static func expectEveryRowOnce(_ url: String, _ total: Int, extra: Set<String> = []) throws {
        let rows = try TestPostgres.query(url, "SELECT count(*) AS n, count(DISTINCT callid) AS d FROM sip_capture")
        #expect(rows.first?["n"] == String(total), "row count")
        #expect(rows.first?["d"] == String(total), "distinct rows")
        let expected = Set((0..<(total - extra.count)).map { "row-\($0)" }).union(extra)
        let got = Set(try TestPostgres.query(url, "SELECT callid FROM sip_capture").compactMap { $0["callid"] })
        let same = got == expected
        #expect(same, "missing: \(expected.subtracting(got).count), unexpected: \(got.subtracting(expected).count)")
    }
}
