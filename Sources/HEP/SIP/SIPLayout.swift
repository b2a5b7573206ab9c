#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Offsets of everything the one pass over a SIP payload finds: start line parts, the header block, the body
/// and the first occurrence of each well-known header. Fixed size: parsing never allocates.
@usableFromInline struct SIPLayout: Sendable {
    @usableFromInline var isRequest = false
    @usableFromInline var method = SIPSpan.absent
    @usableFromInline var requestURI = SIPSpan.absent
    @usableFromInline var version = SIPSpan.absent
    @usableFromInline var statusCode = SIPSpan.absent
    @usableFromInline var reasonPhrase = SIPSpan.absent
    @usableFromInline var status: Int32 = 0
    @usableFromInline var headerBlock = SIPSpan.absent
    @usableFromInline var body = SIPSpan.absent
    @usableFromInline var declaredContentLength: Int32 = -1
    @usableFromInline var malformedHeaderLines: Int32 = 0
    @usableFromInline var headerTerminated = false
    @usableFromInline var known = SIPKnownSpans()

    @inlinable init() {}

    /// Fills the layout from `payload` in one pass, in place (the caller's storage: the layout is a few
    /// hundred bytes, so it is not built aside and copied).
    @usableFromInline
    mutating func parse(_ payload: ArraySlice<UInt8>) throws(SIPParseError) {
        let failure = payload.withUnsafeBufferPointer { buffer -> SIPParseError? in
            do throws(SIPParseError) {
                try self.parse(buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Fills the layout from the payload in one pass.
    mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(SIPParseError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { throw .empty }
        let n = buffer.count
        guard n < Int(Int32.max) else { throw .tooLarge(n) }

        var i = 0
        while i < n, buffer[i] == SIPByte.cr || buffer[i] == SIPByte.lf { i += 1 }
        guard i < n else { throw .empty }
        var lineEnd = n
        if let hit = memchr(base + i, Int32(SIPByte.lf), n - i) {
            lineEnd = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        try parseStartLine(buffer, i, lineEnd)

        let headersStart = min(lineEnd + 1, n)
        var scanner = SIPFieldScanner(base: base, from: headersStart, limit: n)
        while let field = scanner.next() {
            if let kind = SIPKnownHeader.classify(base + field.nameStart, field.nameEnd - field.nameStart) {
                known.recordFirst(kind, SIPSpan(field.valueStart, field.valueEnd))
            }
        }
        headerBlock = SIPSpan(headersStart, scanner.headerEnd)
        headerTerminated = scanner.terminated
        malformedHeaderLines = Int32(truncatingIfNeeded: scanner.malformedLines)

        let contentLength = known[.contentLength]
        if !contentLength.isAbsent {
            let digits = UnsafeBufferPointer(start: base + Int(contentLength.start),
                                             count: Int(contentLength.end - contentLength.start))
            declaredContentLength = Self.decimal(digits) ?? -1
        }
        if scanner.terminated {
            let start = scanner.bodyStart
            var end = n
            if declaredContentLength >= 0, start + Int(declaredContentLength) <= n {
                end = start + Int(declaredContentLength)
            }
            body = SIPSpan(start, end)
        } else {
            body = SIPSpan(n, n)
        }
    }

    /// A non-negative decimal of at most 9 digits.
    private static func decimal(_ p: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard !p.isEmpty, p.count <= 9 else { return nil }
        var value: Int32 = 0
        for b in p {
            guard SIPByte.isDigit(b) else { return nil }
            value = value * 10 + Int32(b &- 0x30)
        }
        return value
    }

    @inline(__always)
    private static func isSIP20(_ buffer: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        e - s == 7 && SIPByte.lower(buffer[s]) == 0x73 && SIPByte.lower(buffer[s + 1]) == 0x69
            && SIPByte.lower(buffer[s + 2]) == 0x70 && buffer[s + 3] == SIPByte.slash
            && buffer[s + 4] == 0x32 && buffer[s + 5] == 0x2E && buffer[s + 6] == 0x30
    }

    @inline(__always)
    private static func startsWithSIPSlash(_ buffer: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        e - s >= 4 && SIPByte.lower(buffer[s]) == 0x73 && SIPByte.lower(buffer[s + 1]) == 0x69
            && SIPByte.lower(buffer[s + 2]) == 0x70 && buffer[s + 3] == SIPByte.slash
    }

    /// Start line in `[s, lineFeed)`. Runs of SP between elements and trailing SP are tolerated.
    private mutating func parseStartLine(_ buffer: UnsafeBufferPointer<UInt8>, _ s: Int, _ lineFeed: Int) throws(SIPParseError) {
        var e = lineFeed
        while e > s, buffer[e - 1] == SIPByte.cr || buffer[e - 1] == SIPByte.sp || buffer[e - 1] == SIPByte.ht { e -= 1 }
        // `[s, e)` is the start line, inside the buffer (`buffer` is not empty: `parse` checked).
        guard let base = buffer.baseAddress else { throw .empty }
        var i = SIPByteSearch.first(SIPByte.sp, base, s, e)
        let firstEnd = i

        if Self.startsWithSIPSlash(buffer, s, firstEnd) {
            guard Self.isSIP20(buffer, s, firstEnd) else { throw .unsupportedVersion }
            version = SIPSpan(s, firstEnd)
            while i < e, buffer[i] == SIPByte.sp { i += 1 }
            let codeStart = i
            while i < e, buffer[i] != SIPByte.sp { i += 1 }
            guard i - codeStart == 3 else { throw .badStatusCode }
            var code: Int32 = 0
            for k in codeStart..<i {
                guard SIPByte.isDigit(buffer[k]) else { throw .badStatusCode }
                code = code * 10 + Int32(buffer[k] &- 0x30)
            }
            guard (100...699).contains(code) else { throw .badStatusCode }
            statusCode = SIPSpan(codeStart, i)
            status = code
            if i < e { i += 1 }  // the single SP before the reason phrase
            reasonPhrase = SIPSpan(i, e)
            isRequest = false
            return
        }

        guard firstEnd > s, firstEnd < e else { throw .badRequestLine }
        for k in s..<firstEnd where !SIPByte.isToken(buffer[k]) { throw .badMethod }
        while i < e, buffer[i] == SIPByte.sp { i += 1 }
        let uriStart = i
        i = SIPByteSearch.first(SIPByte.sp, base, i, e)
        let uriEnd = i
        while i < e, buffer[i] == SIPByte.sp { i += 1 }
        let versionStart = i
        i = SIPByteSearch.first(SIPByte.sp, base, i, e)
        let versionEnd = i
        guard uriEnd > uriStart, versionEnd > versionStart, versionEnd == e else { throw .badRequestLine }
        guard Self.isSIP20(buffer, versionStart, versionEnd) else {
            throw Self.startsWithSIPSlash(buffer, versionStart, versionEnd) ? .unsupportedVersion : .badRequestLine
        }
        // scheme ":" rest, scheme = ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")
        guard SIPByte.isAlpha(buffer[uriStart]) else { throw .badRequestURI }
        var k = uriStart + 1
        while k < uriEnd, SIPByte.isSchemeChar(buffer[k]) { k += 1 }
        guard k < uriEnd - 1, buffer[k] == SIPByte.colon else { throw .badRequestURI }

        method = SIPSpan(s, firstEnd)
        requestURI = SIPSpan(uriStart, uriEnd)
        version = SIPSpan(versionStart, versionEnd)
        isRequest = true
    }
}

/// First-occurrence value spans of the well-known headers, indexed by `SIPKnownHeader.rawValue` (a fixed
/// tuple: no allocation, no switch on the hot path).
@usableFromInline struct SIPKnownSpans: Sendable {
    @usableFromInline var storage: (SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan,
                                    SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan, SIPSpan,
                                    SIPSpan)

    @inlinable init() {
        let a = SIPSpan.absent
        storage = (a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a)
    }

    @inlinable subscript(kind: SIPKnownHeader) -> SIPSpan {
        switch kind.rawValue {
            case 0: storage.0
            case 1: storage.1
            case 2: storage.2
            case 3: storage.3
            case 4: storage.4
            case 5: storage.5
            case 6: storage.6
            case 7: storage.7
            case 8: storage.8
            case 9: storage.9
            case 10: storage.10
            case 11: storage.11
            case 12: storage.12
            case 13: storage.13
            case 14: storage.14
            case 15: storage.15
            case 16: storage.16
            case 17: storage.17
        default: storage.18
        }
    }

    /// Records `span` for `kind` unless an earlier header of that kind was recorded (in place: no copy of the
    /// tuple).
    @inline(__always)
    mutating func recordFirst(_ kind: SIPKnownHeader, _ span: SIPSpan) {
        withUnsafeMutableBytes(of: &storage) { raw in
            let offset = Int(kind.rawValue) &* MemoryLayout<SIPSpan>.stride
            if raw.load(fromByteOffset: offset, as: SIPSpan.self).isAbsent {
                raw.storeBytes(of: span, toByteOffset: offset, as: SIPSpan.self)
            }
        }
    }

    var contentLength: SIPSpan { self[.contentLength] }
}
