#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A table name that may carry strftime conversions (`sip_capture_%Y%m%d`), expanded with a time in UTC.
///
/// The one table-name type of capd: the configuration loader validates templates with it (`capd check` and
/// `capd run` alike) and the store expands them per row. Only numeric conversions are accepted (see
/// `supportedConversions`); `init(validating:)` additionally expands the template for every hour of a year
/// and for every minute and second of an hour, and requires each name to be a table name for both SQLite and
/// PostgreSQL (`TableName.problem(_:)`).
public struct TableTemplate: Sendable, Hashable, CustomStringConvertible {
    /// The template as written in the configuration.
    public let template: String
    /// True when the expansion stays the same within an hour (no `%M`, `%S` or finer); lets the store cache
    /// one name per template and hour.
    public let isHourGranular: Bool
    /// True when the expansion stays the same within a UTC day (no hour or finer conversion).
    public let isDayGranular: Bool
    /// True when the template has no conversion at all (the name is the template).
    public let isConstant: Bool

    /// Conversions whose expansion depends only on the UTC time and is made of digits (plus `%e`'s padding
    /// space, which the name check then rejects): years, months, days, weeks, hours, minutes, seconds.
    public static let supportedConversions: Set<UInt8> = Set("YyCGgmdejUWVuwHIMS%".utf8)
    /// Of those, the ones that change within an hour, and within a day.
    static let subHourConversions: Set<UInt8> = Set("MS".utf8)
    static let subDayConversions: Set<UInt8> = Set("HIMS".utf8)

    /// Parses `template` without checking what it expands to (e.g. a template read back from a spool written
    /// by this process); `expand` may then produce a name that `TableName.problem` rejects.
    public init(parsing template: String) throws(TableTemplateError) {
        guard !template.isEmpty else { throw .empty }
        let bytes = Array(template.utf8)
        var hourGranular = true
        var dayGranular = true
        var constant = true
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "%") else { i += 1; continue }
            guard i + 1 < bytes.count else { throw .danglingPercent(template: template) }
            let conversion = bytes[i + 1]
            guard Self.supportedConversions.contains(conversion) else {
                throw .unsupportedConversion(template: template, conversion: "%" + String(decoding: [conversion], as: UTF8.self))
            }
            if Self.subHourConversions.contains(conversion) { hourGranular = false }
            if Self.subDayConversions.contains(conversion) { dayGranular = false }
            constant = false
            i += 2
        }
        self.template = template
        self.isHourGranular = hourGranular
        self.isDayGranular = dayGranular
        self.isConstant = constant
    }

    public var description: String { template }

    /// The table name for a time in UTC epoch seconds.
    public func expand(epochSeconds: Int64) -> String {
        if isConstant { return template }
        var time = time_t(epochSeconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "" }
        // Every supported conversion is at most 11 bytes (%Y of a 64-bit year), and the template's
        // literal bytes are copied: twice the template plus 64 always fits.
        var buffer = [CChar](repeating: 0, count: template.utf8.count * 8 + 64)
        let written = buffer.withUnsafeMutableBufferPointer { out in
            strftime(out.baseAddress, out.count, template, &parts)
        }
        return String(decoding: buffer[0..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The table name for a time in UTC epoch microseconds.
    public func expand(microTimestamp: Int64) -> String {
        expand(epochSeconds: TableTime.floorDiv(microTimestamp, 1_000_000))
    }
}
