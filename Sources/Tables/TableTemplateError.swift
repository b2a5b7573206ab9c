/// Why a table template is refused (by `capd check` and `capd run` alike).
public enum TableTemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    /// A `%` at the end of the template.
    case danglingPercent(template: String)
    /// A conversion outside `TableTemplate.supportedConversions` (names, locale text, `%F`, glibc flags...).
    case unsupportedConversion(template: String, conversion: String)
    /// The template expands (at `time`, nil for a constant template) to `name`, which is not a table name.
    case invalidName(template: String, name: String, time: String?, problem: TableName.Problem)

    public var description: String {
        switch self {
        case .empty:
            return "is empty"
        case .danglingPercent(let template):
            return "'\(template)' ends with a lone '%' (write %% for a percent sign, which is not allowed in a table name anyway)"
        case .unsupportedConversion(let template, let conversion):
            let supported = TableTemplate.supportedConversions.sorted().map { "%" + String(decoding: [$0], as: UTF8.self) }
            return "'\(template)' uses \(conversion), which is not supported in table names (supported: \(supported.joined(separator: " ")))"
        case .invalidName(let template, let name, let time, let problem):
            if let time, name != template {
                return "'\(template)' expands to '\(name)' (at \(time)), which \(problem)"
            }
            return "'\(template)' \(problem)"
        }
    }
}
