import HEP

extension ConfigParser {
    static let topLevelKeys = ["capture", "listen", "auth_key", "raw", "store", "relay", "admin", "hep_route",
                               "lists", "routes", "include"]

    mutating func parseCapture(_ node: YAMLNode, into settings: inout CaptureSettings) {
        guard let f = fields(node, allowed: ["enabled", "node"], context: "capture") else { return }
        if let p = f["enabled"], let v = bool(p.value, "capture.enabled") { settings.enabled = v }
        if let p = f["node"], let v = string(p.value, "capture.node") {
            if v.isEmpty || v.utf8.count > 100 { error(p.value.mark, "capture.node must be 1...100 characters") }
            settings.node = v
        }
    }

    mutating func parseListen(_ node: YAMLNode) -> [ListenEndpoint] {
        var result: [ListenEndpoint] = []
        for item in items(node) where !item.isNull {
            guard let text = string(item, "listen") else { continue }
            guard let url = EndpointURL.parse(text), let transport = ListenEndpoint.Transport(rawValue: url.scheme) else {
                error(item.mark, "invalid listen address '\(text)' (expected udp://HOST:PORT or tcp://HOST:PORT)")
                continue
            }
            let endpoint = ListenEndpoint(transport: transport, host: url.host, port: url.port)
            if result.contains(endpoint) { warning(item.mark, "duplicate listener \(endpoint)") }
            result.append(endpoint)
        }
        return result
    }

    mutating func parseRaw(_ node: YAMLNode) -> RawSettings? {
        guard let f = fields(node, allowed: ["mode", "interface", "promiscuous", "promiscious", "readers", "ports"],
                             context: "raw") else { return nil }
        var raw = RawSettings()
        if let p = f["mode"], let v = string(p.value, "raw.mode") {
            if let mode = RawSettings.Mode(rawValue: v) { raw.mode = mode } else {
                error(p.value.mark, "raw.mode must be mirror or ipip, found '\(v)'" + Suggest.didYouMean(v, ["mirror", "ipip"]))
            }
        }
        if let p = f["interface"], let v = string(p.value, "raw.interface") { raw.interface = v }
        if let p = f["promiscuous"] ?? f["promiscious"], let v = bool(p.value, "raw.promiscuous") { raw.promiscuous = v }
        if let p = f["readers"], let v = integer(p.value, "raw.readers", in: 1...64) { raw.readers = v }
        if let p = f["ports"] {
            for item in items(p.value) { if let r = portRange(item, "raw.ports") { raw.ports.append(r) } }
        }
        if raw.mode == .mirror && raw.interface == nil {
            error(node.mark, "raw capture in mirror mode needs raw.interface")
        }
        return raw
    }

    mutating func parseStore(_ node: YAMLNode, into store: inout StoreSettings) {
        let allowed = ["url", "schema", "table", "report_table", "batch_rows", "flush_ms", "max_in_flight", "spool",
                       "retention_days"]
        guard let f = fields(node, allowed: allowed, context: "store") else { return }
        if let p = f["url"], let v = string(p.value, "store.url") {
            if v.hasPrefix("sqlite://") {
                if v.count == "sqlite://".count { error(p.value.mark, "store.url: sqlite:// needs a file path") }
            } else if !(v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") || v.contains("=")) {
                error(p.value.mark, "store.url must be sqlite://PATH, postgres://USER:PASS@HOST:PORT/DB or a libpq key=value string")
            }
            store.url = v
        }
        if let p = f["schema"], let v = string(p.value, "store.schema") {
            if let s = StoreSettings.Schema(rawValue: v) { store.schema = s } else {
                error(p.value.mark, "store.schema must be homer5 or homer7, found '\(v)'")
            }
        }
        if let p = f["table"], let t = tableTemplate(p.value, "store.table") { store.table = t }
        if let p = f["report_table"], let t = tableTemplate(p.value, "store.report_table") { store.reportTable = t }
        if let p = f["batch_rows"], let v = integer(p.value, "store.batch_rows", in: 1...1_000_000) { store.batchRows = v }
        if let p = f["flush_ms"], let v = integer(p.value, "store.flush_ms", in: 1...600_000) { store.flushMilliseconds = v }
        if let p = f["max_in_flight"], let v = integer(p.value, "store.max_in_flight", in: 1...64) { store.maxInFlight = v }
        if let p = f["spool"], let v = string(p.value, "store.spool") { store.spool = v }
        if let p = f["retention_days"], let v = integer(p.value, "store.retention_days", in: 0...36_500) { store.retentionDays = v }
    }

