import Glibc

/// Table name templates: the text before the first `%` is kept, the rest goes through strftime with a UTC time
/// (opensips-sipcapture-behaviour.md §6.2). Results must be `[A-Za-z0-9_]+` and at most 63 characters.
public enum TableName {
    public static let maxLength = 63

    /// Expands `template` for a time in UTC epoch microseconds.
    public static func expand(_ template: String, microTimestamp: Int64) throws(StoreError) -> String {
        let name: String
        if let percent = template.firstIndex(of: "%") {
            let prefix = template[..<percent]
            let suffix = String(template[percent...])
            name = String(prefix) + strftimeUTC(suffix, seconds: Int(microTimestamp / 1_000_000))
        } else {
            name = template
        }
        guard isValid(name) else { throw .badTableName(template: template, expanded: name) }
        return name
    }

    public static func isValid(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard !utf8.isEmpty, utf8.count <= maxLength else { return false }
        return utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
        }
    }

    /// `strftime(format, gmtime(seconds))`.
    public static func strftimeUTC(_ format: String, seconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 512)
        let written = buffer.withUnsafeMutableBufferPointer { out in
            strftime(out.baseAddress, out.count, format, &parts)
        }
        return String(decoding: buffer[0..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// UTC calendar day (`YYYYMMDD`) of a time in epoch microseconds.
    static func day(_ microTimestamp: Int64) -> String {
        strftimeUTC("%Y%m%d", seconds: Int(floorDiv(microTimestamp, 1_000_000)))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// Resolves row templates to table names on the writer thread, caching per template and hour when the
/// template has no specifier finer than an hour.
final class TableNameResolver {
    private struct Key: Hashable { let template: String; let bucket: Int64 }
    private var cache: [Key: String] = [:]
    private var hourly: [String: Bool] = [:]

    func resolve(_ template: String, microTimestamp: Int64) throws(StoreError) -> String {
        let coarse: Bool
        if let known = hourly[template] {
            coarse = known
        } else {
            coarse = Self.isHourGranular(template)
            hourly[template] = coarse
        }
        guard coarse else { return try TableName.expand(template, microTimestamp: microTimestamp) }
        let key = Key(template: template, bucket: TableName.floorDiv(microTimestamp, 3_600_000_000))
        if let name = cache[key] { return name }
        let name = try TableName.expand(template, microTimestamp: microTimestamp)
        if cache.count > 4096 { cache.removeAll(keepingCapacity: true) }
        cache[key] = name
        return name
    }

    /// True when every specifier is one of `%Y %y %m %d %e %j %H %F %%` (the name is constant within an hour).
    static func isHourGranular(_ template: String) -> Bool {
        let utf8 = Array(template.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "%") {
                guard i + 1 < utf8.count else { return false }
                switch utf8[i + 1] {
                case UInt8(ascii: "Y"), UInt8(ascii: "y"), UInt8(ascii: "m"), UInt8(ascii: "d"), UInt8(ascii: "e"),
                     UInt8(ascii: "j"), UInt8(ascii: "H"), UInt8(ascii: "F"), UInt8(ascii: "%"):
                    i += 2
                default:
                    return false
                }
            } else {
                i += 1
            }
        }
        return true
    }
}
