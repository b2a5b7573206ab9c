extension UTCTime {
    /// `YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|+00|+00:00]` (UTC) → epoch microseconds; nil when malformed or
    /// when an offset other than zero is given.
    static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func number(_ at: Int, _ width: Int) -> Int? {
            guard at + width <= b.count else { return nil }
            var v = 0
            for c in b[at..<(at + width)] {
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard b.count >= 10, let year = number(0, 4), b[4] == 0x2D, let month = number(5, 2), b[7] == 0x2D,
              let day = number(8, 2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, micros = 0
        var i = 10
        if i < b.count, b[i] == 0x20 || b[i] == UInt8(ascii: "T") {
            guard let h = number(i + 1, 2), b.count > i + 3, b[i + 3] == 0x3A, let m = number(i + 4, 2) else { return nil }
            hour = h
            minute = m
            i += 6
            if i < b.count, b[i] == 0x3A {
                guard let s = number(i + 1, 2) else { return nil }
                second = s
                i += 3
            }
            if i < b.count, b[i] == 0x2E {
                i += 1
                var digits = 0
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                    if digits < 6 { micros = micros * 10 + Int(b[i] - 0x30) }
                    digits += 1
                    i += 1
                }
                if digits < 6 { for _ in digits..<6 { micros *= 10 } }
            }
        }
        let zone = String(decoding: b[i...], as: UTF8.self)
        guard ["", "Z", "+00", "+00:00", "+0000"].contains(zone) else { return nil }
        guard hour < 24, minute < 60, second < 61 else { return nil }
        let days = Int64(Retention.daysFromCivil(year: year, month: month, day: day))
        return ((days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1_000_000) + Int64(micros)
    }
}

/// UTC time text as the query side shows and accepts it.
public enum CallTime {
    /// `YYYY-MM-DD HH:MM:SS.ffffff`
    public static func format(_ microTimestamp: Int64) -> String { UTCTime.format(microTimestamp) }
    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.ffffff]]` or with `T`, optionally `Z`; nil when malformed.
    public static func parse(_ text: String) -> Int64? { UTCTime.parse(text) }
}
