extension RuleProgram {
    /// The compiled trees in readable form (`capd check --tree`).
    public var treeDescription: String {
        var out: [String] = []
        for (r, route) in routes.enumerated() {
            let tree = route.tree
            out.append("route \(route.name): \(route.rules.count) rule(s), \(tree.indexes.count) index(es)")
            for index in tree.indexes {
                let name = FieldCatalogue.name(of: index.field)
                switch index {
                case .exact(_, let map): out.append("  exact map on \(name): \(map.count) key(s)")
                case .prefix(_, let maps): out.append("  prefix map on \(name): lengths \(maps.map { String($0.length) }.joined(separator: ","))")
                case .intervals(_, let map): out.append("  interval map on \(name): \(map.segmentCount) segment(s)")
                case .networks(_, let trie): out.append("  CIDR trie on \(name): \(trie.nodeCount) node(s)")
                }
            }
            for (i, rule) in route.rules.enumerated() {
                let label = ruleName(RuleRef(route: r, rule: i))
                let via = tree.indexedBy[i].map { "via " + $0 } ?? "always a candidate"
                let residual = Self.describe(tree.residual[i])
                out.append("  [\(i + 1)] \(label): \(via); then \(residual) -> \(rule.actions.map(describe).joined(separator: ", "))")
            }
        }
        return out.joined(separator: "\n")
    }

    func describe(_ action: RuleAction) -> String {
        switch action {
        case .capture(let c): return "capture" + (c.table.map { "(\($0))" } ?? "")
        case .report(let r): return "report(\(r.correlationID))"
        case .setChunk(let e): return "set(\(FieldCatalogue.hex(e.type)))"
        case .deleteChunk(let c): return "del(\(FieldCatalogue.hex(c.type)))"
        case .relay(let t): return "relay(\(t.url))"
        case .relayGroup(let g): return "relay(\(g.name): \(g.members.map(\.url).joined(separator: ", ")))"
        case .dedup(let ms): return "dedup(\(ms)ms)"
        case .drop: return "drop"
        case .stop: return "stop"
        case .route(let t): return "route(\(routes.indices.contains(t) ? routes[t].name : "?"))"
        case .resumeSIP: return "resume_sip"
        }
    }

    static func describe(_ condition: Condition) -> String {
        switch condition {
        case .always: return "true"
        case .test(let t):
            let name = FieldCatalogue.name(of: t.field)
            switch t.op {
            case .equals(let v): return "\(name) in [\(v.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ","))]"
            case .prefix(let v): return "\(name) prefix [\(v.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ","))]"
            case .suffix(let v): return "\(name) suffix [\(v.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ","))]"
            case .contains(let v): return "\(name) contains [\(v.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ","))]"
            case .regex(let r): return "\(name) =~ /\(r.pattern)/"
            case .inRanges(let r): return "\(name) in [\(r.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ","))]"
            case .greater(let g): return "\(name) > \(g)"
            case .less(let l): return "\(name) < \(l)"
            case .inNetworks(let n): return "\(name) in [\(n.map(\.description).joined(separator: ","))]"
            case .exists(let e): return e ? "exists \(name)" : "absent \(name)"
            }
        case .all(let p): return "(" + p.map(describe).joined(separator: " and ") + ")"
        case .any(let p): return "(" + p.map(describe).joined(separator: " or ") + ")"
        case .not(let c): return "not " + describe(c)
        }
    }
}
