import Foundation
import Store

/// `capd calls` output: aligned text columns or a JSON array.
enum CallListing {
    static let headers = ["START (UTC)", "CALL-ID", "FROM", "TO", "METHOD", "STATUS", "DURATION", "MSGS", "NODES"]

    static func duration(_ micro: Int64) -> String {
        let millis = micro / 1000
        let fraction = String(millis % 1000)
        return String(millis / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "s"
    }

    static func fields(_ call: CallSummary) -> [String] {
        [CallTime.format(call.start), call.callID, call.fromUser, call.toUser, call.firstMethod, call.finalStatus,
         duration(call.durationMicroseconds), String(call.messageCount), call.nodes.joined(separator: ",")]
    }

    static func text(_ calls: [CallSummary]) -> String {
        let rows = [headers] + calls.map(fields)
        var widths = headers.map(\.count)
        for row in rows { for (i, f) in row.enumerated() { widths[i] = max(widths[i], f.count) } }
        return rows.map { row in
            var line = ""
            for (i, f) in row.enumerated() {
                line += i == row.count - 1 ? f : f + String(repeating: " ", count: widths[i] - f.count + 2)
            }
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }

    struct Entry: Codable {
        var start: String
        var start_us: Int64
        var call_id: String
        var from_user: String
        var to_user: String
        var method: String
        var status: String
        var duration_us: Int64
        var messages: Int
        var nodes: [String]
    }

    static func entry(_ c: CallSummary) -> Entry {
        Entry(start: CallTime.format(c.start) + "Z", start_us: c.start, call_id: c.callID, from_user: c.fromUser,
              to_user: c.toUser, method: c.firstMethod, status: c.finalStatus, duration_us: c.durationMicroseconds,
              messages: c.messageCount, nodes: c.nodes)
    }

    static func json(_ calls: [CallSummary]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(calls.map(entry))) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
