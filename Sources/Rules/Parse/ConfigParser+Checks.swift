extension ConfigParser {
    mutating func checkRoutes(_ routes: [ParsedRoute], main: Int?, hepRoute: Int?) {
        // Route call cycles.
        var adjacency: [[(to: Int, mark: SourceMark)]] = Array(repeating: [], count: routeDefs.count)
        for call in calls where adjacency.indices.contains(call.from) { adjacency[call.from].append((call.to, call.mark)) }
        var state = [UInt8](repeating: 0, count: routeDefs.count)   // 0 new, 1 on stack, 2 done
        var path: [Int] = []
        var reported = Set<SourceMark>()
        func visit(_ r: Int) {
            state[r] = 1
            path.append(r)
            for edge in adjacency[r] {
                if state[edge.to] == 1 {
                    if reported.insert(edge.mark).inserted {
                        let start = path.firstIndex(of: edge.to) ?? 0
                        let names = (path[start...].map { routeDefs[$0].name } + [routeDefs[edge.to].name]).joined(separator: " -> ")
                        error(edge.mark, "route call cycle: \(names)")
                    }
                } else if state[edge.to] == 0 {
                    visit(edge.to)
                }
            }
            path.removeLast()
            state[r] = 2
        }
        for r in routeDefs.indices where state[r] == 0 { visit(r) }

        // Unused routes: not reachable from main or the HEP route.
        var reachable = Set<Int>()
        var stack = [main, hepRoute].compactMap { $0 }
        while let r = stack.popLast() {
            guard reachable.insert(r).inserted else { continue }
            stack.append(contentsOf: adjacency[r].map(\.to))
        }
        for (index, def) in routeDefs.enumerated() where !reachable.contains(index) {
            warning(def.mark, "route '\(def.name)' is never used (not main, not hep_route, never called)")
        }
        for (name, list) in lists.sorted(by: { $0.key < $1.key }) where !list.used {
            warning(list.mark, "list '\(name)' is never used")
        }

        // resume_sip only means something in the HEP route (and routes it calls).
        if let main {
            for rule in routes[main].rules where rule.actions.contains(where: { if case .resumeSIP = $0 { return true }; return false }) {
                error(rule.mark, "resume_sip in route 'main': SIP is already parsed there (use it in the hep_route)")
            }
        }
        if let hepRoute {
            for rule in routes[hepRoute].rules {
                if Self.fields(of: rule.condition).contains(where: \.needsSIP) {
                    warning(rule.mark, "sip.* fields are not available in HEP route '\(routes[hepRoute].name)' (SIP is parsed after resume_sip); this condition never matches")
                }
            }
        }

        for route in routes { checkReachability(route) }
    }

    static func fields(of condition: Condition) -> [Field] {
        switch condition {
        case .always: return []
        case .test(let t): return [t.field]
        case .all(let parts), .any(let parts): return parts.flatMap(fields(of:))
        case .not(let inner): return fields(of: inner)
        }
    }

    /// Warns about rules that can never run: after a rule that always stops/drops, or covered by an earlier
    /// terminating rule whose every conjunct is implied by this rule's conjuncts.
    mutating func checkReachability(_ route: ParsedRoute) {
        var terminators: [(index: Int, conjuncts: [Condition])] = []
        for (index, rule) in route.rules.enumerated() {
            let conjuncts = rule.condition.conjuncts
            let label = { (i: Int) in route.rules[i].name.map { "'\($0)'" } ?? "#\(i + 1)" }
            if let blocker = terminators.first(where: { t in t.conjuncts.allSatisfy { c in conjuncts.contains { Self.implies($0, c) } } }) {
                let m = route.rules[blocker.index].mark
                let why = blocker.conjuncts.isEmpty ? "always ends the route" : "matches every packet this rule matches and ends the route"
                warning(rule.mark, "rule \(label(index)) in route '\(route.name)' can never run: rule \(label(blocker.index)) at \(m.line):\(m.column) \(why)")
                continue
            }
            if let t = rule.actions.firstIndex(where: \.terminates) {
                // Earlier actions cannot prevent the terminator (route calls return or drop).
                _ = t
                terminators.append((index, conjuncts))
            }
        }
    }

    /// Whether conjunct `a` (of the later rule) implies conjunct `b` (of the earlier rule). Sound, not complete.
    static func implies(_ a: Condition, _ b: Condition) -> Bool {
        guard case .test(let ta) = a, case .test(let tb) = b, ta.field == tb.field else { return false }
        switch (ta.op, tb.op) {
        case (.equals(let va), .equals(let vb)):
            return !va.isEmpty && va.allSatisfy { vb.contains($0) }
        case (.equals(let va), .prefix(let pb)):
            return !va.isEmpty && va.allSatisfy { v in pb.contains { v.starts(with: $0) } }
        case (.prefix(let pa), .prefix(let pb)):
            return !pa.isEmpty && pa.allSatisfy { v in pb.contains { v.starts(with: $0) } }
        case (.inRanges(let ra), .inRanges(let rb)):
            return !ra.isEmpty && ra.allSatisfy { r in rb.contains { $0.lowerBound <= r.lowerBound && r.upperBound <= $0.upperBound } }
        case (.inRanges(let ra), .greater(let g)):
            return !ra.isEmpty && ra.allSatisfy { $0.lowerBound > g }
        case (.inRanges(let ra), .less(let l)):
            return !ra.isEmpty && ra.allSatisfy { $0.upperBound < l }
        case (.greater(let x), .greater(let y)):
            return x >= y
        case (.less(let x), .less(let y)):
            return x <= y
        case (.inNetworks(let na), .inNetworks(let nb)):
            return !na.isEmpty && na.allSatisfy { n in nb.contains { $0.prefixLength <= n.prefixLength && $0.contains(n.address) } }
        case (.regex(let x), .regex(let y)):
            return x.pattern == y.pattern
        case (.exists(let x), .exists(let y)):
            return x == y
        case (.exists(false), _):
            return false
        case (_, .exists(true)):
            return true
        default:
            return false
        }
    }
}
