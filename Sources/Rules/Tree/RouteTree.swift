/// The compiled decision structure of one route. Every rule is filed under at most one of its top-level
/// conjuncts (the most selective indexable one) in a per-field index: exact-match hash maps for text
/// equality, prefix maps, port/integer interval maps and CIDR tries. Rules with no indexable conjunct are
/// always candidates. Evaluation = one lookup per index (each field read once) → candidate bit set →
/// the remaining conjuncts of each candidate, in rule order.
@usableFromInline
final class RouteTree: Sendable {
    @usableFromInline
    enum Index: Sendable {
        case exact(Field, ExactMap)
        /// Maps keyed by prefix length, shortest first.
        case prefix(Field, [(length: Int, map: ExactMap)])
        case intervals(Field, IntervalMap)
        case networks(Field, CIDRTrie)

        var field: Field {
            switch self {
            case .exact(let f, _), .prefix(let f, _), .intervals(let f, _), .networks(let f, _): return f
            }
        }
    }

    /// One field's index, as a class so evaluation reads it in place instead of copying its arrays.
    @usableFromInline final class FieldIndex<Map: Sendable>: Sendable {
        @usableFromInline let field: Field
        @usableFromInline let map: Map
        init(_ field: Field, _ map: Map) { self.field = field; self.map = map }
    }
    /// The indexes by kind: exact values, prefixes (one exact map per prefix length), intervals, networks.
    @usableFromInline typealias ExactIndex = FieldIndex<ExactMap>
    @usableFromInline typealias PrefixIndex = FieldIndex<[(length: Int, map: ExactMap)]>
    @usableFromInline typealias IntervalIndex = FieldIndex<IntervalMap>
    @usableFromInline typealias NetworkIndex = FieldIndex<CIDRTrie>

    /// For `--tree`.
    let indexes: [Index]
    @usableFromInline let exactIndexes: [ExactIndex]
    @usableFromInline let prefixIndexes: [PrefixIndex]
    @usableFromInline let intervalIndexes: [IntervalIndex]
    @usableFromInline let networkIndexes: [NetworkIndex]
    @usableFromInline let postings: [Int32]
    /// Bits of rules that are candidates whatever the packet.
    @usableFromInline let baseline: [UInt64]
    /// Each rule's condition minus the conjunct its index already guarantees.
    @usableFromInline let residual: [Condition]
    /// For `--tree`: which conjunct indexed each rule (nil = always a candidate).
    let indexedBy: [String?]

    init(rules: [RuleProgram.Rule]) {
        let words = (rules.count + 63) / 64
        var baseline = [UInt64](repeating: 0, count: words)
        var residual: [Condition] = []
        var indexedBy: [String?] = []

        let conjunctLists = rules.map { $0.condition.conjuncts }
        // How many rules share each (field, value): the selectivity estimate.
        var frequency: [IndexValue: Int] = [:]
        for conjuncts in conjunctLists {
            for c in conjuncts {
                guard let key = IndexKey(c) else { continue }
                for v in key.values { frequency[v, default: 0] += 1 }
            }
        }

        var exact: [Field: [[UInt8]: [Int32]]] = [:]
        var prefix: [Field: [[UInt8]: [Int32]]] = [:]
        var ranges: [Field: [(ClosedRange<Int>, Int32)]] = [:]
        var networks: [Field: [(CIDR, Int32)]] = [:]
        var fieldOrder: [Field] = []
        func noteField(_ f: Field) { if !fieldOrder.contains(f) { fieldOrder.append(f) } }

        for (ruleIndex, conjuncts) in conjunctLists.enumerated() {
            let rule = Int32(ruleIndex)
            var best: (position: Int, key: IndexKey, score: Int)?
            for (position, c) in conjuncts.enumerated() {
                guard let key = IndexKey(c) else { continue }
                let score = key.values.reduce(0) { $0 + (frequency[$1] ?? 0) } * key.weight
                if best == nil || score < best!.score { best = (position, key, score) }
            }
            guard let chosen = best else {
                baseline[ruleIndex >> 6] |= 1 << UInt64(ruleIndex & 63)
                residual.append(rules[ruleIndex].condition)
                indexedBy.append(nil)
                continue
            }
            var rest = conjuncts
            rest.remove(at: chosen.position)
            residual.append(Condition.conjunction(rest))
            indexedBy.append(chosen.key.label)
            noteField(chosen.key.field)
            switch chosen.key {
            case .exact(let f, let values):
                for v in values { exact[f, default: [:]][v, default: []].append(rule) }
            case .prefix(let f, let values):
                for v in values { prefix[f, default: [:]][v, default: []].append(rule) }
            case .ranges(let f, let rs):
                for r in rs { ranges[f, default: []].append((r, rule)) }
            case .networks(let f, let ns):
                for n in ns { networks[f, default: []].append((n, rule)) }
            }
        }

        var store: [Int32] = []
        func addPostings(_ list: [Int32]) -> Range<Int32> {
            let begin = Int32(store.count)
            var last: Int32 = -1
            for r in list.sorted() where r != last {
                store.append(r)
                last = r
            }
            return begin..<Int32(store.count)
        }
        var built: [Index] = []
        for field in fieldOrder {
            if let table = exact[field] {
                built.append(.exact(field, ExactMap(entries: table.map { ($0.key, addPostings($0.value)) })))
            }
            if let table = prefix[field] {
                let byLength = Dictionary(grouping: table, by: { $0.key.count })
                let maps = byLength.keys.sorted().map { length in
                    (length, ExactMap(entries: (byLength[length] ?? []).map { ($0.key, addPostings($0.value)) }))
                }
                built.append(.prefix(field, maps))
            }
            if let list = ranges[field] {
                built.append(.intervals(field, IntervalMap(ranges: list, postingsStore: &store)))
            }
            if let list = networks[field] {
                built.append(.networks(field, CIDRTrie(prefixes: list, postingsStore: &store)))
            }
        }
        self.indexes = built
        var exactIndexes: [ExactIndex] = [], prefixIndexes: [PrefixIndex] = []
        var intervalIndexes: [IntervalIndex] = [], networkIndexes: [NetworkIndex] = []
        for index in built {
            switch index {
            case .exact(let f, let m): exactIndexes.append(ExactIndex(f, m))
            case .prefix(let f, let m): prefixIndexes.append(PrefixIndex(f, m))
            case .intervals(let f, let m): intervalIndexes.append(IntervalIndex(f, m))
            case .networks(let f, let t): networkIndexes.append(NetworkIndex(f, t))
            }
        }
        self.exactIndexes = exactIndexes
        self.prefixIndexes = prefixIndexes
        self.intervalIndexes = intervalIndexes
        self.networkIndexes = networkIndexes
        self.postings = store
        self.baseline = baseline
        self.residual = residual
        self.indexedBy = indexedBy
    }
}

