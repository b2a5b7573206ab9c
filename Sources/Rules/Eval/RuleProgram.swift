/// Validated routes, each with its compiled decision tree.
public struct RuleProgram: Sendable {
    public struct Rule: Sendable {
        public var name: String?
        public var mark: SourceMark
        public var condition: Condition
        public var actions: [RuleAction]
    }
    public struct Route: Sendable {
        public var name: String
        public var rules: [Rule]
        @usableFromInline var tree: RouteTree
    }
    public private(set) var routes: [Route]
    /// Index of `main`, if defined.
    public let mainRoute: Int?
    /// Bit-set words per route in `RuleScratch` (offset, count).
    @usableFromInline let scratchLayout: [(offset: Int, count: Int)]
    @usableFromInline let scratchWords: Int

    init(routes: [(name: String, rules: [Rule])]) {
        var compiled: [Route] = []
        var layout: [(Int, Int)] = []
        var offset = 0
        for route in routes {
            let words = (route.rules.count + 63) / 64
            layout.append((offset, words))
            offset += words
            compiled.append(Route(name: route.name, rules: route.rules, tree: RouteTree(rules: route.rules)))
        }
        self.routes = compiled
        self.scratchLayout = layout
        self.scratchWords = offset
        self.mainRoute = compiled.firstIndex { $0.name == "main" }
    }

    public func routeIndex(named name: String) -> Int? { routes.firstIndex { $0.name == name } }

    /// "main/registrations", or "main#3" (1-based) for unnamed rules.
    public func ruleName(_ ref: RuleRef) -> String {
        guard routes.indices.contains(ref.route), routes[ref.route].rules.indices.contains(ref.rule) else { return "?" }
        let route = routes[ref.route]
        return route.name + (route.rules[ref.rule].name.map { "/" + $0 } ?? "#\(ref.rule + 1)")
    }

    /// Reusable evaluation state: allocate once per thread, pass to every `evaluate`.
    public func makeScratch() -> RuleScratch { RuleScratch(words: scratchWords) }
}

/// Per-thread buffers for tree evaluation (one bit set per route), so evaluation does not allocate.
public struct RuleScratch: Sendable {
    @usableFromInline var bits: [UInt64]
    init(words: Int) { bits = Array(repeating: 0, count: max(words, 1)) }
}
