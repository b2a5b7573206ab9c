import Store

/// A call as a text ladder diagram (hosts as columns, one arrow per message with its method or status and
/// its time offset from the first message), like sngrep's call flow; reports listed under it.
struct LadderText {
    let record: CallRecord

    /// `ADDRESS:PORT` (IPv6 in brackets), the name of a host column.
    static func endpoint(_ ip: String, _ port: Int) -> String {
        ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// Host columns in order of first appearance.
    static func columns(_ messages: [StoredMessage]) -> [String] {
        var order: [String] = []
        for m in messages {
            for host in [endpoint(m.sourceIP, m.sourcePort), endpoint(m.destinationIP, m.destinationPort)]
            where !order.contains(host) { order.append(host) }
        }
        return order
    }

    /// Seconds since the first message, `+S.ffffff`.
    static func offset(_ micro: Int64, from start: Int64) -> String {
        let delta = micro - start
        let sign = delta < 0 ? "-" : "+"
        let magnitude = delta.magnitude
        let fraction = String(magnitude % 1_000_000)
        return sign + String(magnitude / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    static func transport(_ ipProtocol: Int) -> String {
        switch ipProtocol {
        case 6: "TCP"
        case 17: "UDP"
        case 132: "SCTP"
        default: "proto \(ipProtocol)"
        }
    }

    static func reportKind(_ payloadType: Int) -> String {
        switch payloadType {
        case 5: "RTCP"
        case 34: "RTPAGENT"
        case 35: "RTCP-XR"
        case 100: "LOG"
        default: "HEP \(payloadType)"
        }
    }

    func render(raw: Bool = false) -> String {
        let messages = record.messages
        guard let first = messages.first else { return "" }
        let hosts = Self.columns(messages)
        let longestHost = hosts.map(\.count).max() ?? 0
        let longestLabel = messages.map(\.label.count).max() ?? 0
        let width = max(22, longestHost + 2, min(longestLabel + 6, 40))
        let margin = max(12, (messages.map { Self.offset($0.microTimestamp, from: first.microTimestamp).count }.max() ?? 0) + 2)
        func center(_ column: Int) -> Int { margin + column * width + width / 2 }
        let lineWidth = margin + hosts.count * width

        var out: [String] = []
        let nodes = Set(messages.map(\.node).filter { !$0.isEmpty }).sorted().joined(separator: ", ")
        out.append("Call-ID: \(record.callID)")
        out.append("Start:   \(CallTime.format(first.microTimestamp)) UTC   messages: \(messages.count)   nodes: \(nodes)")
        out.append("")
        var names = [Character](repeating: " ", count: lineWidth)
        for (i, host) in hosts.enumerated() {
            let start = max(0, center(i) - host.count / 2)
            for (k, c) in host.enumerated() where start + k < lineWidth { names[start + k] = c }
        }
        out.append(trimmed(names))
        let rails = rail(hosts.count, lineWidth, center)
        out.append(trimmed(rails))
        for message in messages {
            var line = rails
            let from = hosts.firstIndex(of: Self.endpoint(message.sourceIP, message.sourcePort)) ?? 0
            let to = hosts.firstIndex(of: Self.endpoint(message.destinationIP, message.destinationPort)) ?? 0
            let time = Array(Self.offset(message.microTimestamp, from: first.microTimestamp))
            for (k, c) in time.enumerated() { line[k] = c }
            if from == to {
                let label = Array("<- " + message.label)
                for (k, c) in label.enumerated() where center(from) + 1 + k < line.count { line[center(from) + 1 + k] = c }
                if center(from) + 1 + label.count > line.count { line += label.suffix(center(from) + 1 + label.count - line.count) }
            } else {
                let (left, right) = (min(center(from), center(to)), max(center(from), center(to)))
                for x in (left + 1)..<right { line[x] = "-" }
                if to > from { line[right - 1] = ">" } else { line[left + 1] = "<" }
                let room = right - left - 5
                var label = Array(message.label)
                if label.count > room { label = Array(label.prefix(max(0, room))) }
                let start = left + 1 + (right - left - 1 - label.count) / 2
                for (k, c) in label.enumerated() { line[start + k] = c }
            }
            out.append(trimmed(line))
        }
        if !record.reports.isEmpty {
            out.append("")
            out.append("Reports and logs (correlation id \(record.callID)): \(record.reports.count)")
            for report in record.reports {
                let text = report.text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ")
                out.append("  \(Self.offset(report.microTimestamp, from: first.microTimestamp))  \(Self.reportKind(report.payloadType))  "
                    + "\(Self.endpoint(report.sourceIP, report.sourcePort)) -> \(Self.endpoint(report.destinationIP, report.destinationPort))"
                    + (report.node.isEmpty ? "" : "  node \(report.node)") + "  " + String(text.prefix(300)))
            }
        }
        if raw {
            for (i, message) in messages.enumerated() {
                out.append("")
                out.append("--- #\(i + 1) \(Self.offset(message.microTimestamp, from: first.microTimestamp)) "
                    + "\(CallTime.format(message.microTimestamp)) \(Self.endpoint(message.sourceIP, message.sourcePort)) -> "
                    + "\(Self.endpoint(message.destinationIP, message.destinationPort)) \(Self.transport(message.ipProtocol))"
                    + (message.node.isEmpty ? "" : " node \(message.node)") + " ---")
                let text = String(decoding: message.raw, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
                out.append(text.hasSuffix("\n") ? String(text.dropLast()) : text)
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func rail(_ count: Int, _ width: Int, _ center: (Int) -> Int) -> [Character] {
        var line = [Character](repeating: " ", count: width)
        for i in 0..<count { line[center(i)] = "|" }
        return line
    }

    private func trimmed(_ line: [Character]) -> String {
        var s = String(line)
        while s.last == " " { s.removeLast() }
        return s
    }
}
