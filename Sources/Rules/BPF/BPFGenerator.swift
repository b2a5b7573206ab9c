import CLibPcap

/// Generates the raw-capture kernel filter: `raw.ports` (the ports captured at all, like OpenSIPS
/// `raw_socket_listen`) AND the union of the port conditions of every rule that keeps packets (capture,
/// report, relay) in the routes raw capture runs (main and what it calls). Conservative: any condition it
/// cannot express in ports (other fields, `not`, a keeping rule without port condition) widens the rules'
/// part, so a packet on a captured port that some keeping rule could match is never excluded. Non-first IP fragments
/// always pass (they carry no ports; reassembly needs them).
public enum BPFGenerator {
    indirect enum PortExpr: Equatable {
        case any, none
        case src([ClosedRange<Int>]), dst([ClosedRange<Int>]), either([ClosedRange<Int>])
        case and(PortExpr, PortExpr), or(PortExpr, PortExpr)
    }

    public static func expression(for config: Config) -> String {
        if config.raw?.mode == .ipip { return "ip proto 4" }
        var alternatives: [PortExpr] = []
        let program = config.program
        if let main = program.mainRoute {
            var seen = Set<Int>()
            var stack = [main]
            while let r = stack.popLast() {
                guard seen.insert(r).inserted else { continue }
                for rule in program.routes[r].rules {
                    for action in rule.actions { if case .route(let t) = action { stack.append(t) } }
                    if rule.actions.contains(where: \.keepsPacket) { alternatives.append(predicate(rule.condition)) }
                }
            }
        }
        // raw.ports (raw_socket_listen) is the set of ports captured at all; the keeping rules narrow it.
        var combined = alternatives.reduce(PortExpr.none) { or($0, $1) }
        if let ports = config.raw?.ports, !ports.isEmpty {
            combined = and(.either(ports.map { Int($0.lowerBound)...Int($0.upperBound) }), merge(combined))
        }
        let fragments = "(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] = 44)"
        switch combined {
        case .any: return "udp or tcp or " + fragments
        case .none: return fragments
        default: return "((udp or tcp) and " + render(merge(combined)) + ") or " + fragments
        }
    }

    /// nil when libpcap compiles `expression` for Ethernet, else libpcap's error text.
    public static func compileError(_ expression: String) -> String? {
        guard let handle = pcap_open_dead(DLT_EN10MB, 65535) else { return "pcap_open_dead failed" }
        defer { pcap_close(handle) }
        var program = bpf_program()
        if pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            return String(cString: pcap_geterr(handle))
        }
        pcap_freecode(&program)
        return nil
    }

    static func predicate(_ condition: Condition) -> PortExpr {
        switch condition {
        case .always: return .any
        case .test(let t):
            let ranges: [ClosedRange<Int>]
            switch t.op {
            case .inRanges(let r): ranges = r
            case .greater(let g): ranges = g >= 65535 ? [] : [max(0, g + 1)...65535]
            case .less(let l): ranges = l <= 0 ? [] : [0...min(65535, l - 1)]
            default: return .any
            }
            let clipped = ranges.compactMap { r -> ClosedRange<Int>? in
                let lo = max(0, r.lowerBound), hi = min(65535, r.upperBound)
                return lo <= hi ? lo...hi : nil
            }
            switch t.field {
            case .srcPort: return clipped.isEmpty ? .none : .src(clipped)
            case .dstPort: return clipped.isEmpty ? .none : .dst(clipped)
            default: return .any
            }
        case .all(let parts): return parts.map(predicate).reduce(PortExpr.any) { and($0, $1) }
        case .any(let parts): return parts.map(predicate).reduce(PortExpr.none) { or($0, $1) }
        case .not: return .any
        }
    }

    static func and(_ a: PortExpr, _ b: PortExpr) -> PortExpr {
        if a == .none || b == .none { return .none }
        if a == .any { return b }
        if b == .any { return a }
        return .and(a, b)
    }
    static func or(_ a: PortExpr, _ b: PortExpr) -> PortExpr {
        if a == .any || b == .any { return .any }
        if a == .none { return b }
        if b == .none { return a }
        return .or(a, b)
    }

    /// Folds the top-level alternatives of one direction into one coalesced range list.
    static func merge(_ e: PortExpr) -> PortExpr {
        var src: [ClosedRange<Int>] = [], dst: [ClosedRange<Int>] = [], either: [ClosedRange<Int>] = []
        var rest: [PortExpr] = []
        func walk(_ e: PortExpr) {
            switch e {
            case .or(let a, let b): walk(a); walk(b)
            case .src(let r): src += r
            case .dst(let r): dst += r
            case .either(let r): either += r
            default: rest.append(e)
            }
        }
        walk(e)
        var parts: [PortExpr] = []
        if !either.isEmpty { parts.append(.either(coalesce(either))) }
        if !src.isEmpty { parts.append(.src(coalesce(src))) }
        if !dst.isEmpty { parts.append(.dst(coalesce(dst))) }
        return (parts + rest).reduce(PortExpr.none) { or($0, $1) }
    }

    static func coalesce(_ ranges: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    static func render(_ e: PortExpr) -> String {
        func ports(_ qualifier: String, _ ranges: [ClosedRange<Int>]) -> String {
            let q = qualifier.isEmpty ? "" : qualifier + " "
            let atoms = ranges.map { $0.lowerBound == $0.upperBound ? "\(q)port \($0.lowerBound)" : "\(q)portrange \($0.lowerBound)-\($0.upperBound)" }
            return atoms.count == 1 ? atoms[0] : "(" + atoms.joined(separator: " or ") + ")"
        }
        switch e {
        case .any: return "(udp or tcp)"
        case .none: return "(udp and tcp)"
        case .src(let r): return ports("src", r)
        case .dst(let r): return ports("dst", r)
        case .either(let r): return ports("", r)
        case .and(let a, let b): return "(" + render(a) + " and " + render(b) + ")"
        case .or(let a, let b): return "(" + render(a) + " or " + render(b) + ")"
        }
    }
}