/// A conjunct a rule can be indexed by.
enum IndexKey {
    case exact(Field, [[UInt8]])
    case prefix(Field, [[UInt8]])
    case ranges(Field, [ClosedRange<Int>])
    case networks(Field, [CIDR])

    init?(_ condition: Condition) {
        guard case .test(let test) = condition else { return nil }
        switch test.op {
        case .equals(let v) where !v.isEmpty: self = .exact(test.field, v)
        case .prefix(let v) where !v.isEmpty: self = .prefix(test.field, v)
        case .inRanges(let r) where !r.isEmpty: self = .ranges(test.field, r)
        case .greater(let b) where b < Int.max: self = .ranges(test.field, [(b + 1)...Int.max])
        case .less(let b) where b > Int.min: self = .ranges(test.field, [Int.min...(b - 1)])
        case .inNetworks(let n) where !n.isEmpty: self = .networks(test.field, n)
        default: return nil
        }
    }

    var field: Field {
        switch self {
        case .exact(let f, _), .prefix(let f, _), .ranges(let f, _), .networks(let f, _): return f
        }
    }

    var values: [IndexValue] {
        switch self {
        case .exact(let f, let v): return v.map { .bytes(f, $0) }
        case .prefix(let f, let v): return v.map { .prefix(f, $0) }
        case .ranges(let f, let r): return r.map { .range(f, $0.lowerBound, $0.upperBound) }
        case .networks(let f, let n): return n.map { .network(f, $0) }
        }
    }

    /// Wide ranges and short prefixes select more packets than their frequency suggests.
    var weight: Int {
        switch self {
        case .exact: return 1
        case .prefix: return 2
        case .networks(_, let n): return n.contains { $0.prefixLength < 16 } ? 4 : (n.contains { $0.prefixLength < 24 } ? 2 : 1)
        case .ranges(_, let r): return r.contains { $0.upperBound &- $0.lowerBound > 1000 || $0.upperBound == Int.max || $0.lowerBound == Int.min } ? 8 : (r.allSatisfy { $0.lowerBound == $0.upperBound } ? 1 : 3)
        }
    }

    var label: String {
        let name = FieldCatalogue.name(of: field)
        switch self {
        case .exact: return name + " exact"
        case .prefix: return name + " prefix"
        case .ranges: return name + " interval"
        case .networks: return name + " cidr"
        }
    }
}

enum IndexValue: Hashable {
    case bytes(Field, [UInt8])
    case prefix(Field, [UInt8])
    case range(Field, Int, Int)
    case network(Field, CIDR)
}
