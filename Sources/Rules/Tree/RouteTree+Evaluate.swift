extension RuleProgram {
    /// Evaluates `route` with the compiled trees: the same result as `evaluateLinear`, at a cost that grows
    /// with the number of candidate rules rather than the number of rules. No allocation on this path
    /// (`scratch` is reused; executors and regex conditions may allocate on their own).
    @inlinable
    public func evaluate<E: RuleExecutor>(route: Int, subject: inout E.Subject, executor: inout E,
                                          scratch: inout RuleScratch) -> RuleOutcome {
        guard routes.indices.contains(route), scratch.bits.count >= scratchWords else { return .completed }
        let tree = routes[route].tree
        let (offset, words) = scratchLayout[route]
        if words == 0 { return .completed }
        tree.collectCandidates(subject, into: &scratch.bits, offset: offset)
        // Pass 1: conditions are decided against the packet as it entered the route.
        for w in 0..<words {
            var word = scratch.bits[offset + w]
            var kept: UInt64 = 0
            while word != 0 {
                let bit = word.trailingZeroBitCount
                word &= word &- 1
                if tree.residual[w << 6 | bit].matches(subject) { kept |= 1 << UInt64(bit) }
            }
            scratch.bits[offset + w] = kept
        }
        // Pass 2: actions of the matching rules, in rule order.
        for w in 0..<words {
            var word = scratch.bits[offset + w]
            while word != 0 {
                let bit = word.trailingZeroBitCount
                word &= word &- 1
                let ruleIndex = w << 6 | bit
                let ref = RuleRef(route: route, rule: ruleIndex)
                executor.ruleMatched(ref)
                for action in routes[route].rules[ruleIndex].actions {
                    switch action {
                    case .stop: return .completed
                    case .drop: return .dropped
                    case .resumeSIP: return .resumeSIP
                    case .route(let target):
                        let outcome = evaluate(route: target, subject: &subject, executor: &executor, scratch: &scratch)
                        if outcome != .completed { return outcome }
                    default:
                        if !executor.perform(action, rule: ref, subject: &subject) { return .dropped }
                    }
                }
            }
        }
        return .completed
    }

    /// The matching rules of `route` for this packet, by the tree (for tests and `--tree` debugging).
    public func matchingRules<S: RuleSubject>(route: Int, subject: S, scratch: inout RuleScratch) -> [Int] {
        guard routes.indices.contains(route) else { return [] }
        let tree = routes[route].tree
        let (offset, words) = scratchLayout[route]
        tree.collectCandidates(subject, into: &scratch.bits, offset: offset)
        var result: [Int] = []
        for w in 0..<words {
            var word = scratch.bits[offset + w]
            while word != 0 {
                let bit = word.trailingZeroBitCount
                word &= word &- 1
                if tree.residual[w << 6 | bit].matches(subject) { result.append(w << 6 | bit) }
            }
        }
        return result
    }
}

extension RouteTree {
    @inlinable
    func collectCandidates<S: RuleSubject>(_ subject: S, into bits: inout [UInt64], offset: Int) {
        for w in 0..<baseline.count { bits[offset + w] = baseline[w] }
        for index in exactIndexes {
            if let value = subject.bytes(index.field), let hit = index.map.lookup(value) { mark(hit, &bits, offset) }
        }
        for index in prefixIndexes {
            guard let value = subject.bytes(index.field) else { continue }
            for entry in index.map {
                if entry.length > value.count { break }
                if let hit = entry.map.lookup(value.prefix(entry.length)) { mark(hit, &bits, offset) }
            }
        }
        for index in intervalIndexes {
            if let value = subject.integer(index.field), let hit = index.map.lookup(value) { mark(hit, &bits, offset) }
        }
        for index in networkIndexes {
            if let value = subject.ip(index.field) {
                index.map.forEachMatch(value) { hit in mark(hit, &bits, offset) }
            }
        }
    }

    @inlinable
    func mark(_ range: Range<Int32>, _ bits: inout [UInt64], _ offset: Int) {
        for i in range {
            let rule = Int(postings[Int(i)])
            bits[offset + rule >> 6] |= 1 << UInt64(rule & 63)
        }
    }
}
