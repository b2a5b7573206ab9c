import Tables

/// The column lists and write order of the row families, as their `DescribedRow.columns` say.
enum RowColumns {
    static let sip = SIPCaptureRow.columnNames
    static let report = ReportRow.columnNames
    static let homerSeven = HomerSevenRow.columnNames

    static func names(_ family: RowFamily) -> [String] {
        switch family {
        case .sipCapture: sip
        case .report: report
        case .homerSeven: homerSeven
        }
    }

    static func write<W: RowFieldWriter>(_ row: StoreRow, to w: inout W) {
        switch row {
        case .sip(let r): r.write(to: &w)
        case .report(let r): r.write(to: &w)
        case .homerSeven(let r): r.write(to: &w)
        }
    }

    /// `value` cut to at most `max` Unicode scalars (PostgreSQL counts VARCHAR width in characters).
    @inline(__always)
    static func clipped(_ value: String, _ max: Int?) -> Substring.UnicodeScalarView? {
        guard let max, value.utf8.count > max, value.unicodeScalars.count > max else { return nil }
        return Substring(value).unicodeScalars.prefix(max)
    }
}

/// UTC calendar formatting without libc calls (the hot path formats one timestamp per row).
enum UTCTime {
    /// `YYYY-MM-DD HH:MM:SS.ffffff`
    static func format(_ microTimestamp: Int64) -> String {
        let seconds = TableName.floorDiv(microTimestamp, 1_000_000)
        let micros = Int(microTimestamp - seconds * 1_000_000)
        let days = TableName.floorDiv(seconds, 86_400)
        var secondOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = civil(days: days)
        let hour = secondOfDay / 3600
        secondOfDay -= hour * 3600
        var out = [UInt8]()
        out.reserveCapacity(26)
        func digits(_ v: Int, _ n: Int) {
            var divisor = 1
            for _ in 1..<n { divisor *= 10 }
            var v = v
            for _ in 0..<n {
                out.append(UInt8(truncatingIfNeeded: 0x30 + (v / divisor) % 10))
                v %= divisor * 10
                divisor /= 10
            }
        }
        digits(Int(y), 4); out.append(0x2D); digits(m, 2); out.append(0x2D); digits(d, 2)
        out.append(0x20)
        digits(hour, 2); out.append(0x3A); digits(secondOfDay / 60, 2); out.append(0x3A); digits(secondOfDay % 60, 2)
        out.append(0x2E); digits(micros, 6)
        return String(decoding: out, as: UTF8.self)
    }

    /// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
    static func civil(days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
