/// Cuts one direction of a TCP stream into SIP messages (header block + Content-Length), HEPv3 frames, or
/// SIP-over-WebSocket messages (after an HTTP Upgrade), skipping keep-alives and junk.
struct SIPStreamFramer {
    enum Mode { case sip, hep, webSocket }

    private(set) var mode = Mode.sip
    private var buffer: [UInt8] = []
    private var head = 0
    /// Where the search for the end of the header block resumes (absolute index into `buffer`).
    private var scanFrom = 0
    /// Total length of the message at `head` once its header block has been read.
    private var pendingTotal: Int?
    /// Payload of a fragmented WebSocket message being collected.
    private var webSocketMessage: [UInt8] = []
    /// Bytes of an oversize message still to be skipped as they arrive.
    private var skipRemaining = 0

    let limits: StreamLimits

    init(limits: StreamLimits) { self.limits = limits }

    var bufferedBytes: Int { buffer.count - head + webSocketMessage.count }

    /// Forgets buffered bytes (after a gap in the stream); the next message is searched afresh.
    mutating func resynchronise() {
        buffer.removeAll(keepingCapacity: false)
        head = 0
        scanFrom = 0
        pendingTotal = nil
        webSocketMessage = []
        skipRemaining = 0
        if mode == .hep { mode = .sip }
    }

