import HEP
import Rules

/// A canonical text of the routes and rules of a compiled program (lists are inlined into the conditions,
/// included files too), for telling whether a reload changed them. Source positions, compiled regexes and
/// decision trees are left out, so moving a rule to another line or adding a comment is no change; sets and
/// dictionaries are written in sorted order, so the text does not depend on hashing.
struct RuleFingerprint: Equatable, Sendable {
    let text: String

    init(_ program: RuleProgram) {
        var out = ""
        for route in program.routes {
            out += "route " + route.name + "\n"
            for rule in route.rules {
                out += "  rule " + (rule.name ?? "-") + " if "
                Self.write(rule.condition, to: &out, depth: 0)
                out += " do "
                Self.write(rule.actions, to: &out, depth: 0)
                out += "\n"
            }
        }
        text = out
    }

    /// Stored properties that do not describe what a rule does.
    private static let skipped: Set<String> = ["mark", "regex", "tree", "lowercased", "sipName"]
    private static let maxDepth = 48

    private static func write(_ value: Any, to out: inout String, depth: Int) {
        // Values whose text says all they are: much cheaper than reflection (lists run to thousands of them).
        switch value {
        case let text as String: out += "\"" + text + "\""; return
        case let number as Int: out += String(number); return
        case let network as CIDR: out += network.description; return
        case let address as IPAddress: out += address.description; return
        case let template as Template: out += "\"" + template.source + "\""; return
        case let table as TableTemplate: out += "\"" + table.template + "\""; return
        case let range as ClosedRange<Int>: out += "\(range.lowerBound)...\(range.upperBound)"; return
        case let bytes as [UInt8]:
            if let text = String(validating: bytes, as: UTF8.self) {
                out += "\"" + text + "\""
            } else {
                out += "0x" + bytes.map { String($0, radix: 16) }.joined(separator: ".")
            }
            return
        default: break
        }
        let mirror = Mirror(reflecting: value)
        guard depth < maxDepth else {
            out += "…"
            return
        }
        switch mirror.displayStyle {
        case .optional:
            if let wrapped = mirror.children.first {
                write(wrapped.value, to: &out, depth: depth + 1)
            } else {
                out += "nil"
            }
        case .set, .dictionary:
            let parts = mirror.children.map { child -> String in
                var part = ""
                write(child.value, to: &part, depth: depth + 1)
                return part
            }.sorted()
            out += "{" + parts.joined(separator: ",") + "}"
        case .collection, .tuple:
            out += "["
            for (index, child) in mirror.children.enumerated() {
                if index > 0 { out += "," }
                if let label = child.label, !label.hasPrefix(".") { out += label + ":" }
                write(child.value, to: &out, depth: depth + 1)
            }
            out += "]"
        case .enum:
            // A case with a payload has one child labelled with the case name; a case without has none.
            if let payload = mirror.children.first {
                out += (payload.label ?? "?") + "("
                write(payload.value, to: &out, depth: depth + 1)
                out += ")"
            } else {
                out += String(describing: value)
            }
        case .struct, .class:
            let children = mirror.children.filter { !skipped.contains($0.label ?? "") }
            if children.isEmpty {
                out += String(describing: value)
                return
            }
            out += "("
            for (index, child) in children.enumerated() {
                if index > 0 { out += "," }
                out += (child.label ?? "_") + ":"
                write(child.value, to: &out, depth: depth + 1)
            }
            out += ")"
        default:
            out += String(describing: value)
        }
    }
}
