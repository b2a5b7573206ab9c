import Testing

/// A strict reader of the Prometheus text format used by the tests: every line must be a `# HELP`, a
/// `# TYPE` or a sample `name{labels} value`, every sample must belong to a family announced by `# TYPE`.
struct ExpositionSamples {
    struct FormatError: Error, CustomStringConvertible {
        var line: String
        var description: String { "not a valid exposition line: \(line)" }
    }

    var samples: [String: Double] = [:]
    var types: [String: String] = [:]
    var helps: [String: String] = [:]

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw FormatError(line: "(no final newline)") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw FormatError(line: String(line)) }
                helps[String(rest[..<space])] = String(rest[rest.index(after: space)...])
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                guard parts.count == 2, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1])
                else { throw FormatError(line: String(line)) }
                types[String(parts[0])] = String(parts[1])
            } else {
                guard let space = line.lastIndex(of: " ") else { throw FormatError(line: String(line)) }
                let key = String(line[..<space])
                let valueText = line[line.index(after: space)...]
                let value: Double
                switch valueText {
                case "+Inf": value = .infinity
                case "-Inf": value = -.infinity
                default:
                    guard let parsed = Double(valueText) else { throw FormatError(line: String(line)) }
                    value = parsed
                }
                let name = String(key.prefix { $0 != "{" })
                let family = ["_bucket", "_sum", "_count"].reduce(name) { name, suffix in
                    name.hasSuffix(suffix) && types[name] == nil ? String(name.dropLast(suffix.count)) : name
                }
                guard types[family] != nil else { throw FormatError(line: String(line)) }
                if key.contains("{") {
                    guard key.hasSuffix("}") else { throw FormatError(line: String(line)) }
                }
                samples[key] = value
            }
        }
    }

    func value(_ key: String) -> Double? { samples[key] }
}
