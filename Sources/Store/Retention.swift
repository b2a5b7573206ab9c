import Tables

/// Which time-named tables `retention_days` removes: names that a template with `%Y` and `%m%d` (or `%j`)
/// produced, whose UTC day is before the cutoff. Templates with other specifiers are never touched.
enum Retention {
    /// The first day kept when keeping `days` days (today plus days-1 before it), as YYYYMMDD.
    static func cutoffDay(days: Int, nowMicroTimestamp: Int64) -> String {
        TableName.day(nowMicroTimestamp - Int64(days - 1) * 86_400_000_000)
    }

    static func isExpired(table: String, templates: [String], cutoffDay: String) -> Bool {
        for template in templates {
            if let day = day(of: table, template: template), day < cutoffDay { return true }
        }
        return false
    }

    /// The YYYYMMDD a table name encodes under a template, or nil when the name does not fit it.
    static func day(of table: String, template: String) -> String? {
        guard let percent = template.firstIndex(of: "%") else { return nil }
        let prefix = Array(template[..<percent].utf8)
        let format = Array(template[percent...].utf8)
        let name = Array(table.utf8)
        guard name.count > prefix.count, Array(name[0..<prefix.count]) == prefix else { return nil }
        var i = prefix.count
        var f = 0
        var year: Int?, month: Int?, day: Int?, dayOfYear: Int?
        func number(_ width: Int) -> Int? {
            guard i + width <= name.count else { return nil }
            var v = 0
            for b in name[i..<(i + width)] {
                guard b >= 0x30, b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            i += width
            return v
        }
        while f < format.count {
            if format[f] == UInt8(ascii: "%") {
                guard f + 1 < format.count else { return nil }
                switch format[f + 1] {
                case UInt8(ascii: "Y"): guard let v = number(4) else { return nil }; year = v
                case UInt8(ascii: "m"): guard let v = number(2) else { return nil }; month = v
                case UInt8(ascii: "d"): guard let v = number(2) else { return nil }; day = v
                case UInt8(ascii: "j"): guard let v = number(3) else { return nil }; dayOfYear = v
                case UInt8(ascii: "H"): guard number(2) != nil else { return nil }
                default: return nil
                }
                f += 2
            } else {
                guard i < name.count, name[i] == format[f] else { return nil }
                i += 1
                f += 1
            }
        }
        guard i == name.count, let year else { return nil }
        if let month, let day, (1...12).contains(month), (1...31).contains(day) {
            return String(format4: year) + String(format2: month) + String(format2: day)
        }
        if let dayOfYear, (1...366).contains(dayOfYear) {
            // Day of year → calendar date via days since the epoch.
            let jan1 = daysFromCivil(year: year, month: 1, day: 1)
            let (y, m, d) = UTCTime.civil(days: Int64(jan1 + dayOfYear - 1))
            return String(format4: Int(y)) + String(format2: m) + String(format2: d)
        }
        return nil
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension String {
    init(format2 v: Int) { self = v < 10 ? "0" + String(v) : String(v) }
    init(format4 v: Int) { let s = String(v); self = String(repeating: "0", count: Swift.max(0, 4 - s.count)) + s }
}
