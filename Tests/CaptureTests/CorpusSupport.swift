import Capture
import Foundation
import Testing

enum Corpus {
    /// `../shared/` beside the repository (override with CAPD_SHARED); ends with "/".
    static let shared: String = {
        if let shared = ProcessInfo.processInfo.environment["CAPD_SHARED"] { return shared + "/" }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared").path + "/"
    }()

    /// `../shared/corpus/pcap/`.
    static let directory = shared + "corpus/pcap/"

    static func path(_ name: String) -> String { directory + name }

    /// Runs a whole capture file through one extractor.
    static func extract(
        _ name: String, configuration: SIPExtractorConfiguration = .init()
    ) throws -> (messages: [CapturedMessage], stats: CaptureStats) {
        let reader = try PcapFileReader(path: path(name))
        var extractor = SIPExtractor(configuration: configuration)
        var messages: [CapturedMessage] = []
        try reader.forEach { frame in extractor.process(frame) { messages.append($0) } }
        return (messages, extractor.stats)
    }

    /// "INVITE" for requests, "200" for responses: the first token of a request line or the status code.
    static func label(_ message: CapturedMessage) -> String {
        let line = message.payload.prefix { $0 != 13 && $0 != 10 }
        let words = line.split(separator: 32, maxSplits: 2)
        guard let first = words.first else { return "?" }
        let firstText = String(decoding: first, as: UTF8.self)
        if firstText == "SIP/2.0", words.count > 1 { return String(decoding: words[1], as: UTF8.self) }
        return firstText
    }

    /// "INVITE×1 100×1" → ["INVITE": 1, "100": 1], as the corpus README writes them.
    static func counts(_ text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for item in text.split(separator: " ") {
            let parts = item.split(separator: "×")
            if parts.count == 2, let count = Int(parts[1]) { result[String(parts[0]), default: 0] += count }
        }
        return result
    }

    static func callIDs(_ messages: [CapturedMessage]) -> Set<String> {
        var result = Set<String>()
        for message in messages {
            let text = String(decoding: message.payload, as: UTF8.self)
            for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
                let lower = line.lowercased()
                if lower.hasPrefix("call-id:") || lower.hasPrefix("i:") {
                    let value = line.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: " \t")
                    result.insert(value)
                    break
                }
            }
        }
        return result
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
