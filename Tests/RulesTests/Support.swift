@testable import Rules
import HEP

/// Deterministic RNG (SplitMix64) so property tests are reproducible from their seed.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A packet made of plain dictionaries; `set`/`del` edit its chunk values.
struct SyntheticSubject: RuleSubject, Equatable {
    var text: [Field: [UInt8]] = [:]
    var integers: [Field: Int] = [:]
    var ips: [Field: IPAddress] = [:]

    func bytes(_ field: Field) -> ArraySlice<UInt8>? { text[field].map { $0[...] } }
    func integer(_ field: Field) -> Int? { integers[field] }
    func ip(_ field: Field) -> IPAddress? { ips[field] }
}

/// Records everything the evaluator asks for, applies chunk edits, and drops every third `dedup`.
struct TraceExecutor: RuleExecutor {
    var trace: [String] = []
    var dedups = 0

    mutating func ruleMatched(_ rule: RuleRef) { trace.append("match \(rule.route)/\(rule.rule)") }

    mutating func perform(_ action: RuleAction, rule: RuleRef, subject: inout SyntheticSubject) -> Bool {
        switch action {
        case .capture(let c):
            trace.append("capture \(c.table?.template ?? "-") \(c.customField1.map { $0.render(subject) } ?? "-")")
        case .report(let r):
            trace.append("report \(r.correlationID.render(subject)) \(r.protoType ?? -1)")
        case .setChunk(let edit):
            var value: [UInt8] = []
            switch edit.value {
            case .utf8(let t), .octet(let t): t.render(subject, into: &value)
            case .uint8(let v): value = Array(String(v).utf8)
            case .uint16(let v): value = Array(String(v).utf8)
            case .uint32(let v): value = Array(String(v).utf8)
            case .inet4(let ip), .inet6(let ip): value = Array(ip.description.utf8)
            }
            subject.text[.hepChunk(type: edit.type, vendor: nil)] = value
            if edit.type == 0x0B, case .uint8(let v) = edit.value { subject.integers[.hepProtoType] = Int(v) }
            trace.append("set \(edit.type) \(String(decoding: value, as: UTF8.self))")
        case .deleteChunk(let ref):
            subject.text[.hepChunk(type: ref.type, vendor: nil)] = nil
            if ref.type == 0x0B { subject.integers[.hepProtoType] = nil }
            trace.append("del \(ref.type)")
        case .relay(let target):
            trace.append("relay \(target.url)")
        case .dedup(let ms):
            dedups += 1
            trace.append("dedup \(ms)")
            return dedups % 3 != 0
        default:
            trace.append("unexpected control action handed to executor")
        }
        return true
    }
}

extension RandomNumberGenerator {
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    mutating func chance(_ percent: Int) -> Bool { Int(next() % 100) < percent }
}
