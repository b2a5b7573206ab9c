import HEP
import Tables
import TLS

extension ConfigParser {
    static let topLevelKeys = ["capture", "listen", "tcp", "tls", "auth_key", "raw", "store", "relay", "admin", "hep_route",
                               "lists", "routes", "include"]

    mutating func parseCapture(_ node: YAMLNode, into settings: inout CaptureSettings) {
        guard let f = fields(node, allowed: ["enabled", "node"], context: "capture") else { return }
        if let p = f["enabled"], let v = bool(p.value, "capture.enabled") { settings.enabled = v }
        if let p = f["node"], let v = string(p.value, "capture.node") {
            if v.isEmpty || v.utf8.count > 100 { error(p.value.mark, "capture.node must be 1...100 characters") }
            settings.node = v
        }
    }

    mutating func parseListen(_ node: YAMLNode) -> [Endpoint] {
        var result: [Endpoint] = []
        for item in items(node) where !item.isNull {
            guard let text = string(item, "listen") else { continue }
            guard let endpoint = Endpoint(url: text) else {
                error(item.mark, "invalid listen address '\(text)' (expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT)")
                continue
            }
            if result.contains(endpoint) { warning(item.mark, "duplicate listener \(endpoint)") }
            result.append(endpoint)
        }
        return result
    }

