/// A rule condition after validation: field names resolved, values typed, regexes compiled.
public indirect enum Condition: Sendable {
    case always
    case test(FieldTest)
    case all([Condition])
    case any([Condition])
    case not(Condition)

    /// The top-level conjuncts (flattening nested `all`).
    var conjuncts: [Condition] {
        switch self {
        case .always: return []
        case .all(let parts): return parts.flatMap(\.conjuncts)
        default: return [self]
        }
    }

    static func conjunction(_ parts: [Condition]) -> Condition {
        switch parts.count {
        case 0: return .always
        case 1: return parts[0]
        default: return .all(parts)
        }
    }
}

public struct FieldTest: Sendable {
    public var field: Field
    public var op: TestOperator
}

public enum TestOperator: Sendable {
    /// Text equality with any of the values (byte-exact, case-sensitive).
    case equals([[UInt8]])
    case prefix([[UInt8]])
    case suffix([[UInt8]])
    case contains([[UInt8]])
    case regex(RuleRegex)
    /// Integer in any of the ranges (equality is a one-value range).
    case inRanges([ClosedRange<Int>])
    case greater(Int)
    case less(Int)
    /// Address inside any of the prefixes (a plain address is a full-length prefix).
    case inNetworks([CIDR])
    /// The field is present (true) or absent (false).
    case exists(Bool)
}

/// A regular expression compiled once at load time (Swift's `Regex`, PCRE-like syntax, unanchored search).
public final class RuleRegex: @unchecked Sendable {
    public let pattern: String
    let regex: Regex<AnyRegexOutput>
    init(pattern: String) throws {
        self.pattern = pattern
        self.regex = try Regex(pattern)
    }
    @usableFromInline
    func matches(_ bytes: ArraySlice<UInt8>) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return ((try? regex.firstMatch(in: text)) ?? nil) != nil
    }
}
