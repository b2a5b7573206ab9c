#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// strftime expansion of table templates (UTC) and the `[A-Za-z0-9_]+` check of DESIGN §8.
public enum TableNames {
    /// Expands `template` for the given time in UTC; nil if strftime fails (e.g. result too long).
    public static func expand(_ template: String, epochSeconds: Int) -> String? {
        if !template.contains("%") { return template }
        var time = time_t(epochSeconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        let n = strftime(&buffer, buffer.count, template, &parts)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63 && name.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95
        }
    }
}
