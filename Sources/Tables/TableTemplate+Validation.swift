extension TableTemplate {
    /// The year over which `init(validating:)` expands templates: a leap year, so `%j` reaches 366 and
    /// `%d` 29 February; week-based conversions (`%V`, `%U`, `%W`, `%G`) only ever give digits.
    public static let validationYear = 2028

    /// Parses `template` and checks every name it can expand to: each day of `validationYear` (each hour
    /// when it converts hours), and each minute and second of its first hour when it converts minutes or
    /// seconds. No supported conversion changes with anything else.
    public init(validating template: String) throws(TableTemplateError) {
        try self.init(parsing: template)
        if isConstant {
            if let problem = TableName.problem(template) {
                throw .invalidName(template: template, name: template, time: nil, problem: problem)
            }
            return
        }
        let start = Int64(TableTime.epochSeconds(year: Self.validationYear, month: 1, day: 1))
        let days = TableTime.isLeapYear(Self.validationYear) ? 366 : 365
        let (steps, step): (Int64, Int64) = isDayGranular ? (Int64(days), 86_400) : (Int64(days * 24), 3_600)
        var checked = Set<String>()
        func check(_ seconds: Int64) throws(TableTemplateError) {
            let name = expand(epochSeconds: seconds)
            guard checked.insert(name).inserted else { return }
            if let problem = TableName.problem(name) {
                throw .invalidName(template: template, name: name, time: TableTime.describe(seconds), problem: problem)
            }
        }
        for i in 0..<steps { try check(start + i * step) }
        if !isHourGranular {
            for second in 0..<Int64(3_600) { try check(start + second) }
        }
    }
}