    mutating func append(
        _ data: UnsafeRawBufferPointer, stats: inout CaptureStats, emit: (StreamMessage) -> Void
    ) {
        if head > 0 && head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            scanFrom = 0
            head = 0
        } else if head > 65_536 && head * 2 > buffer.count {
            buffer.removeSubrange(0..<head)
            scanFrom -= head
            head = 0
        }
        var data = data
        if skipRemaining > 0 {
            let skipped = min(skipRemaining, data.count)
            skipRemaining -= skipped
            data = UnsafeRawBufferPointer(rebasing: data[skipped...])
        }
        buffer.append(contentsOf: data)
        drain(stats: &stats, emit: emit)
    }

    private var available: Int { buffer.count - head }

    private mutating func consume(_ count: Int) {
        head += count
        scanFrom = max(scanFrom, head)
        pendingTotal = nil
    }

    private mutating func drain(stats: inout CaptureStats, emit: (StreamMessage) -> Void) {
        var progress = true
        while progress && available > 0 {
            switch mode {
            case .sip: progress = nextSIP(stats: &stats, emit: emit)
            case .hep: progress = nextHEP(stats: &stats, emit: emit)
            case .webSocket: progress = nextWebSocketFrame(stats: &stats, emit: emit)
            }
        }
    }

    // MARK: SIP

    private mutating func nextSIP(stats: inout CaptureStats, emit: (StreamMessage) -> Void) -> Bool {
        if pendingTotal == nil {
            var skipped = 0
            while head + skipped < buffer.count, PayloadClassifier.isFiller(buffer[head + skipped]) { skipped += 1 }
            if skipped > 0 {
                stats.ignored.add(.keepAlive)
                consume(skipped)
                return true
            }
            if available >= 4, buffer[head] == 0x48, buffer[head + 1] == 0x45, buffer[head + 2] == 0x50,
               buffer[head + 3] == 0x33 {
                mode = .hep
                return true
            }
        }
        if let total = pendingTotal {
            guard available >= total else { return false }
            emitSIP(total, transport: .tcp, stats: &stats, emit: emit)
            return true
        }
        guard let lineEnd = findByte(10, from: head, limit: limits.maxHeaderSize) else {
            if available > limits.maxHeaderSize {
                stats.ignored.add(.streamJunk)
                consume(available)
            }
            return false
        }
        let line = buffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[head...lineEnd]) }
        switch PayloadClassifier.startLine(line) {
        case .sip:
            guard let headerEnd = findHeaderEnd() else {
                if available > limits.maxHeaderSize {
                    stats.tcp.oversizeMessages += 1
                    consume(lineEnd + 1 - head)
                    return true
                }
                return false
            }
            let bodyLength = contentLength(headerStart: head, headerEnd: headerEnd, stats: &stats)
            let total = headerEnd - head + bodyLength
            guard total <= limits.maxMessageSize else {
                // The length is known: skip exactly this message, also the part not yet received.
                stats.tcp.oversizeMessages += 1
                let now = min(total, available)
                consume(now)
                skipRemaining = total - now
                return true
            }
            pendingTotal = total
            guard available >= total else { return false }
            emitSIP(total, transport: .tcp, stats: &stats, emit: emit)
            return true
        case .http:
            guard let headerEnd = findHeaderEnd() else {
                if available > limits.maxHeaderSize {
                    stats.ignored.add(.http)
                    consume(lineEnd + 1 - head)
                    return true
                }
                return false
            }
            if isWebSocketUpgrade(headerStart: head, headerEnd: headerEnd) {
                consume(headerEnd - head)
                mode = .webSocket
                return true
            }
            let bodyLength = contentLength(headerStart: head, headerEnd: headerEnd, stats: &stats)
            stats.ignored.add(.http)
            if headerEnd - head + bodyLength <= available {
                consume(headerEnd - head + bodyLength)
            } else {
                consume(headerEnd - head)   // the body's lines are skipped as junk when they arrive
            }
            return true
        case nil:
            stats.ignored.add(.streamJunk)
            consume(lineEnd + 1 - head)
            return true
        }
    }

    private mutating func emitSIP(
        _ total: Int, transport: CaptureTransport, stats: inout CaptureStats, emit: (StreamMessage) -> Void
    ) {
        emit(StreamMessage(kind: .sip, transport: transport, payload: Array(buffer[head..<(head + total)])))
        consume(total)
    }

    private func findByte(_ byte: UInt8, from start: Int, limit: Int) -> Int? {
        let end = min(buffer.count, start + limit + 1)
        var index = start
        while index < end {
            if buffer[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// End of the header block (index just past the empty line), CRLF or bare LF.
    private mutating func findHeaderEnd() -> Int? {
        var index = max(scanFrom, head)
        let end = min(buffer.count, head + limits.maxHeaderSize)
        while index < end {
            if buffer[index] == 10 {
                if index + 1 < buffer.count, buffer[index + 1] == 10 { return index + 2 }
                if index + 2 < buffer.count, buffer[index + 1] == 13, buffer[index + 2] == 10 { return index + 3 }
                if index + 2 >= buffer.count { break }
            }
            index += 1
        }
        scanFrom = max(head, index - 1)
        return nil
    }

    /// Value of Content-Length (or compact `l`) in the header block; 0 when absent or not a number.
    private func contentLength(headerStart: Int, headerEnd: Int, stats: inout CaptureStats) -> Int {
        var lineStart = headerStart
        while lineStart < headerEnd {
            var lineEnd = lineStart
            while lineEnd < headerEnd, buffer[lineEnd] != 10 { lineEnd += 1 }
            if let value = headerValue(named: Self.contentLengthName, compact: Self.contentLengthCompact, line: lineStart..<lineEnd) {
                var number = 0
                var digits = 0
                var index = value.lowerBound
                while index < value.upperBound, buffer[index] == 32 || buffer[index] == 9 { index += 1 }
                while index < value.upperBound, PayloadClassifier.isDigit(buffer[index]), digits < 9 {
                    number = number * 10 + Int(buffer[index] - 48)
                    digits += 1
                    index += 1
                }
                if digits == 0 {
                    stats.tcp.badContentLength += 1
                    return 0
                }
                return number
            }
            lineStart = lineEnd + 1
        }
        return 0
    }

    static let contentLengthName: [UInt8] = Array("content-length".utf8)
    static let contentLengthCompact: [UInt8] = [UInt8(ascii: "l")]
    static let upgradeName: [UInt8] = Array("upgrade".utf8)

    /// The value range of a header line whose name is `name` or `compact` (lower-case ASCII; compared
    /// case-insensitively).
    private func headerValue(named name: [UInt8], compact: [UInt8]?, line: Range<Int>) -> Range<Int>? {
        var nameEnd = line.lowerBound
        while nameEnd < line.upperBound, buffer[nameEnd] != 58, buffer[nameEnd] != 32, buffer[nameEnd] != 9 { nameEnd += 1 }
        let length = nameEnd - line.lowerBound
        func matches(_ wanted: [UInt8]) -> Bool {
            guard length == wanted.count else { return false }
            for index in 0..<length where buffer[line.lowerBound + index] | 0x20 != wanted[index] { return false }
            return true
        }
        guard matches(name) || (compact.map(matches) ?? false) else { return nil }
        var colon = nameEnd
        while colon < line.upperBound, buffer[colon] == 32 || buffer[colon] == 9 { colon += 1 }
        guard colon < line.upperBound, buffer[colon] == 58 else { return nil }
        return (colon + 1)..<line.upperBound
    }

    private func isWebSocketUpgrade(headerStart: Int, headerEnd: Int) -> Bool {
        var lineStart = headerStart
        while lineStart < headerEnd {
            var lineEnd = lineStart
            while lineEnd < headerEnd, buffer[lineEnd] != 10 { lineEnd += 1 }
            if let value = headerValue(named: Self.upgradeName, compact: nil, line: lineStart..<lineEnd) {
                let text = String(decoding: buffer[value], as: UTF8.self).lowercased()
                return text.contains("websocket")
            }
            lineStart = lineEnd + 1
        }
        return false
    }

    // MARK: HEPv3 over TCP

    private mutating func nextHEP(stats: inout CaptureStats, emit: (StreamMessage) -> Void) -> Bool {
        guard available >= 6 else { return false }
        guard buffer[head] == 0x48, buffer[head + 1] == 0x45, buffer[head + 2] == 0x50, buffer[head + 3] == 0x33 else {
            mode = .sip
            return true
        }
        let length = Int(buffer[head + 4]) << 8 | Int(buffer[head + 5])
        guard length >= 6 else {
            stats.ignored.add(.streamJunk)
            consume(4)
            mode = .sip
            return true
        }
        guard available >= length else { return false }
        emit(StreamMessage(kind: .hep, transport: .tcp, payload: Array(buffer[head..<(head + length)])))
        consume(length)
        return true
    }

    // MARK: WebSocket (RFC 6455 framing, RFC 7118 SIP)

    private mutating func nextWebSocketFrame(stats: inout CaptureStats, emit: (StreamMessage) -> Void) -> Bool {
        guard available >= 2 else { return false }
        let first = buffer[head]
        let second = buffer[head + 1]
        let fin = first & 0x80 != 0
        let opcode = first & 0x0F
        let masked = second & 0x80 != 0
        var headerLength = 2
        var payloadLength = Int(second & 0x7F)
        if payloadLength == 126 {
            guard available >= 4 else { return false }
            payloadLength = Int(buffer[head + 2]) << 8 | Int(buffer[head + 3])
            headerLength = 4
        } else if payloadLength == 127 {
            guard available >= 10 else { return false }
            var value: UInt64 = 0
            for index in 2..<10 { value = value << 8 | UInt64(buffer[head + index]) }
            guard value <= UInt64(limits.maxMessageSize) else {
                stats.tcp.oversizeMessages += 1
                resynchronise()
                mode = .sip
                return false
            }
            payloadLength = Int(value)
            headerLength = 10
        }
        let maskOffset = head + headerLength
        if masked { headerLength += 4 }
        guard payloadLength <= limits.maxMessageSize, first & 0x70 == 0 else {
            stats.tcp.oversizeMessages += 1
            resynchronise()
            mode = .sip
            return false
        }
        guard available >= headerLength + payloadLength else { return false }
        let payloadStart = head + headerLength
        var payload = Array(buffer[payloadStart..<(payloadStart + payloadLength)])
        if masked {
            let mask = (buffer[maskOffset], buffer[maskOffset + 1], buffer[maskOffset + 2], buffer[maskOffset + 3])
            for index in payload.indices {
                switch index & 3 {
                case 0: payload[index] ^= mask.0
                case 1: payload[index] ^= mask.1
                case 2: payload[index] ^= mask.2
                default: payload[index] ^= mask.3
                }
            }
        }
        consume(headerLength + payloadLength)
        switch opcode {
        case 1, 2:
            webSocketMessage = payload
        case 0:
            guard webSocketMessage.count + payload.count <= limits.maxMessageSize else {
                stats.tcp.oversizeMessages += 1
                webSocketMessage = []
                return true
            }
            webSocketMessage.append(contentsOf: payload)
        case 8, 9, 10:
            stats.ignored.add(.webSocketControl)
            return true
        default:
            stats.ignored.add(.streamJunk)
            return true
        }
        guard fin else { return true }
        let message = webSocketMessage
        webSocketMessage = []
        let isSIP = message.withUnsafeBytes { PayloadClassifier.classify($0) }
        if case .sip(let start) = isSIP {
            emit(StreamMessage(kind: .sip, transport: .ws, payload: Array(message[start...])))
        } else {
            stats.ignored.add(.notSIP)
        }
        return true
    }
}
