import Synchronization

/// One kind of series (counter, gauge, histogram) as the registry renders it.
protocol MetricChild: AnyObject, Sendable {
    static var typeName: String { get }
    /// The single value of a counter or gauge; nil for histograms.
    var scalarValue: Double? { get }
    func appendSamples(to out: inout String, name: String, labels: LabelSet)
    func statsSamples(name: String, labels: LabelSet) -> [(String, Double)]
}

/// What the registry needs from a family, whatever its child type.
protocol RenderableFamily: Sendable {
    var name: String { get }
    func appendExposition(to out: inout String)
    func statsSamples() -> [(String, Double)]
}

/// A metric family: one name, one help text, a fixed list of label names and one child per label-value
/// combination. Look a child up once (`labels(...)`) and keep it: the child's update is then a single
/// atomic operation, with no lookup on the hot path.
final class MetricFamily<Child: MetricChild>: RenderableFamily {
    let name: String
    let help: String
    let labelNames: [String]
    private let make: @Sendable () -> Child
    private let state = Mutex<State>(State())
    private let collector = Mutex<SampleCollector?>(nil)

    /// A series produced at scrape time by a collector: label values (by position) and value.
    typealias CollectedSample = (labels: [String], value: Double)

    private struct State {
        /// Children of single-label families by their one value (no array key to build per lookup).
        var single: [String: Child] = [:]
        var index: [[String]: Child] = [:]
        var order: [(LabelSet, Child)] = []
    }

    init(name: String, help: String, labelNames: [String], make: @escaping @Sendable () -> Child) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.make = make
    }

    /// The child for these label values (created on first use). Values are matched to `labelNames` by
    /// position; missing values are empty strings and surplus values are ignored.
    func labels(_ values: String...) -> Child { labels(values) }

    /// The child of a single-label family: a lookup without building an array (still a lock and a hash;
    /// keep the child when the value is known in advance).
    func labels(_ value: String) -> Child {
        guard labelNames.count == 1 else { return labels([value]) }
        if let child = state.withLock({ $0.single[value] }) { return child }
        let child = labels([value])
        state.withLock { $0.single[value] = child }
        return child
    }

    func labels(_ values: [String]) -> Child {
        var key = Array(values.prefix(labelNames.count))
        while key.count < labelNames.count { key.append("") }
        return state.withLock { state in
            if let child = state.index[key] { return child }
            let child = make()
            state.index[key] = child
            state.order.append((LabelSet(names: labelNames, values: key), child))
            return child
        }
    }

    /// Every series created so far with its label values, in creation order.
    var children: [(labels: [String], child: Child)] {
        state.withLock { $0.order.map { ($0.0.values, $0.1) } }
    }

    /// Adds series computed at scrape time, for label sets only another module knows (rows stored per
    /// table family from the store's snapshot, drops per reason inside the store, ...). A collected
    /// series with the same labels as a child of a counter or gauge family is added to that child's value;
    /// on histogram families collectors are ignored. Replaces an earlier collector.
    func collect(_ samples: @escaping @Sendable () -> [CollectedSample]) {
        collector.withLock { $0 = SampleCollector(collect: samples) }
    }

    /// Children's series merged with the collector's, in a stable order (children first).
    private func scalarSeries() -> [(LabelSet, Double)]? {
        let series = state.withLock { $0.order }
        guard let collector = collector.withLock({ $0 }) else { return nil }
        var merged: [(LabelSet, Double)] = []
        var position: [[String]: Int] = [:]
        for (labels, child) in series {
            guard let value = child.scalarValue else { return nil }
            position[labels.values] = merged.count
            merged.append((labels, value))
        }
        for sample in collector.collect() {
            var key = Array(sample.labels.prefix(labelNames.count))
            while key.count < labelNames.count { key.append("") }
            if let index = position[key] {
                merged[index].1 += sample.value
            } else {
                position[key] = merged.count
                merged.append((LabelSet(names: labelNames, values: key), sample.value))
            }
        }
        return merged
    }

    func appendExposition(to out: inout String) {
        out += "# HELP \(name) \(MetricText.escapeHelp(help))\n"
        out += "# TYPE \(name) \(Child.typeName)\n"
        if let merged = scalarSeries() {
            for (labels, value) in merged {
                MetricText.appendSample(to: &out, name: name, labels: labels, value: value)
            }
            return
        }
        let series = state.withLock { $0.order }
        for (labels, child) in series {
            child.appendSamples(to: &out, name: name, labels: labels)
        }
    }

    func statsSamples() -> [(String, Double)] {
        if let merged = scalarSeries() {
            return merged.map { (MetricText.sampleKey(name: name, labels: $0.0), $0.1) }
        }
        let series = state.withLock { $0.order }
        return series.flatMap { labels, child in child.statsSamples(name: name, labels: labels) }
    }
}