    mutating func parseRelayTargets(_ node: YAMLNode) {
        guard case .mapping(let pairs) = node.kind else {
            if !node.isNull { error(node.mark, "expected a mapping of relay targets, found \(node.kindName)") }
            return
        }
        for pair in pairs {
            guard let name = pair.key.scalar else { continue }
            if relayTargets[name] != nil { error(pair.key.mark, "duplicate relay target '\(name)'"); continue }
            if let target = relayTarget(pair.value, name: name) { relayTargets[name] = target }
        }
    }

    /// `udp://HOST:PORT` or `{ to: URL, version: 1|2|3 }`.
    mutating func relayTarget(_ node: YAMLNode, name: String?) -> RelayTarget? {
        var urlNode = node
        var version = 3
        if case .mapping = node.kind {
            guard let f = fields(node, allowed: ["to", "version"], context: "relay target") else { return nil }
            guard let to = f["to"] else { error(node.mark, "relay target needs 'to: udp://HOST:PORT'"); return nil }
            urlNode = to.value
            if let p = f["version"] {
                guard let v = integer(p.value, "relay version", in: 1...3) else { return nil }
                version = v
            }
        }
        guard let text = string(urlNode, "relay target") else { return nil }
        guard let url = EndpointURL.parse(text), let transport = RelayTarget.Transport(rawValue: url.scheme) else {
            error(urlNode.mark, "invalid relay URL '\(text)' (expected udp://HOST:PORT or tcp://HOST:PORT)")
            return nil
        }
        if transport == .tcp && version < 3 {
            error(node.mark, "HEP over TCP needs version 3 (HEPv\(version) is UDP only)")
            return nil
        }
        return RelayTarget(name: name ?? text, transport: transport, host: url.host, port: url.port, version: version)
    }

    mutating func parseAdmin(_ node: YAMLNode, into admin: inout AdminSettings) {
        guard let f = fields(node, allowed: ["listen", "token"], context: "admin") else { return }
        if let t = f["token"], let token = string(t.value, "admin.token") {
            if token.isEmpty || token.contains(where: { $0.isWhitespace || !$0.isASCII }) {
                error(t.value.mark, "admin.token must be non-empty printable ASCII without spaces")
            } else {
                admin.token = token
            }
        }
        guard let p = f["listen"] else { return }
        if case .scalar(let text, _) = p.value.kind, ["off", "false", "no", "none"].contains(text.lowercased()) {
            admin.enabled = false
            return
        }
        guard let text = string(p.value, "admin.listen") else { return }
        guard let url = EndpointURL.parse("http://" + text) else {
            error(p.value.mark, "invalid admin.listen '\(text)' (expected HOST:PORT, e.g. 127.0.0.1:9096)")
            return
        }
        admin.host = url.host
        admin.port = url.port
        if !admin.isLoopback && admin.token == nil {
            warning(p.value.mark, "admin.listen \(text) is not a loopback address and admin.token is not set: anyone who can reach it can switch capture off and reload (set admin.token)")
        }
    }

    /// A literal table name with optional strftime conversions; must expand to `[A-Za-z0-9_]+`.
    mutating func tableTemplate(_ node: YAMLNode, _ what: String) -> TableTemplate? {
        guard let text = string(node, what) else { return nil }
        if text.contains("${") {
            error(node.mark, "\(what) cannot use ${...} fields (only strftime conversions such as %Y%m%d)")
            return nil
        }
        guard let expanded = TableNames.expand(text, epochSeconds: 1_764_331_200) else {
            error(node.mark, "\(what) '\(text)' does not expand with strftime")
            return nil
        }
        guard TableNames.isValid(expanded) else {
            error(node.mark, "\(what) '\(text)' expands to '\(expanded)', which is not a valid table name ([A-Za-z0-9_]+, at most 63 characters)")
            return nil
        }
        return TableTemplate(template: text)
    }
}

/// `scheme://host:port` with IPv6 in brackets.
struct EndpointURL {
    var scheme: String
    var host: String
    var port: UInt16

    static func parse(_ text: String) -> EndpointURL? {
        guard let parsed = try? HostPort(parsing: text), let scheme = parsed.scheme else { return nil }
        let host = parsed.host
        if parsed.isBracketed {
            guard IPAddress(host) != nil, host.contains(":") else { return nil }
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ FieldCatalogue.isTokenByte($0) || $0 == UInt8(ascii: ":") }),
              parsed.port != 0 else { return nil }
        return EndpointURL(scheme: scheme.lowercased(), host: host, port: parsed.port)
    }
}
