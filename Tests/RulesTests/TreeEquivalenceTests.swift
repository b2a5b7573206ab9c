import Testing
@testable import Rules
import HEP

/// Property: for random rule sets (written as YAML, so the loader is exercised too) and random packets, the
/// compiled tree gives exactly the linear interpreter's result: the same trace of matched rules and actions,
/// the same outcome, and the same edited packet.
@Suite struct TreeEquivalenceTests {
    static let methods = ["INVITE", "REGISTER", "OPTIONS", "BYE", "ACK"]
    static let headerValues = ["alpha", "alphabet", "beta", "gamma-ray", "+15551230001"]
    static let callIDs = ["abc@host", "abd@host", "xyz@other", "a84b4c76e66710@192.0.2.10"]
    static let ports = [5060, 5061, 5070, 5080, 9060, 40000]
    static let v4 = ["10.0.0.1", "10.0.0.2", "10.0.1.7", "192.0.2.7", "198.51.100.20"]
    static let v6 = ["2001:db8::1", "2001:db8::2", "2001:db8:1::5"]
    static let protoTypes = [1, 5, 100]

    /// One `when` entry for a random field/operator.
    static func condition(_ rng: inout SeededRNG, depth: Int = 0) -> String {
        if depth < 2 && rng.chance(12) {
            let kind = rng.pick(["all", "any", "not"])
            if kind == "not" { return "not: { \(condition(&rng, depth: depth + 1)) }" }
            let parts = (0..<(1 + Int(rng.next() % 3))).map { _ in "{ \(condition(&rng, depth: depth + 1)) }" }
            return "\(kind): [\(parts.joined(separator: ", "))]"
        }
        switch rng.next() % 16 {
        case 0: return "sip.method: \(rng.pick(methods))"
        case 1: return "sip.method: [\(rng.pick(methods)), \(rng.pick(methods))]"
        case 2: return "sip.header.X-Tag: { prefix: \(rng.pick(["al", "alpha", "g", "+1555"])) }"
        case 3: return "sip.header.X-Tag: { suffix: \(rng.pick(["bet", "ray", "a", "0001"])) }"
        case 4: return "sip.call_id: { contains: \"\(rng.pick(["ab", "@host", "66710", "zz"]))\" }"
        case 5: return "sip.call_id: { regex: \"\(rng.pick(["^ab[cd]@", "other$", "[0-9]{5}"]))\" }"
        case 6: return "src_port: \(rng.pick(ports))"
        case 7: return "dst_port: { range: \(rng.pick(["5060-5070", "5061-9060", "40000-40000"])) }"
        case 8: return "src_port: { \(rng.pick(["gt", "lt", "ge", "le"])): \(rng.pick(ports)) }"
        case 9: return "src_ip: \(rng.pick(["10.0.0.0/24", "10.0.0.1", "192.0.2.0/25", "0.0.0.0/0", "2001:db8::/32", "2001:db8::1"]))"
        case 10: return "net.src_ip: { in: \(rng.pick(["trunks", "[10.0.1.0/24, 2001:db8:1::/48]"])) }"
        case 11: return "hep.proto_type: \(rng.pick(["RTCP", "[SIP, 100]", "{ in: types }", "1"]))"
        case 12: return "hep.chunk.0x0011: { exists: \(rng.chance(50)) }"
        case 13: return "hep.chunk.0x0011: \(rng.pick(callIDs))"
        case 14: return "sip.status: { \(rng.pick(["gt", "lt"])): \(rng.pick([199, 299, 400])) }"
        default: return "sip.header.X-Tag: { eq: [\(rng.pick(headerValues)), \(rng.pick(headerValues))] }"
        }
    }

    static func action(_ rng: inout SeededRNG, route: Int, routeCount: Int) -> String {
        var choices = ["capture", "{ capture: { table: \"t_%Y\", custom_field1: \"${sip.call_id}/${src_port}\" } }",
                       "{ report: { correlation_id: \"${hep.chunk.0x0011}\", proto_type: RTCP } }",
                       "{ set: { chunk: correlation_id, value: \"\(rng.pick(callIDs))\" } }",
                       "{ set: { chunk: proto_type, value: \(rng.pick(["RTCP", "SIP", "LOG"])) } }",
                       "{ del: 0x0011 }", "{ del: proto_type }", "{ relay: udp://127.0.0.1:9999 }",
                       "{ dedup: 500ms }", "drop", "stop", "stop"]
        if route > 0 { choices.append("resume_sip") }
        if route + 1 < routeCount { choices += ["{ route: r\(route + 1 + Int(rng.next() % UInt64(routeCount - route - 1))) }"] }
        return rng.pick(choices)
    }

    static func ruleSet(_ rng: inout SeededRNG) -> String {
        let routeCount = 1 + Int(rng.next() % 3)
        var yaml = "lists:\n  trunks: [10.0.0.0/30, 2001:db8::/126]\n  types: [5, 100]\nroutes:\n"
        for r in 0..<routeCount {
            yaml += r == 0 ? "  main:\n" : "  r\(r):\n"
            for _ in 0..<(1 + Int(rng.next() % 14)) {
                yaml += "    - "
                let conditions = (0..<Int(rng.next() % 4)).map { _ in condition(&rng) }
                if !conditions.isEmpty { yaml += "when: { \(conditions.joined(separator: ", ")) }\n      " }
                let actions = (0..<(1 + Int(rng.next() % 3))).map { _ in action(&rng, route: r, routeCount: routeCount) }
                yaml += "do: [\(actions.joined(separator: ", "))]\n"
            }
        }
        return yaml
    }

