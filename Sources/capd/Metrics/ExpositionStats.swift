/// Reads the series back out of an exposition for `capd ctl stats` and the other in-process readers, so
/// that they show exactly what `/metrics` shows.
enum ExpositionStats {
    /// `name{labels}` → value for every sample line, sorted by name; a histogram's `_bucket` lines are left
    /// out (its `_count` and `_sum` stay).
    static func samples(_ exposition: [UInt8]) -> [(name: String, value: Double)] {
        var result: [(name: String, value: Double)] = []
        var histograms: Set<Substring> = []
        let text = String(decoding: exposition, as: UTF8.self)
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                // "# TYPE name histogram"
                let parts = line.split(separator: " ")
                if parts.count == 4, parts[1] == "TYPE", parts[3] == "histogram" { histograms.insert(parts[2]) }
                continue
            }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let key = line[..<space]
            let name = key.prefix { $0 != "{" }
            if name.hasSuffix("_bucket"), histograms.contains(name.dropLast("_bucket".count)) { continue }
            result.append((String(key), value))
        }
        return result.sorted { $0.name < $1.name }
    }
}
