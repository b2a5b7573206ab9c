import HEP

extension ConfigParser {
    /// Loads the main file (from disk, or `text` when given), its includes, validates everything, and compiles.
    mutating func load(path: String, text: String?) -> Config? {
        let source = text ?? Self.readFile(path)
        guard let root = parseFile(path: path, text: source, includedFrom: nil) else { return nil }
        includeStack = [Self.canonicalPath(path)]
        configDirectory = Self.directory(of: path)
        guard let top = fields(root, allowed: Self.topLevelKeys, context: "the configuration") else { return nil }

        var capture = CaptureSettings()
        var store = StoreSettings()
        var admin = AdminSettings()
        var listen: [Endpoint] = []
        var tcp = TCPSettings()
        var raw: RawSettings?
        var authKey: String?
        if let p = top["capture"] { parseCapture(p.value, into: &capture) }
        if let p = top["listen"] { listen = parseListen(p.value) }
        do {
            var resolve: [String: [IPAddress]] = [:]
            for endpoint in listen where resolve[endpoint.host] == nil { resolve[endpoint.host] = addresses(of: endpoint.host) }
            relayLoopCheck = RelayLoopCheck(listen: listen, resolver: resolver, resolve: { resolve[$0] ?? [] })
        }
        if let p = top["tcp"] { parseTCP(p.value, into: &tcp) }
        let tls = top["tls"].flatMap { parseTLS($0.value, baseDirectory: configDirectory) }
        checkTLSListeners(listen, tls: tls, section: top["tls"], listenNode: top["listen"]?.value)
        if let p = top["auth_key"] { authKey = string(p.value, "auth_key") }
        if let p = top["raw"] { raw = parseRaw(p.value) }
        if let p = top["store"] { parseStore(p.value, into: &store) }
        if let p = top["relay"] { parseRelayTargets(p.value) }
        if let p = top["admin"] { parseAdmin(p.value, into: &admin) }

        collectRuleSections(top, baseDirectory: Self.directory(of: path))

        let routes = parseRoutes()
        var hepRoute: HEPRouteMode = .sip
        var hepRouteIndex: Int?
        if let p = top["hep_route"], let v = string(p.value, "hep_route") {
            switch v.lowercased() {
            case "none": hepRoute = .none
            case "sip": hepRoute = .sip
            default:
                if let index = routeDefs.firstIndex(where: { $0.name == v }) {
                    if v == "main" {
                        hepRoute = .sip
                    } else {
                        hepRoute = .route(index)
                        hepRouteIndex = index
                    }
                } else {
                    error(p.value.mark, "hep_route '\(v)' is not none, sip or a defined route" + Suggest.didYouMean(v, routeDefs.map(\.name) + ["none", "sip"]))
                }
            }
        }
        let mainIndex = routeDefs.firstIndex { $0.name == "main" }
        if mainIndex == nil && (hepRoute != .none || raw != nil) {
            error(top["routes"]?.key.mark ?? root.mark, "no route named 'main' (HEP packets with hep_route \(hepRoute == .sip ? "sip" : "NAME") and raw capture enter it)")
        }
        checkRoutes(routes, main: mainIndex, hepRoute: hepRouteIndex)
        if hasErrors { return nil }

        var config = Config(program: RuleProgram(routes: routes.map { ($0.name, $0.rules) }), path: path)
        config.capture = capture
        config.listen = listen
        config.tcp = tcp
        config.tls = tls
        config.authKey = authKey
        config.raw = raw
        config.store = store
        config.relay = relayTargets
        config.relayGroups = relayGroups
        config.admin = admin
        config.hepRoute = hepRoute
        return config
    }

    /// Gathers `lists` and `routes` of this file and, recursively, of its `include:` files.
    mutating func collectRuleSections(_ top: [String: YAMLPair], baseDirectory: String) {
        if let p = top["lists"] {
            if case .mapping(let pairs) = p.value.kind {
                for pair in pairs {
                    guard let name = pair.key.scalar else { continue }
                    if let existing = lists[name] {
                        error(pair.key.mark, "list '\(name)' is already defined at \(files.path(existing.mark)):\(existing.mark.line):\(existing.mark.column)")
                        continue
                    }
                    if case .mapping = pair.value.kind {
                        error(pair.value.mark, "list '\(name)' must be a list of values, found a mapping")
                        continue
                    }
                    lists[name] = ListDef(node: pair.value, mark: pair.key.mark)
                }
            } else if !p.value.isNull {
                error(p.value.mark, "expected a mapping of named lists, found \(p.value.kindName)")
            }
        }
        if let p = top["routes"] {
            if case .mapping(let pairs) = p.value.kind {
                for pair in pairs {
                    guard let name = pair.key.scalar else { continue }
                    if let existing = routeDefs.first(where: { $0.name == name }) {
                        error(pair.key.mark, "route '\(name)' is already defined at \(files.path(existing.mark)):\(existing.mark.line):\(existing.mark.column)")
                        continue
                    }
                    if name.lowercased() == "none" || name.lowercased() == "sip" {
                        error(pair.key.mark, "'\(name)' is reserved for hep_route and cannot name a route")
                        continue
                    }
                    routeDefs.append(RouteDef(name: name, node: pair.value, mark: pair.key.mark))
                }
            } else if !p.value.isNull {
                error(p.value.mark, "expected a mapping of routes, found \(p.value.kindName)")
            }
        }
        if let p = top["include"] {
            for item in items(p.value) where !item.isNull {
                guard let relative = string(item, "include") else { continue }
                let path = relative.hasPrefix("/") ? relative : baseDirectory + "/" + relative
                let canonical = Self.canonicalPath(path)
                if includeStack.contains(canonical) {
                    error(item.mark, "include cycle: '\(relative)' is already being included")
                    continue
                }
                if includeStack.count > 16 { error(item.mark, "includes nested deeper than 16 levels"); continue }
                guard let root = parseFile(path: path, text: Self.readFile(path), includedFrom: item.mark) else { continue }
                guard let included = fields(root, allowed: ["lists", "routes", "include"], context: "an included rule file") else { continue }
                includeStack.append(canonical)
                collectRuleSections(included, baseDirectory: Self.directory(of: path))
                includeStack.removeLast()
            }
        }
    }

    struct ParsedRoute {
        var name: String
        var rules: [RuleProgram.Rule]
    }

    mutating func parseRoutes() -> [ParsedRoute] {
        var result: [ParsedRoute] = []
        for (index, def) in routeDefs.enumerated() {
            var rules: [RuleProgram.Rule] = []
            guard case .sequence(let items) = def.node.kind else {
                if !def.node.isNull { error(def.node.mark, "route '\(def.name)' must be a list of rules, found \(def.node.kindName)") }
                result.append(ParsedRoute(name: def.name, rules: []))
                continue
            }
            for item in items {
                guard let f = fields(item, allowed: ["name", "when", "do"], context: "a rule") else { continue }
                if case .scalar = item.kind { continue }
                var name: String?
                if let p = f["name"] { name = string(p.value, "rule name") }
                var condition: Condition? = .always
                if let p = f["when"] { condition = parseWhen(p.value) }
                var actions: [RuleAction]?
                if let p = f["do"] { actions = parseActions(p.value, route: index) } else { error(item.mark, "rule has no 'do' actions") }
                if let condition, let actions {
                    rules.append(RuleProgram.Rule(name: name, mark: item.mark, condition: condition, actions: actions))
                }
            }
            result.append(ParsedRoute(name: def.name, rules: rules))
        }
        return result
    }
}
