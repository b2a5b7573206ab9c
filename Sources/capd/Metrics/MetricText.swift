/// Prometheus text exposition format 0.0.4: escaping and number formatting.
enum MetricText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `# HELP` text: backslash and line feed escaped.
    static func escapeHelp(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Label values: backslash, double quote and line feed escaped.
    static func escapeLabelValue(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Integral values without a fraction ("3", not "3.0"); `+Inf`, `-Inf`, `NaN` as Prometheus spells them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    static func renderLabels(_ labels: LabelSet) -> String {
        if labels.isEmpty { return "" }
        var out = "{"
        for (i, name) in labels.names.enumerated() {
            if i > 0 { out += "," }
            let value = i < labels.values.count ? labels.values[i] : ""
            out += name
            out += "=\""
            out += escapeLabelValue(value)
            out += "\""
        }
        out += "}"
        return out
    }

    static func appendSample(to out: inout String, name: String, labels: LabelSet, value: Double) {
        out += name
        out += renderLabels(labels)
        out += " "
        out += format(value)
        out += "\n"
    }

    /// The key of a sample in `stats`: the series name as it appears in the exposition.
    static func sampleKey(name: String, labels: LabelSet) -> String {
        name + renderLabels(labels)
    }

    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !isDigit(first), !name.hasPrefix("__"), name != "le" else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
