import HEP

/// An answer of the calls web view, independent of the HTTP server that carries it.
struct WebResponse: Sendable, Equatable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    var headers: [String: String] = [:]

    static func json(_ text: String, status: Int = 200) -> WebResponse {
        WebResponse(status: status, contentType: "application/json", body: Array(text.utf8))
    }

    static func error(_ status: Int, _ message: String) -> WebResponse {
        var object = JSONText()
        object.field("error", message)
        return json(object.finish(), status: status)
    }
}

/// A small JSON object writer for the web view's answers (strings escaped, numbers and nested values as given).
struct JSONText {
    private var text = "{"
    private var first = true

    mutating func field(_ key: String, _ value: String) { raw(key, JSONText.quoted(value)) }
    mutating func field(_ key: String, _ value: Int64) { raw(key, String(value)) }
    mutating func field(_ key: String, _ value: Int) { raw(key, String(value)) }
    mutating func field(_ key: String, _ value: Double) { raw(key, value.isFinite ? String(value) : "0") }

    /// `value` is already JSON.
    mutating func raw(_ key: String, _ value: String) {
        if !first { text += "," }
        first = false
        text += JSONText.quoted(key) + ":" + value
    }

    func finish() -> String { text + "}" }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// A JSON string literal that is safe inside HTML too (`<` escaped).
    static func quoted(_ s: String) -> String {
        var out = ""
        JSONObjectWriter.appendQuoted(s, to: &out, forHTML: true)
        return out
    }
}