    static func packet(_ rng: inout SeededRNG) -> SyntheticSubject {
        var p = SyntheticSubject()
        func maybe(_ percent: Int = 85, _ body: () -> Void) { if rng.chance(percent) { body() } }
        maybe { p.text[.sipMethod] = Array(rng.pick(methods).utf8) }
        maybe(70) { p.text[.sipHeader(HeaderName("x-tag"))] = Array(rng.pick(headerValues).utf8) }
        maybe { p.text[.sipCallID] = Array(rng.pick(callIDs).utf8) }
        maybe(50) { p.text[.hepChunk(type: 0x11, vendor: nil)] = Array(rng.pick(callIDs).utf8) }
        maybe { p.integers[.srcPort] = rng.pick(ports) }
        maybe { p.integers[.dstPort] = rng.pick(ports) }
        maybe { p.integers[.hepProtoType] = rng.pick(protoTypes) }
        maybe(60) { p.integers[.sipStatus] = rng.pick([100, 200, 302, 404, 503]) }
        maybe { p.ips[.srcIP] = IPAddress(rng.chance(75) ? rng.pick(v4) : rng.pick(v6)) }
        maybe { p.ips[.netSrcIP] = IPAddress(rng.chance(75) ? rng.pick(v4) : rng.pick(v6)) }
        return p
    }

    @Test func treeEqualsLinearInterpreter() throws {
        var rng = SeededRNG(seed: 0x5EED_CAFD)
        var pairs = 0, matchedSomething = 0, drops = 0, resumes = 0, routeCalls = 0
        for _ in 0..<1_000 {
            let yaml = Self.ruleSet(&rng)
            let result = ConfigLoader.load(text: yaml, path: "random.yaml")
            let config = try #require(result.config, "generated config rejected:\n\(result.rendered)\n\(yaml)")
            let program = config.program
            var scratch = program.makeScratch()
            routeCalls += yaml.contains("route: r") ? 1 : 0
            for _ in 0..<10 {
                let start = rng.chance(70) ? 0 : Int(rng.next() % UInt64(program.routes.count))
                let packet = Self.packet(&rng)
                var linearSubject = packet, treeSubject = packet
                var linear = TraceExecutor(), tree = TraceExecutor()
                let a = program.evaluateLinear(route: start, subject: &linearSubject, executor: &linear)
                let b = program.evaluate(route: start, subject: &treeSubject, executor: &tree, scratch: &scratch)
                #expect(a == b, "outcome differs\n\(yaml)\npacket \(packet)")
                #expect(linear.trace == tree.trace, "trace differs\n\(yaml)\npacket \(packet)\nlinear \(linear.trace)\ntree \(tree.trace)")
                #expect(linearSubject == treeSubject)
                if linear.trace != tree.trace { return }
                pairs += 1
                if !linear.trace.isEmpty { matchedSomething += 1 }
                if a == .dropped { drops += 1 }
                if a == .resumeSIP { resumes += 1 }
            }
        }
        #expect(pairs >= 10_000)
        // The generator must actually exercise matching and every control outcome.
        #expect(matchedSomething > pairs / 2)
        #expect(drops > 100 && resumes > 10 && routeCalls > 100)
    }

    @Test func matchingRulesAgreeWithConditions() throws {
        var rng = SeededRNG(seed: 42)
        for _ in 0..<300 {
            let yaml = Self.ruleSet(&rng)
            let program = try #require(ConfigLoader.load(text: yaml).config).program
            var scratch = program.makeScratch()
            for _ in 0..<10 {
                let packet = Self.packet(&rng)
                for route in program.routes.indices {
                    let expected = program.routes[route].rules.indices.filter { program.routes[route].rules[$0].condition.matches(packet) }
                    #expect(program.matchingRules(route: route, subject: packet, scratch: &scratch) == expected)
                }
            }
        }
    }

    @Test func setIsInvisibleToTheRunningRouteButVisibleToCalledRoutes() throws {
        let yaml = """
            routes:
              main:
                - do: [{ set: { chunk: correlation_id, value: edited } }]
                - when: { hep.chunk.0x0011: edited }
                  do: [{ capture: { custom_field1: same-route } }]
                - do: [{ route: sub }]
              sub:
                - when: { hep.chunk.0x0011: edited }
                  do: [{ capture: { custom_field1: "sub ${hep.chunk.0x0011}" } }]
            """
        let program = try #require(ConfigLoader.load(text: yaml).config).program
        var scratch = program.makeScratch()
        for useTree in [false, true] {
            var subject = SyntheticSubject()
            var executor = TraceExecutor()
            _ = useTree ? program.evaluate(route: 0, subject: &subject, executor: &executor, scratch: &scratch)
                        : program.evaluateLinear(route: 0, subject: &subject, executor: &executor)
            #expect(executor.trace == ["match 0/0", "set 17 edited", "match 0/2", "match 1/0", "capture - sub edited"])
        }
    }
}
