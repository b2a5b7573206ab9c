import Affinity

extension ConfigParser {
    static let relayGroupKeys = ["to", "hash", "version", "check", "check_port"]

    /// A `relay:` entry is a group when its `to` is a list or it names a `hash`.
    func isRelayGroup(_ node: YAMLNode) -> Bool {
        guard case .mapping(let pairs) = node.kind else { return false }
        for pair in pairs {
            if pair.key.scalar == "hash" { return true }
            if pair.key.scalar == "to", case .sequence = pair.value.kind { return true }
        }
        return false
    }

    /// `{ to: [URL, ...], hash: call_id|correlation_id|src_ip, version: 3, check: tcp|off, check_port: N }`.
    /// Every member is an ordinary relay target (same URL forms, same loop check against the listeners).
    mutating func relayGroup(_ node: YAMLNode, name: String) -> RelayGroup? {
        guard let f = fields(node, allowed: Self.relayGroupKeys, context: "relay group '\(name)'") else { return nil }
        guard let to = f["to"] else { error(node.mark, "relay group '\(name)' needs 'to: [udp://HOST:PORT, ...]'"); return nil }
        var hash = AffinityKey.callID
        if let p = f["hash"], let text = string(p.value, "relay group hash") {
            guard let key = AffinityKey(rawValue: text) else {
                let names = AffinityKey.allCases.map(\.rawValue)
                error(p.value.mark, "relay group hash must be one of \(names.joined(separator: ", ")), found '\(text)'"
                      + Suggest.didYouMean(text, names))
                return nil
            }
            hash = key
        }
        var version = 3
        if let p = f["version"] {
            guard let v = integer(p.value, "relay version", in: 1...3) else { return nil }
            version = v
        }
        var checkPort: UInt16?
        if let p = f["check_port"] {
            guard let v = integer(p.value, "relay group check_port", in: 1...65_535) else { return nil }
            checkPort = UInt16(v)
        }
        var check = RelayHealthCheck.tcpConnect(port: checkPort)
        if let p = f["check"], let text = string(p.value, "relay group check") {
            switch text.lowercased() {
            case "tcp": break
            case "off", "false", "no", "none":
                if checkPort != nil { error(p.value.mark, "relay group '\(name)': check_port has no effect with check: off") }
                check = .off
            default:
                error(p.value.mark, "relay group check must be tcp or off, found '\(text)'")
                return nil
            }
        }
        let diagnosticsBefore = diagnostics.count
        var members: [RelayTarget] = []
        for item in items(to.value) {
            guard let url = string(item, "relay group member") else { continue }
            guard var member = relayTarget(item, name: nil) else { continue }
            member.name = name + "/" + url
            member.version = version
            if member.endpoint.transport != .udp && version < 3 {
                let transport = member.endpoint.transport.rawValue.uppercased()
                error(item.mark, "HEP over \(transport) needs version 3 (HEPv\(version) is UDP only)")
                continue
            }
            if members.contains(where: { $0.url == member.url }) {
                error(item.mark, "relay group '\(name)' lists \(member.url) twice")
                continue
            }
            members.append(member)
        }
        guard !members.isEmpty else {
            if diagnostics.count == diagnosticsBefore { error(to.value.mark, "relay group '\(name)' needs at least one member") }
            return nil
        }
        if members.count == 1 {
            warning(to.value.mark, "relay group '\(name)' has one member: every packet goes to it")
        }
        return RelayGroup(name: name, members: members, hash: hash, check: check)
    }
}
