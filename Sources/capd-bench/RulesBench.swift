import HEP
import Rules
#if canImport(Glibc)
import Glibc
#endif

/// ns per rule evaluation for 10, 100 and 1000 rules (conditions on method, IPs, ports, headers): the compiled
/// tree next to the linear interpreter, in the same run. Subjects are synthetic (field values pre-split), so
/// the figures are rule-evaluation cost without SIP parsing.
func rulesBench(_ arguments: [String]) throws {
    let iterations = arguments.first.flatMap { Int($0) } ?? 200_000
    print("rules: ns per evaluation of route main (tree vs linear interpreter), \(iterations) evaluations each")
    var results: [Int: (tree: Double, linear: Double)] = [:]
    for count in [10, 100, 1000] {
        let yaml = RulesBenchData.config(rules: count)
        let result = ConfigLoader.load(text: yaml, path: "bench-\(count).yaml")
        guard let config = result.config, let main = config.program.mainRoute else {
            print(result.rendered)
            return
        }
        let packets = RulesBenchData.packets()
        var scratch = config.program.makeScratch()
        var executor = CountingExecutor<BenchSubject>()
        let linearIterations = max(1_000, iterations / (count / 10))
        let tree = measure(iterations) { i in
            var subject = packets[i % packets.count]
            _ = config.program.evaluate(route: main, subject: &subject, executor: &executor, scratch: &scratch)
        }
        let linear = measure(linearIterations) { i in
            var subject = packets[i % packets.count]
            _ = config.program.evaluateLinear(route: main, subject: &subject, executor: &executor)
        }
        results[count] = (tree, linear)
        print("  \(pad(count, 5)) rules: tree \(fixed(tree)) ns   linear \(fixed(linear)) ns   speed-up \(fixed(linear / tree))x")
    }
    try fullPathBench(iterations: iterations)
    if let ten = results[10], let hundred = results[100], let thousand = results[1000] {
        print("  targets: 100 rules <= 1000 ns: \(hundred.tree <= 1000 ? "yes" : "NO") (\(fixed(hundred.tree)) ns); "
              + "1000 rules <= 2x 10 rules: \(thousand.tree <= 2 * ten.tree ? "yes" : "NO") (\(fixed(thousand.tree / ten.tree))x); "
              + "1000 rules >= 10x faster than linear: \(thousand.linear >= 10 * thousand.tree ? "yes" : "NO") (\(fixed(thousand.linear / thousand.tree))x)")
    }
}

private func fixed(_ value: Double) -> String {
    let scaled = (value * 10).rounded() / 10
    return String(scaled)
}

private func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

private func measure(_ iterations: Int, _ body: (Int) -> Void) -> Double {
    for i in 0..<min(iterations, 1_000) { body(i) }   // warm-up
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    for i in 0..<iterations { body(i) }
    clock_gettime(CLOCK_MONOTONIC, &end)
    let ns = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
    return ns / Double(iterations)
}

/// Counts actions without allocating.
private struct CountingExecutor<Subject: RuleSubject>: RuleExecutor {
    var matches = 0
    var actions = 0
    mutating func ruleMatched(_ rule: RuleRef) { matches &+= 1 }
    mutating func perform(_ action: RuleAction, rule: RuleRef, subject: inout Subject) -> Bool {
        actions &+= 1
        return true
    }
}

struct BenchSubject: RuleSubject {
    var method: [UInt8]
    var customer: [UInt8]
    var userAgent: [UInt8]
    var callID: [UInt8]
    var srcIP: IPAddress
    var dstIP: IPAddress
    var srcPort: Int
    var dstPort: Int

    func bytes(_ field: Field) -> ArraySlice<UInt8>? {
        switch field {
        case .sipMethod: return method[...]
        case .sipCallID: return callID[...]
        case .sipUserAgent: return userAgent[...]
        case .sipHeader(let name) where name.lowercased == BenchSubject.customerHeader: return customer[...]
        default: return nil
        }
    }
    func integer(_ field: Field) -> Int? {
        switch field {
        case .srcPort: return srcPort
        case .dstPort: return dstPort
        case .hepProtoType: return 1
        default: return nil
        }
    }
    func ip(_ field: Field) -> IPAddress? {
        switch field {
        case .srcIP: return srcIP
        case .dstIP: return dstIP
        default: return nil
        }
    }
    static let customerHeader = Array("x-customer".utf8)
}

enum RulesBenchData {
    static let methods = ["INVITE", "REGISTER", "BYE", "CANCEL", "SUBSCRIBE", "NOTIFY", "MESSAGE", "INFO"]

