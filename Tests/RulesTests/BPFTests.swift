import CLibPcap
import Testing
@testable import Rules

/// The generated filter, compiled by libpcap and run with `pcap_offline_filter` on synthetic Ethernet frames,
/// passes every packet that some keeping rule (capture, report, relay) matches.
@Suite struct BPFTests {
    final class Filter {
        var program = bpf_program()
        init(_ expression: String) throws {
            guard let handle = pcap_open_dead(DLT_EN10MB, 65535) else { throw Failure() }
            defer { pcap_close(handle) }
            guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else { throw Failure() }
        }
        deinit { pcap_freecode(&program) }
        func passes(_ frame: [UInt8]) -> Bool {
            var header = pcap_pkthdr()
            header.caplen = UInt32(frame.count)
            header.len = UInt32(frame.count)
            return frame.withUnsafeBufferPointer { pcap_offline_filter(&program, &header, $0.baseAddress) != 0 }
        }
        struct Failure: Error {}
    }

    /// Ethernet + IPv4 or IPv6 + UDP or TCP + a small SIP-ish payload.
    static func frame(ipv6: Bool, tcp: Bool, src: Int, dst: Int) -> [UInt8] {
        func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
        let payload = Array("OPTIONS sip:a@b SIP/2.0\r\n\r\n".utf8)
        var l4 = be16(src) + be16(dst)
        if tcp {
            l4 += [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18] + be16(65535) + [0, 0, 0, 0]
        } else {
            l4 += be16(8 + payload.count) + [0, 0]
        }
        l4 += payload
        let proto: UInt8 = tcp ? 6 : 17
        var frame: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        if ipv6 {
            frame += [0x86, 0xdd, 0x60, 0, 0, 0] + be16(l4.count) + [proto, 64]
            frame += [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]
            frame += [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2]
        } else {
            frame += [0x08, 0x00, 0x45, 0] + be16(20 + l4.count) + [0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        }
        return frame + l4
    }

    /// Records whether a keeping action ran.
    struct KeepExecutor: RuleExecutor {
        var kept = false
        mutating func ruleMatched(_ rule: RuleRef) {}
        mutating func perform(_ action: RuleAction, rule: RuleRef, subject: inout SyntheticSubject) -> Bool {
            switch action {
            case .capture, .report, .relay: kept = true
            default: break
            }
            return true
        }
    }

    static let ports = [0, 1, 5059, 5060, 5061, 5070, 5080, 5090, 5091, 9060, 40000, 65535]

    static func portCondition(_ rng: inout SeededRNG, depth: Int = 0) -> String {
        if depth < 1 && rng.chance(15) {
            let kind = rng.pick(["any", "all"])
            return "\(kind): [{ \(portCondition(&rng, depth: 1)) }, { \(portCondition(&rng, depth: 1)) }]"
        }
        let field = rng.pick(["src_port", "dst_port"])
        switch rng.next() % 7 {
        case 0: return "\(field): \(rng.pick(ports))"
        case 1: return "\(field): [\(rng.pick(ports)), \(rng.pick(ports))]"
        case 2: return "\(field): { range: \(rng.pick(["5060-5070", "5080-5090", "0-1023", "9060-9060"])) }"
        case 3: return "\(field): { \(rng.pick(["gt", "lt", "ge", "le"])): \(rng.pick(ports)) }"
        case 4: return "sip.method: \(rng.pick(["INVITE", "OPTIONS"]))"
        case 5: return "not: { \(field): \(rng.pick(ports)) }"
        default: return "\(field): { in: sipports }"
        }
    }

    @Test func filterNeverExcludesAKeptPacket() throws {
        var rng = SeededRNG(seed: 0xB9F)
        var checked = 0, kept = 0, excluded = 0
        for _ in 0..<300 {
            var yaml = "lists:\n  sipports: [5060, 5061-5063]\n"
            if rng.chance(40) { yaml += "raw:\n  interface: lo\n  ports: \(rng.pick(["5060", "5060-5090", "9060"]))\n" }
            let routeCount = rng.chance(30) ? 2 : 1
            var bodies = ["", ""]
            for r in 0..<routeCount {
                for _ in 0..<(1 + Int(rng.next() % 5)) {
                    let conditions = (0..<(1 + Int(rng.next() % 2))).map { _ in Self.portCondition(&rng) }
                    var actions = [rng.pick(["capture", "{ report: { table: r } }", "{ relay: udp://127.0.0.1:9999 }", "drop", "stop", "{ dedup: 1s }"])]
                    if r == 0 && routeCount == 2 && rng.chance(30) { actions.insert("{ route: sub }", at: 0) }
                    bodies[r] += "    - when: { \(conditions.joined(separator: ", ")) }\n      do: [\(actions.joined(separator: ", "))]\n"
                }
            }
            if routeCount == 2 && !bodies[0].contains("route: sub") { bodies[0] += "    - do: [{ route: sub }]\n" }
            yaml += "routes:\n  main:\n" + bodies[0] + (routeCount == 2 ? "  sub:\n" + bodies[1] : "")
            let result = ConfigLoader.load(text: yaml)
            let config = try #require(result.config, "\(result.rendered)\n\(yaml)")
            let expression = BPFGenerator.expression(for: config)
            #expect(BPFGenerator.compileError(expression) == nil, "\(expression)")
            let filter = try Filter(expression)
            let main = try #require(config.program.mainRoute)
            for _ in 0..<40 {
                let src = rng.pick(Self.ports), dst = rng.pick(Self.ports)
                let ipv6 = rng.chance(30), tcp = rng.chance(40)
                var subject = SyntheticSubject()
                subject.integers[.srcPort] = src
                subject.integers[.dstPort] = dst
                if rng.chance(70) { subject.text[.sipMethod] = Array(rng.pick(["INVITE", "OPTIONS", "BYE"]).utf8) }
                var executor = KeepExecutor()
                _ = config.program.evaluateLinear(route: main, subject: &subject, executor: &executor)
                let passes = filter.passes(Self.frame(ipv6: ipv6, tcp: tcp, src: src, dst: dst))
                // raw.ports (raw_socket_listen) bounds what is captured at all; rules keep within it.
                let rawPorts = config.raw?.ports ?? []
                let captured = rawPorts.isEmpty || rawPorts.contains { $0.contains(UInt16(src)) || $0.contains(UInt16(dst)) }
                if executor.kept && captured {
                    kept += 1
                    #expect(passes, "kept packet \(src)->\(dst) excluded by \(expression)\n\(yaml)")
                }
                if !passes { excluded += 1 }
                checked += 1
            }
        }
        #expect(checked == 12_000)
        #expect(kept > 1_000)
        // The filter must also do its job: port-only configurations exclude something.
        #expect(excluded > 500)
    }

    @Test func expressionsForKnownConfigurations() throws {
        let portsOnly = try #require(ConfigLoader.load(text: """
            raw: { interface: lo, ports: 5060-5090 }
            routes:
              main:
                - when: { dst_port: 9060 }
                  do: [capture]
                - when: { src_port: 5000 }
                  do: [drop]
            """).config)
        let expression = BPFGenerator.expression(for: portsOnly)
        // raw.ports bounds the capture; the keeping rule's port condition narrows it.
        #expect(expression == "((udp or tcp) and (portrange 5060-5090 and dst port 9060)) or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] = 44)")
        let filter = try Filter(expression)
        #expect(filter.passes(Self.frame(ipv6: false, tcp: false, src: 5070, dst: 9060)))
        #expect(filter.passes(Self.frame(ipv6: true, tcp: true, src: 5060, dst: 9060)))
        #expect(!filter.passes(Self.frame(ipv6: false, tcp: false, src: 40000, dst: 9060)))
        #expect(!filter.passes(Self.frame(ipv6: true, tcp: true, src: 5070, dst: 40000)))
        #expect(!filter.passes(Self.frame(ipv6: false, tcp: false, src: 40000, dst: 40001)))

        let everything = try #require(ConfigLoader.load(text: "raw: { interface: lo, ports: 5060 }\nroutes:\n  main:\n    - do: [capture]\n").config)
        #expect(BPFGenerator.expression(for: everything).hasPrefix("((udp or tcp) and port 5060) or "))
        let noRawPorts = try #require(ConfigLoader.load(text: "raw: { interface: lo }\nroutes:\n  main:\n    - do: [capture]\n").config)
        #expect(BPFGenerator.expression(for: noRawPorts).hasPrefix("udp or tcp or "))
        #expect(BPFGenerator.compileError("udp and portrange 9-") != nil)
    }
}
