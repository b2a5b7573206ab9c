/// Parses the head (request line and header fields) of an HTTP/1.x request. Pure: works on the bytes
/// received so far, so it can be tested without sockets. Tolerates bare LF line ends.
enum HTTPHeadParser {
    enum Outcome: Equatable, Sendable {
        /// The head is not complete yet.
        case needMore
        /// The head, and how many bytes of the buffer it took (the body starts there).
        case complete(HTTPRequestHead, headLength: Int)
        /// The request can't be served; answer with this status.
        case invalid(HTTPStatus, String)
    }

    static func parse(_ bytes: ArraySlice<UInt8>) -> Outcome {
        guard let end = headEnd(bytes) else { return .needMore }
        let headBytes = bytes[bytes.startIndex..<end.headStop]
        var lines = headBytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let requestLine = lines.first else { return .invalid(.badRequest, "empty request") }
        // Request line: METHOD SP TARGET SP HTTP/1.x
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].allSatisfy(isTokenByte), parts[1].allSatisfy(isVisibleByte)
        else { return .invalid(.badRequest, "malformed request line") }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/") else { return .invalid(.badRequest, "malformed request line") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .invalid(.versionNotSupported, "only HTTP/1.0 and HTTP/1.1")
        }
        let target = String(decoding: parts[1], as: UTF8.self)
        let path: String
        var query: String?
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
        }
        guard path.hasPrefix("/") else { return .invalid(.badRequest, "request target must be a path") }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                return .invalid(.badRequest, "obsolete header line folding")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .invalid(.badRequest, "header line without a colon")
            }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
                return .invalid(.badRequest, "invalid header name")
            }
            let value = line[line.index(after: colon)...].drop { $0 == 0x20 || $0 == 0x09 }
            var trimmed = value[...]
            while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed = trimmed.dropLast() }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: trimmed, as: UTF8.self)))
        }
        let head = HTTPRequestHead(
            method: String(decoding: parts[0], as: UTF8.self), path: path, query: query,
            version: version, headers: headers)
        return .complete(head, headLength: end.bodyStart - bytes.startIndex)
    }

    /// Where the head ends: the index of the blank line's start and the first body byte.
    private static func headEnd(_ bytes: ArraySlice<UInt8>) -> (headStop: Int, bodyStart: Int)? {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == UInt8(ascii: "\n") {
                let next = i + 1
                if next < bytes.endIndex, bytes[next] == UInt8(ascii: "\n") {
                    return (i, next + 1)
                }
                if next + 1 < bytes.endIndex, bytes[next] == UInt8(ascii: "\r"), bytes[next + 1] == UInt8(ascii: "\n") {
                    return (i, next + 2)
                }
            }
            i += 1
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    private static func isVisibleByte(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    /// The declared body length, or the status to refuse the request with.
    enum BodyLength: Equatable, Sendable {
        case length(Int)
        case refuse(HTTPResponse)
    }

    static func contentLength(of head: HTTPRequestHead, limit: Int) -> BodyLength {
        if head.header("Transfer-Encoding") != nil {
            return .refuse(.error(.notImplemented, "Transfer-Encoding is not supported; send Content-Length"))
        }
        let values = head.headers.filter { $0.name.lowercased() == "content-length" }.map(\.value)
        guard let text = values.first else { return .length(0) }
        guard values.allSatisfy({ $0 == text }), !text.isEmpty, text.count <= 18,
              text.allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(text)
        else { return .refuse(.error(.badRequest, "invalid Content-Length")) }
        guard length <= limit else {
            return .refuse(.error(.payloadTooLarge, "body larger than \(limit) bytes"))
        }
        return .length(length)
    }
}
