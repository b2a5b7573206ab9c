import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// `capd-bench metrics [--updates N] [--per-row K] [--cpu-us-per-row X]`: what a counter update costs with
/// capd's former registry and with swift-metrics + swift-prometheus (issue 11: adopt them unless they cost more
/// than 2 % of capd's CPU per stored row). Each kind counts `N` increments on one labelled counter, best of
/// 5 rounds; with `--cpu-us-per-row` (capd's CPU per stored row, which `make bench` measures in the same run)
/// it prints the share of that CPU `K` updates per row would take.
func metricsBench(_ arguments: [String]) throws {
    let usage = "capd-bench metrics [--updates N] [--per-row K] [--cpu-us-per-row X]"
    let options = try BenchOptions(arguments, allowed: ["--updates", "--per-row", "--cpu-us-per-row"], usage: usage)
    let updates = options["--updates"].map { Int($0) ?? 0 } ?? 20_000_000
    let perRow = options["--per-row"].map { Int($0) ?? 0 } ?? 3
    let cpuMicrosPerRow = options["--cpu-us-per-row"].flatMap(Double.init)
    guard updates > 0, perRow > 0 else { throw BenchError.usage(usage) }
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    let own = OwnCounter()
    let direct = registry.makeCounter(name: "capd_bench_direct_total", labels: [("listener", "udp://127.0.0.1:9060")])
    let viaSwiftMetrics = CoreMetrics.Counter(label: "capd_bench_swift_metrics_total",
                                              dimensions: [("listener", "udp://127.0.0.1:9060")])
    let kinds: [(name: String, run: () -> Void)] = [
        ("capd's former registry (one relaxed atomic add, its hot path before issue 11)", { for _ in 0..<updates { own.increment() } }),
        ("swift-prometheus Counter, called directly", { for _ in 0..<updates { direct.increment() } }),
        ("swift-metrics Counter on swift-prometheus (MetricsSystem.bootstrap)", { for _ in 0..<updates { viaSwiftMetrics.increment() } }),
    ]
    var results: [(String, Double)] = []
    for kind in kinds {
        var best = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            kind.run()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(updates))
        }
        results.append((kind.name, best))
    }
    // The counts are real: every increment above reached its counter (best of 5 rounds of `updates` each).
    guard own.value == updates * 5, registry.emitToString().contains("capd_bench_swift_metrics_total") else {
        throw BenchError.failed("a counter missed increments")
    }
    for (name, nanoseconds) in results {
        var line = String(format: "metrics: %@: %.2f ns per update", name, nanoseconds)
        if let cpu = cpuMicrosPerRow, cpu > 0 {
            line += String(format: "; %d per row = %.3f %% of capd's %.2f µs CPU per stored row", perRow,
                           Double(perRow) * nanoseconds / (cpu * 1_000) * 100, cpu)
        }
        print(line)
    }
}

/// The hot path of the `Counter` capd had before it moved to swift-prometheus (issue 11): the baseline the
/// swift-prometheus lines are compared with. capd itself now counts with "swift-prometheus Counter, called directly".
private final class OwnCounter: Sendable {
    private let storage = Atomic<Int>(0)
    @inline(__always) func increment() { storage.wrappingAdd(1, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}
