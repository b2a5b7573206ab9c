import Prometheus
import Synchronization

/// A family whose values another module keeps, copied into the swift-prometheus registry right before each
/// emit. `MetricsExporter` calls `copy()` and `retire()` under its scrape lock only, one at a time.
///
/// The source closure is an immutable `let` of a class, never a value inside a `Mutex`: reading a closure
/// out of `Mutex.withLock { $0 }` converts it and writes it back converted, one more reabstraction thunk per
/// scrape (issue 15 row 1; `MetricsScrapeLeakTests`).
protocol ScrapeCopy: AnyObject, Sendable {
    var familyName: String { get }
    /// Brings the family's series to the source's current values.
    func copy()
    /// Removes every series this copy created (another source replaces it).
    func retire()
}

/// Copies a counter source: each series is incremented by the source's increase since the last scrape (a
/// swift-prometheus `Counter` can only go up), so it always shows the source's value. A source that went
/// back (its owner was recreated) resets the series and counts from the new value, which Prometheus reads
/// as a counter reset. Series the source no longer reports are removed, as they were before the move.
final class CounterCopy: ScrapeCopy {
    let family: CounterFamily
    let read: @Sendable () -> [MetricSample]
    private let children = Mutex<[[String]: (counter: Counter, last: Double)]>([:])

    init(family: CounterFamily, read: @escaping @Sendable () -> [MetricSample]) {
        self.family = family
        self.read = read
    }

    var familyName: String { family.name }

    func copy() {
        let current = summedByLabels(read(), labelCount: family.labelNames.count)
        children.withLock { children in
            for (labels, value) in current where value.isFinite && value >= 0 {
                let child = children[labels] ?? (family.labels(labels), 0)
                if value < child.last {
                    child.counter.reset()
                    Self.add(value, to: child.counter)
                } else if value > child.last {
                    Self.add(value - child.last, to: child.counter)
                }
                children[labels] = (child.counter, value)
            }
            for (labels, child) in children where current[labels] == nil {
                family.unregister(child.counter)
                children[labels] = nil
            }
        }
    }

    func retire() {
        children.withLock { children in
            for child in children.values { family.unregister(child.counter) }
            children = [:]
        }
    }

    /// Whole increases as integers (rendered without a fraction), others as doubles.
    private static func add(_ amount: Double, to counter: Counter) {
        if amount == amount.rounded(), amount < 9.0e15 {
            counter.increment(by: Int64(amount))
        } else {
            counter.increment(by: amount)
        }
    }
}

/// Copies a gauge source: each series is set to the source's value; series it no longer reports are removed.
final class GaugeCopy: ScrapeCopy {
    let family: GaugeFamily
    let read: @Sendable () -> [MetricSample]
    private let children = Mutex<[[String]: Gauge]>([:])

    init(family: GaugeFamily, read: @escaping @Sendable () -> [MetricSample]) {
        self.family = family
        self.read = read
    }

    var familyName: String { family.name }

    func copy() {
        let current = summedByLabels(read(), labelCount: family.labelNames.count)
        children.withLock { children in
            for (labels, value) in current {
                let gauge = children[labels] ?? family.labels(labels)
                gauge.set(to: value)
                children[labels] = gauge
            }
            for (labels, gauge) in children where current[labels] == nil {
                family.unregister(gauge)
                children[labels] = nil
            }
        }
    }

    func retire() {
        children.withLock { children in
            for gauge in children.values { family.unregister(gauge) }
            children = [:]
        }
    }
}

/// A source's samples by normalized label values; samples with the same labels are added up.
private func summedByLabels(_ samples: [MetricSample], labelCount: Int) -> [[String]: Double] {
    var sums: [[String]: Double] = [:]
    for sample in samples {
        sums[normalizedLabelValues(sample.labels, count: labelCount), default: 0] += sample.value
    }
    return sums
}