    mutating func parseRaw(_ node: YAMLNode) -> RawSettings? {
        guard let f = fields(node, allowed: ["mode", "interface", "promiscuous", "promiscious", "readers", "ports", "buffer_mb"],
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
        if let p = f["buffer_mb"], let v = integer(p.value, "raw.buffer_mb", in: 1...2_047) { raw.bufferMegabytes = v }
        if let p = f["ports"] {
            for item in items(p.value) { if let r = portRange(item, "raw.ports") { raw.ports.append(r) } }
        }
        if raw.mode == .mirror && raw.interface == nil {
            error(node.mark, "raw capture in mirror mode needs raw.interface")
        }
        return raw
    }

    mutating func parseStore(_ node: YAMLNode, into store: inout StoreSettings) {
        let allowed = ["url", "schema", "partition", "table", "report_table", "batch_rows", "flush_ms", "max_in_flight",
                       "spool", "spool_max_bytes", "retention_days"] + Self.storeShardKeys
        guard let f = fields(node, allowed: allowed, context: "store") else { return }
        parseStoreShards(f, into: &store)
        if let p = f["url"], let v = string(p.value, "store.url") {
            if v.hasPrefix("sqlite://") {
                if v.count == "sqlite://".count { error(p.value.mark, "store.url: sqlite:// needs a file path") }
            } else if !(v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") || v.contains("=")) {
                error(p.value.mark, "store.url must be sqlite://PATH, postgres://USER:PASS@HOST:PORT/DB or a libpq key=value string")
            }
            store.url = v
        }
        if let p = f["schema"], let v = string(p.value, "store.schema") {
            if let s = SchemaFlavour(rawValue: v) { store.schema = s } else {
                error(p.value.mark, "store.schema must be homer5 or homer7, found '\(v)'")
            }
        }
        if let p = f["partition"], let v = string(p.value, "store.partition") {
            if let partition = TablePartitioning(rawValue: v) {
                store.partition = partition
                // (A url left to its default may still come from `--store`; the store checks the final one.)
                if store.partitionsHomerFiveByDay, (f["url"] != nil && store.url.hasPrefix("sqlite://"))
                    || store.shards.contains(where: { $0.hasPrefix("sqlite://") }) {
                    error(p.value.mark, TablePartitioning.dayNeedsPostgreSQL)
                }
                if partition == .none, store.schema == .homer7 {
                    error(p.value.mark, "store.partition: none does not apply to schema homer7 (its tables are always partitioned by day)")
                }
            } else {
                error(p.value.mark, "store.partition must be none or day, found '\(v)'")
            }
        }
        if let p = f["table"], let t = tableTemplate(p.value, "store.table") { store.table = t }
        if let p = f["report_table"], let t = tableTemplate(p.value, "store.report_table") { store.reportTable = t }
        if let p = f["batch_rows"], let v = integer(p.value, "store.batch_rows", in: 1...1_000_000) { store.batchRows = v }
        if let p = f["flush_ms"], let v = integer(p.value, "store.flush_ms", in: 1...600_000) { store.flushMilliseconds = v }
        if let p = f["max_in_flight"], let v = integer(p.value, "store.max_in_flight", in: 1...64) { store.maxInFlight = v }
        if let p = f["spool"], let v = string(p.value, "store.spool") { store.spool = v }
        if let p = f["spool_max_bytes"], let v = byteSize(p.value, "store.spool_max_bytes", in: 1_048_576...(1 << 50)) {
            store.spoolMaxBytes = v
        }
        if let p = f["retention_days"], let v = integer(p.value, "store.retention_days", in: 0...36_500) { store.retentionDays = v }
    }

    mutating func parseRelayTargets(_ node: YAMLNode) {
        guard case .mapping(let pairs) = node.kind else {
            if !node.isNull { error(node.mark, "expected a mapping of relay targets, found \(node.kindName)") }
            return
        }
        for pair in pairs {
            guard let name = pair.key.scalar else { continue }
            if relayTargets[name] != nil || relayGroups[name] != nil { error(pair.key.mark, "duplicate relay target '\(name)'"); continue }
            if isRelayGroup(pair.value) {
                if let group = relayGroup(pair.value, name: name) { relayGroups[name] = group }
                continue
            }
            if let target = relayTarget(pair.value, name: name) { relayTargets[name] = target }
        }
    }

    /// The addresses of `host`, resolved once per load (the loop check and the relay use the same answer).
    mutating func addresses(of host: String) -> [IPAddress] {
        if let known = resolvedHosts[host] { return known }
        let addresses = resolver.resolve(host).map(\.unmapped)
        resolvedHosts[host] = addresses
        return addresses
    }

    /// `udp://HOST:PORT` or `{ to: URL, version: 1|2|3 }`; a `tls://` target may add `ca`, `cert`, `key`,
    /// `min_version` (ConfigParser+TLS).
    mutating func relayTarget(_ node: YAMLNode, name: String?) -> RelayTarget? {
        var urlNode = node
        var version = 3
        var tlsFields: [String: YAMLPair] = [:]
        if case .mapping = node.kind {
            guard let f = fields(node, allowed: ["to", "version"] + Self.relayTLSKeys, context: "relay target") else { return nil }
            tlsFields = f
            guard let to = f["to"] else { error(node.mark, "relay target needs 'to: udp://HOST:PORT'"); return nil }
            urlNode = to.value
            if let p = f["version"] {
                guard let v = integer(p.value, "relay version", in: 1...3) else { return nil }
                version = v
            }
        }
        guard let text = string(urlNode, "relay target") else { return nil }
        guard let url = Endpoint(url: text) else {
            error(urlNode.mark, "invalid relay URL '\(text)' (expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT)")
            return nil
        }
        let transport = url.transport
        if transport != .udp && version < 3 {
            error(node.mark, "HEP over \(transport.rawValue.uppercased()) needs version 3 (HEPv\(version) is UDP only)")
            return nil
        }
        var tls: TLSClientFiles?
        if transport == .tls {
            tlsFields["to"] = tlsFields["to"] ?? YAMLPair(key: urlNode, value: urlNode)
            guard let files = relayTLSFiles(tlsFields, baseDirectory: configDirectory) else { return nil }
            tls = files
        } else if let extra = Self.relayTLSKeys.first(where: { tlsFields[$0] != nil }), let pair = tlsFields[extra] {
            error(pair.key.mark, "'\(extra)' applies to tls:// relay targets only")
            return nil
        }
        let addresses = addresses(of: url.host)
        guard let address = addresses.first else {
            error(urlNode.mark, "relay host '\(url.host)' does not resolve to an IP address")
            return nil
        }
        if let listener = relayLoopCheck?.listener(reachedBy: url, addresses: addresses) {
            error(urlNode.mark, "relay target '\(text)' is one of capd's own listeners (\(listener)): every packet would loop")
            return nil
        }
        var target = RelayTarget(name: name ?? text, endpoint: url, version: version, address: address)
        target.tls = tls
        return target
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
        guard let listen = try? Endpoint(parsing: text, schemes: [:], bare: .tcp), listen.port != 0 else {
            error(p.value.mark, "invalid admin.listen '\(text)' (expected HOST:PORT, e.g. 127.0.0.1:9096)")
            return
        }
        admin.listen = listen
        if !admin.isLoopback && admin.token == nil {
            warning(p.value.mark, "admin.listen \(text) is not a loopback address and admin.token is not set: anyone who can reach it can switch capture off and reload (set admin.token)")
        }
    }

    /// A table name with optional strftime conversions (`TableTemplate(validating:)`: every name it expands to
    /// over a year must be a table name for SQLite and PostgreSQL). `capd run` loads the file the same way.
    mutating func tableTemplate(_ node: YAMLNode, _ what: String) -> TableTemplate? {
        guard let text = string(node, what) else { return nil }
        if text.contains("${") {
            error(node.mark, "\(what) cannot use ${...} fields (only strftime conversions such as %Y%m%d)")
            return nil
        }
        do {
            return try TableTemplate(validating: text)
        } catch {
            self.error(node.mark, "\(what) \(error)")
            return nil
        }
    }
}

extension ConfigParser {
    /// A byte count: `1073741824`, or a number with a unit (`512MiB`, `4GiB`, `2GB`, `100KiB`).
    mutating func byteSize(_ node: YAMLNode, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard let scalar = node.scalar, let value = Self.parseByteSize(String(Substring(scalar).trimmingSpaces)) else {
            error(node.mark, "expected a size for \(what) (bytes, or a number with B, KiB, MiB, GiB, TiB, KB, MB, GB, TB), found \(node.scalar.map { "'\($0)'" } ?? node.kindName)")
            return nil
        }
        return checked(value, in: range, node, what, unit: " bytes")
    }

    static func parseByteSize(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
                                      ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let n = Int(text.dropLast(suffix.count).trimmingSpaces) else { return nil }
            let (product, overflow) = n.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return Int(text)
    }
}
