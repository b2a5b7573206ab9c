/// What a transport payload looks like, decided from its first bytes.
enum PayloadClass: Equatable {
    /// SIP start line found at `start` (after leading CR/LF).
    case sip(start: Int)
    case hep
    case keepAlive
    case http
    case rtp
    case other
}

extension PayloadClass {
    /// Why a payload of this class is not kept (`CaptureStats.ignored`); nil for SIP and HEP.
    var ignoredReason: IgnoredReason? {
        switch self {
        case .sip, .hep: nil
        case .keepAlive: .keepAlive
        case .http: .http
        case .rtp: .rtp
        case .other: .notSIP
        }
    }
}

enum PayloadClassifier {
    static let sipVersion: [UInt8] = Array("SIP/2.0".utf8)
    static let httpVersionPrefix: [UInt8] = Array("HTTP/".utf8)
    static let maxMethodLength = 32

    static func classify(_ bytes: UnsafeRawBufferPointer) -> PayloadClass {
        if isHEP(bytes) { return .hep }
        var start = 0
        while start < bytes.count, isFiller(bytes[start]) { start += 1 }
        if start == bytes.count { return .keepAlive }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
        switch startLine(rest) {
        case .sip: return .sip(start: start)
        case .http: return .http
        case .none: return looksLikeRTP(bytes) ? .rtp : .other
        }
    }

    /// RTP/RTCP version 2 with at least a fixed RTP header (12 bytes) or an RTCP header (8 bytes).
    static func looksLikeRTP(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 8, bytes[0] >> 6 == 2 else { return false }
        let packetType = bytes[1]
        if packetType >= 200 && packetType <= 207 { return true }   // RTCP SR, RR, SDES, BYE, APP, ...
        return bytes.count >= 12
    }

    /// CR, LF, space, tab and NUL: what keep-alives and padding are made of.
    @inline(__always)
    static func isFiller(_ byte: UInt8) -> Bool { byte == 13 || byte == 10 || byte == 32 || byte == 9 || byte == 0 }

    /// HEPv3 magic, or a HEPv1/v2 header whose length and family agree.
    static func isHEP(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 6 else { return false }
        if bytes[0] == 0x48, bytes[1] == 0x45, bytes[2] == 0x50, bytes[3] == 0x33 { return true }
        let version = bytes[0]
        guard version == 1 || version == 2 else { return false }
        let headerLength = Int(bytes[1])
        let family = bytes[2]
        guard (headerLength == 16 && family == 2) || (headerLength == 40 && family == 10) else { return false }
        let payloadStart = headerLength + (version == 2 ? 12 : 0)
        return bytes.count >= payloadStart
    }

    enum StartLine { case sip, http }

    /// Checks the first line: `METHOD SP URI SP SIP/2.0` or `SIP/2.0 SP 3DIGIT`. HTTP start lines are
    /// recognised so that they can be counted apart. Needs the whole first line (up to CR or LF).
    static func startLine(_ bytes: UnsafeRawBufferPointer) -> StartLine? {
        // Methods, "SIP/2.0" and "HTTP/" all start with a token character: reject binary data (RTP...)
        // before looking for the end of the line.
        guard let first = bytes.first, isTokenChar(first) else { return nil }
        guard let lineEnd = bytes.firstIndex(where: { $0 == 13 || $0 == 10 }) else { return nil }
        let line = UnsafeRawBufferPointer(rebasing: bytes[..<lineEnd])
        if hasPrefix(line, sipVersion) {
            // SIP/2.0 SP 3DIGIT [SP reason]
            guard line.count >= 11, line[7] == 32, isDigit(line[8]), isDigit(line[9]), isDigit(line[10]),
                  line.count == 11 || line[11] == 32
            else { return nil }
            return .sip
        }
        if hasPrefix(line, httpVersionPrefix) { return .http }
        // METHOD
        var index = 0
        while index < line.count, index <= maxMethodLength, isTokenChar(line[index]) { index += 1 }
        guard index > 0, index <= maxMethodLength, index < line.count, line[index] == 32 else { return nil }
        let uriStart = index + 1
        guard let uriEnd = line[uriStart...].firstIndex(of: 32), uriEnd > uriStart else { return nil }
        let version = UnsafeRawBufferPointer(rebasing: line[(uriEnd + 1)...])
        if hasPrefix(version, httpVersionPrefix) { return .http }
        guard version.elementsEqual(sipVersion) else { return nil }
        let uri = line[uriStart..<uriEnd]
        // A SIP Request-URI has a scheme (':') and no controls.
        guard uri.contains(58), !uri.contains(where: { $0 < 33 || $0 == 127 }) else { return nil }
        return .sip
    }

    @inline(__always)
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && bytes.prefix(prefix.count).elementsEqual(prefix)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    /// RFC 3261 token characters (methods are tokens; extension methods may be lower case).
    @inline(__always)
    static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case 65...90, 97...122, 48...57: true
        case 45, 46, 33, 37, 42, 95, 43, 96, 39, 126: true   // - . ! % * _ + ` ' ~
        default: false
        }
    }
}
