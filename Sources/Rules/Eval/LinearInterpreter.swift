extension RuleProgram {
    /// Reference semantics: evaluates every rule's condition one by one (against the packet as it entered the
    /// route), then runs the matching rules' actions in order. Used by tests and benchmarks as the baseline.
    @inlinable
    public func evaluateLinear<E: RuleExecutor>(route: Int, subject: inout E.Subject, executor: inout E) -> RuleOutcome {
        guard routes.indices.contains(route) else { return .completed }
        let rules = routes[route].rules
        var matched: [Bool] = []
        matched.reserveCapacity(rules.count)
        for rule in rules { matched.append(rule.condition.matches(subject)) }
        for (index, rule) in rules.enumerated() where matched[index] {
            let ref = RuleRef(route: route, rule: index)
            executor.ruleMatched(ref)
            for action in rule.actions {
                switch action {
                case .stop: return .completed
                case .drop: return .dropped
                case .resumeSIP: return .resumeSIP
                case .route(let target):
                    let outcome = evaluateLinear(route: target, subject: &subject, executor: &executor)
                    if outcome != .completed { return outcome }
                default:
                    if !executor.perform(action, rule: ref, subject: &subject) { return .dropped }
                }
            }
        }
        return .completed
    }
}