    static func config(rules: Int) -> String {
        var yaml = "routes:\n  main:\n    - name: keepalives\n      when: { sip.method: OPTIONS }\n      do: [drop]\n"
        for i in 0..<(rules - 2) {
            let method = methods[i % methods.count]
            let net = "10.\(i / 256 % 256).\(i % 256).0/24"
            let host = "172.16.\(i / 256 % 256).\(i % 256)"
            let port = 5060 + i % 200
            yaml += "    - name: r\(i)\n      when: { "
            switch i % 4 {
            case 0: yaml += "sip.method: \(method), src_ip: \(net)"
            case 1: yaml += "sip.method: \(method), dst_port: { range: \(port)-\(port + 2) }, sip.header.X-Customer: cust\(i)"
            case 2: yaml += "dst_ip: \(host), sip.header.X-Customer: { prefix: cust\(i)- }"
            default: yaml += "sip.header.X-Customer: cust\(i), src_port: \(port)"
            }
            yaml += " }\n      do: [{ capture: { table: t\(i % 7) } }, stop]\n"
        }
        yaml += "    - name: default\n      do: [capture]\n"
        return yaml
    }

    static func packets() -> [BenchSubject] {
        var out: [BenchSubject] = []
        for k in 0..<64 {
            let i = (k * 37) % 990
            out.append(BenchSubject(
                method: Array(methods[(k % 3 == 0 ? i : k) % methods.count].utf8),
                customer: Array((k % 2 == 0 ? "cust\(i)" : "cust\(i)-x").utf8),
                userAgent: Array("bench/1.0".utf8),
                callID: Array("call-\(k)@bench".utf8),
                srcIP: IPAddress(ipv4: UInt32(10) << 24 | UInt32(i / 256 % 256) << 16 | UInt32(i % 256) << 8 | 9),
                dstIP: IPAddress(ipv4: UInt32(172) << 24 | UInt32(16) << 16 | UInt32(i / 256 % 256) << 8 | UInt32(i % 256)),
                srcPort: 5060 + i % 200,
                dstPort: 5060 + (i + k) % 200))
        }
        return out
    }
}

/// HEP decode + SIP parse + 100-rule tree on the spec's INVITE (the per-packet cost the daemon pays).
private func fullPathBench(iterations: Int) throws {
    let path = "../shared/spec/examples/hep3_sip_invite_ipv4_udp.bin"
    guard let file = fopen(path, "rb") ?? fopen("/work/shared/spec/examples/hep3_sip_invite_ipv4_udp.bin", "rb") else {
        print("  (full path skipped: \(path) not found)")
        return
    }
    var bytes = [UInt8](repeating: 0, count: 65_536)
    let n = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
    fclose(file)
    bytes.removeSubrange(n...)
    let yaml = RulesBenchData.config(rules: 100).replacingFirstRule(with: "sip.header.P-Asserted-Identity: { prefix: \"<sip:+1555\" }, sip.method: INVITE")
    guard let config = ConfigLoader.load(text: yaml).config, let main = config.program.mainRoute else { return }
    var scratch = config.program.makeScratch()
    var executor = CountingExecutor<SIPSubject>()
    let decodeOnly = measure(iterations) { _ in
        if let packet = try? HEPPacket.decode(bytes), let sip = try? SIPMessage(parsing: packet.payload) {
            executor.actions &+= sip.callID?.count ?? 0
        }
    }
    let full = measure(iterations) { _ in
        guard let packet = try? HEPPacket.decode(bytes), let sip = try? SIPMessage(parsing: packet.payload) else { return }
        var subject = SIPSubject(packet: packet, sip: sip)
        _ = config.program.evaluate(route: main, subject: &subject, executor: &executor, scratch: &scratch)
    }
    print("  INVITE example, 100 rules: decode+parse \(fixed(decodeOnly)) ns, decode+parse+rules \(fixed(full)) ns "
          + "(rules incl. SIP field access \(fixed(full - decodeOnly)) ns; matched \(executor.matches > 0 ? "yes" : "no"))")
}

private extension String {
    /// Puts `condition` into the keep-alive rule so the INVITE matches something besides the default rule.
    func replacingFirstRule(with condition: String) -> String {
        guard let range = self.firstRange(of: "when: { sip.method: OPTIONS }\n      do: [drop]") else { return self }
        return self.replacingCharacters(in: range, with: "when: { \(condition) }\n      do: [{ capture: { table: pai } }]")
    }
}

/// A cut-down version of the daemon's subject: HEP header fields and the SIP view.
private struct SIPSubject: RuleSubject {
    var packet: HEPPacket
    var sip: SIPMessage

    func bytes(_ field: Field) -> ArraySlice<UInt8>? {
        switch field {
        case .sipMethod: return sip.method
        case .sipCallID: return sip.callID
        case .sipUserAgent: return sip.userAgent
        case .sipFromUser: return sip.fromUser
        case .sipHeader(let name): return sip.header(name.sipName)
        case .hepCorrelationID: return packet.correlationID
        default: return nil
        }
    }
    func integer(_ field: Field) -> Int? {
        switch field {
        case .srcPort: return Int(packet.sourcePort)
        case .dstPort: return Int(packet.destinationPort)
        case .hepProtoType: return Int(packet.protoType)
        default: return nil
        }
    }
    func ip(_ field: Field) -> IPAddress? {
        switch field {
        case .srcIP: return packet.sourceIP
        case .dstIP: return packet.destinationIP
        default: return nil
        }
    }
}
