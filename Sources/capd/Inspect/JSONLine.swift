/// One JSON object written with its keys in insertion order (JSON Lines output of `capd inspect`).
struct JSONLine {
    private var text = "{"
    private var first = true

    mutating func add(_ key: String, _ value: String?) {
        appendKey(key)
        if let value { JSONLine.appendQuoted(value, to: &text) } else { text += "null" }
    }

    mutating func add(_ key: String, _ value: (some BinaryInteger)?) {
        appendKey(key)
        if let value { text += String(value) } else { text += "null" }
    }

    var rendered: String { text + "}" }

    private mutating func appendKey(_ key: String) {
        if !first { text += "," }
        first = false
        JSONLine.appendQuoted(key, to: &text)
        text += ":"
    }

    static func appendQuoted(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
