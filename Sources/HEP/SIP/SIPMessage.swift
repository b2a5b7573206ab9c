/// A zero-copy view of one SIP message. Parsing makes one pass over the start line and the header block and
/// records offsets only; every field is an `ArraySlice<UInt8>` into the payload, URIs and header parameters
/// are parsed when asked for. Header and body problems give a partial view; only a start line that is not
/// SIP throws.
public struct SIPMessage: Sendable {
    /// The whole payload the view was made from.
    public let bytes: ArraySlice<UInt8>
    @usableFromInline var layout: SIPLayout

    @inlinable
    public init(parsing payload: ArraySlice<UInt8>) throws(SIPParseError) {
        self.bytes = payload
        self.layout = SIPLayout()
        try self.layout.parse(payload)
    }

    public init(parsing payload: [UInt8]) throws(SIPParseError) {
        try self.init(parsing: payload[...])
    }

    @inlinable
    func slice(_ span: SIPSpan) -> ArraySlice<UInt8>? {
        guard !span.isAbsent else { return nil }
        let base = bytes.startIndex
        return bytes[(base + Int(span.start))..<(base + Int(span.end))]
    }

    // MARK: Start line

    /// True for a request, false for a response.
    @inlinable public var isRequest: Bool { layout.isRequest }
    /// Request method as written (`INVITE`); nil for responses.
    @inlinable public var method: ArraySlice<UInt8>? { slice(layout.method) }
    /// Request-URI as written; nil for responses.
    @inlinable public var requestURIBytes: ArraySlice<UInt8>? { slice(layout.requestURI) }
    /// The parsed Request-URI (parsed on each access).
    public var requestURI: SIPURI? { requestURIBytes.map(SIPURI.init(parsing:)) }
    /// `SIP/2.0` as written.
    public var version: ArraySlice<UInt8> { slice(layout.version) ?? bytes[bytes.startIndex..<bytes.startIndex] }
    /// Response status code (100...699); nil for requests.
    @inlinable public var statusCode: Int? { layout.isRequest ? nil : Int(layout.status) }
    /// Response status code as its three digits; nil for requests.
    @inlinable public var statusCodeBytes: ArraySlice<UInt8>? { slice(layout.statusCode) }
    /// Response reason phrase (may be empty); nil for requests.
    @inlinable public var reasonPhrase: ArraySlice<UInt8>? { slice(layout.reasonPhrase) }

    // MARK: Header block and body

    /// The header block: from the first header line up to (not including) the empty line.
    public var headerBlock: ArraySlice<UInt8> { slice(layout.headerBlock) ?? bytes[bytes.endIndex..<bytes.endIndex] }
    /// Whether an empty line ended the header block (false for a truncated message).
    public var hasCompleteHeader: Bool { layout.headerTerminated }
    /// Header lines skipped because they are not `name: value`.
    public var malformedHeaderLineCount: Int { Int(layout.malformedHeaderLines) }
    /// Content-Length as declared, when it is a decimal number; nil when absent or not a number.
    public var declaredContentLength: Int? {
        layout.declaredContentLength >= 0 ? Int(layout.declaredContentLength) : nil
    }
    /// The body: Content-Length bytes after the empty line when that many are there, else everything after it
    /// (empty when the header block is not terminated).
    public var body: ArraySlice<UInt8> { slice(layout.body) ?? bytes[bytes.endIndex..<bytes.endIndex] }
    /// Whether a Content-Length header is present and is not a number or disagrees with the bytes after the
    /// header block (too few, or trailing bytes).
    public var contentLengthMismatch: Bool {
        guard !layout.known.contentLength.isAbsent else { return false }
        guard layout.headerTerminated, layout.declaredContentLength >= 0 else { return true }
        return layout.body.end - layout.body.start != layout.declaredContentLength || Int(layout.body.end) != bytes.count
    }
}
