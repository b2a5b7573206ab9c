import HEP

/// What the rules read from a packet. The daemon adapts HEP packet + SIP view + socket info to this; tests use
/// synthetic subjects. Each accessor is only called with fields of the matching `Field.kind`; return nil when
/// the value is absent (absent values match nothing except `exists: false`).
public protocol RuleSubject {
    func bytes(_ field: Field) -> ArraySlice<UInt8>?
    func integer(_ field: Field) -> Int?
    func ip(_ field: Field) -> IPAddress?
}

/// Identifies one rule for metrics (`capd_rule_matches_total{rule=...}`) and diagnostics.
public struct RuleRef: Hashable, Sendable {
    public var route: Int
    public var rule: Int

    @inlinable public init(route: Int, rule: Int) {
        self.route = route
        self.rule = rule
    }
}

/// Carries out the non-control actions, in rule order. `set`/`del` edit the subject, so later routes (and
/// templates, relays) see the edit; conditions of the route being evaluated already were evaluated.
public protocol RuleExecutor {
    associatedtype Subject: RuleSubject
    /// Called once per matching rule, before its actions.
    mutating func ruleMatched(_ rule: RuleRef)
    /// `capture`, `report`, `setChunk`, `deleteChunk`, `relay`, `dedup`. Return false to drop the packet
    /// (e.g. `dedup` saw a copy); evaluation then ends with `.dropped`.
    mutating func perform(_ action: RuleAction, rule: RuleRef, subject: inout Subject) -> Bool
}

public enum RuleOutcome: Sendable, Equatable {
    /// The route ran to its end (or a `stop`). After a named HEP route this means: drop (OpenSIPS behaviour).
    case completed
    /// `drop` ran (or the executor dropped the packet).
    case dropped
    /// `resume_sip` ran: parse SIP and run `main`.
    case resumeSIP
}
