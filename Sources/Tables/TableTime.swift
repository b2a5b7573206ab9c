#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calendar arithmetic in UTC for table names (no time zone, no locale).
public enum TableTime {
    /// Division rounding towards minus infinity (times before 1970 stay in the right day / second).
    @inline(__always)
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    public static func isLeapYear(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// Seconds since the epoch of `year-month-day 00:00:00 UTC` (proleptic Gregorian; days from civil).
    public static func epochSeconds(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return (era * 146_097 + dayOfEra - 719_468) * 86_400
    }

    /// `YYYY-MM-DD HH:MM:SS UTC`, for messages.
    public static func describe(_ epochSeconds: Int64) -> String {
        format("%Y-%m-%d %H:%M:%S UTC", epochSeconds: epochSeconds)
    }

    /// `YYYYMMDD` of a time in epoch microseconds: the day stamp of daily partitions and retention.
    public static func day(microTimestamp: Int64) -> String {
        format("%Y%m%d", epochSeconds: floorDiv(microTimestamp, 1_000_000))
    }

    static func format(_ format: String, epochSeconds: Int64) -> String {
        var time = time_t(epochSeconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 64)
        let written = buffer.withUnsafeMutableBufferPointer { out in strftime(out.baseAddress, out.count, format, &parts) }
        return String(decoding: buffer[0..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension TableName {
    /// `YYYYMMDD` (UTC) of a time in epoch microseconds; see `TableTime.day(microTimestamp:)`.
    public static func day(_ microTimestamp: Int64) -> String { TableTime.day(microTimestamp: microTimestamp) }

    /// See `TableTime.floorDiv`.
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { TableTime.floorDiv(a, b) }
}
