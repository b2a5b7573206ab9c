/// One JSON object written as text, keys in insertion order (HOMER's `protocol_header` / `data_header`, the
/// store's dead-letter lines, `capd inspect` JSON Lines). Strings are escaped as JSON requires: `"`, `\` and
/// control characters; everything else is written as is (UTF-8).
public struct JSONObjectWriter: Sendable {
    private var text = "{"
    private var first = true

    public init() {}

    /// A string member; nil writes `null`.
    public mutating func string(_ key: String, _ value: String?) {
        appendKey(key)
        if let value { Self.appendQuoted(value, to: &text) } else { text += "null" }
    }

    /// A number member; nil writes `null`.
    public mutating func number(_ key: String, _ value: (some BinaryInteger)?) {
        appendKey(key)
        if let value { text += String(value) } else { text += "null" }
    }

    /// The object so far, closed.
    public func finish() -> String { text + "}" }

    private mutating func appendKey(_ key: String) {
        if first { first = false } else { text += "," }
        Self.appendQuoted(key, to: &text)
        text += ":"
    }

    /// Appends `value` as a JSON string literal, quotes included. `forHTML` also escapes `<`, so the literal is
    /// safe inside an HTML `<script>` element.
    public static func appendQuoted(_ value: String, to out: inout String, forHTML: Bool = false) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<" where forHTML: out += "\\u003c"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
