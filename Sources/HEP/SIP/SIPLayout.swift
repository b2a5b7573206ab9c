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

    static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(SIPParseError) -> SIPLayout {
        guard let base = buffer.baseAddress, buffer.count > 0 else { throw .empty }
        let n = buffer.count
        guard n < Int(Int32.max) else { throw .tooLarge(n) }
        var layout = SIPLayout()

        var i = 0
        while i < n, base[i] == SIPByte.cr || base[i] == SIPByte.lf { i += 1 }
        guard i < n else { throw .empty }
        var lineEnd = i
        while lineEnd < n, base[lineEnd] != SIPByte.lf { lineEnd += 1 }
        try layout.parseStartLine(base, i, lineEnd)

        let headersStart = min(lineEnd + 1, n)
        var scanner = SIPFieldScanner(base: base, from: headersStart, limit: n)
        while let field = scanner.next() {
            if let kind = SIPKnownHeader.classify(base + field.nameStart, field.nameEnd - field.nameStart) {
                layout.known.recordFirst(kind, SIPSpan(field.valueStart, field.valueEnd))
            }
        }
        layout.headerBlock = SIPSpan(headersStart, scanner.headerEnd)
        layout.headerTerminated = scanner.terminated
        layout.malformedHeaderLines = Int32(truncatingIfNeeded: scanner.malformedLines)

        let contentLength = layout.known[.contentLength]
        if !contentLength.isAbsent {
            let digits = UnsafeBufferPointer(start: base + Int(contentLength.start),
                                             count: Int(contentLength.end - contentLength.start))
            layout.declaredContentLength = Self.decimal(digits) ?? -1
        }
        if scanner.terminated {
            let start = scanner.bodyStart
            var end = n
            if layout.declaredContentLength >= 0, start + Int(layout.declaredContentLength) <= n {
                end = start + Int(layout.declaredContentLength)
            }
            layout.body = SIPSpan(start, end)
        } else {
            layout.body = SIPSpan(n, n)
        }
        return layout
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
    private static func isSIP20(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        e - s == 7 && SIPByte.lower(base[s]) == 0x73 && SIPByte.lower(base[s + 1]) == 0x69
            && SIPByte.lower(base[s + 2]) == 0x70 && base[s + 3] == SIPByte.slash
            && base[s + 4] == 0x32 && base[s + 5] == 0x2E && base[s + 6] == 0x30
    }

    @inline(__always)
    private static func startsWithSIPSlash(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        e - s >= 4 && SIPByte.lower(base[s]) == 0x73 && SIPByte.lower(base[s + 1]) == 0x69
            && SIPByte.lower(base[s + 2]) == 0x70 && base[s + 3] == SIPByte.slash
    }

    /// Start line in `[s, lineFeed)`. Runs of SP between elements and trailing SP are tolerated.
    private mutating func parseStartLine(_ base: UnsafePointer<UInt8>, _ s: Int, _ lineFeed: Int) throws(SIPParseError) {
        var e = lineFeed
        while e > s, base[e - 1] == SIPByte.cr || base[e - 1] == SIPByte.sp || base[e - 1] == SIPByte.ht { e -= 1 }
        var i = s
        while i < e, base[i] != SIPByte.sp { i += 1 }
        let firstEnd = i

        if Self.startsWithSIPSlash(base, s, firstEnd) {
            guard Self.isSIP20(base, s, firstEnd) else { throw .unsupportedVersion }
            version = SIPSpan(s, firstEnd)
            while i < e, base[i] == SIPByte.sp { i += 1 }
            let codeStart = i
            while i < e, base[i] != SIPByte.sp { i += 1 }
            guard i - codeStart == 3 else { throw .badStatusCode }
            var code: Int32 = 0
            for k in codeStart..<i {
                guard SIPByte.isDigit(base[k]) else { throw .badStatusCode }
                code = code * 10 + Int32(base[k] &- 0x30)
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
        for k in s..<firstEnd where !SIPByte.isToken(base[k]) { throw .badMethod }
        while i < e, base[i] == SIPByte.sp { i += 1 }
        let uriStart = i
        while i < e, base[i] != SIPByte.sp { i += 1 }
        let uriEnd = i
        while i < e, base[i] == SIPByte.sp { i += 1 }
        let versionStart = i
        while i < e, base[i] != SIPByte.sp { i += 1 }
        let versionEnd = i
        guard uriEnd > uriStart, versionEnd > versionStart, versionEnd == e else { throw .badRequestLine }
        guard Self.isSIP20(base, versionStart, versionEnd) else {
            throw Self.startsWithSIPSlash(base, versionStart, versionEnd) ? .unsupportedVersion : .badRequestLine
        }
        // scheme ":" rest, scheme = ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")
        guard SIPByte.isAlpha(base[uriStart]) else { throw .badRequestURI }
        var k = uriStart + 1
        while k < uriEnd, SIPByte.isSchemeChar(base[k]) { k += 1 }
        guard k < uriEnd - 1, base[k] == SIPByte.colon else { throw .badRequestURI }

        method = SIPSpan(s, firstEnd)
        requestURI = SIPSpan(uriStart, uriEnd)
        version = SIPSpan(versionStart, versionEnd)
        isRequest = true
    }
}

/// First-occurrence value spans of the well-known headers.
@usableFromInline struct SIPKnownSpans: Sendable {
    var via = SIPSpan.absent, from = SIPSpan.absent, to = SIPSpan.absent, callID = SIPSpan.absent
    var cseq = SIPSpan.absent, contact = SIPSpan.absent, contentType = SIPSpan.absent
    var contentLength = SIPSpan.absent, userAgent = SIPSpan.absent, pAssertedIdentity = SIPSpan.absent
    var pPreferredIdentity = SIPSpan.absent, authorization = SIPSpan.absent
    var proxyAuthorization = SIPSpan.absent, reason = SIPSpan.absent, xCID = SIPSpan.absent
    var xOIP = SIPSpan.absent, xRTPStat = SIPSpan.absent, pRTPStat = SIPSpan.absent, diversion = SIPSpan.absent

    @usableFromInline init() {}

    @usableFromInline subscript(kind: SIPKnownHeader) -> SIPSpan {
        get {
            switch kind {
            case .via: via
            case .from: from
            case .to: to
            case .callID: callID
            case .cseq: cseq
            case .contact: contact
            case .contentType: contentType
            case .contentLength: contentLength
            case .userAgent: userAgent
            case .pAssertedIdentity: pAssertedIdentity
            case .pPreferredIdentity: pPreferredIdentity
            case .authorization: authorization
            case .proxyAuthorization: proxyAuthorization
            case .reason: reason
            case .xCID: xCID
            case .xOIP: xOIP
            case .xRTPStat: xRTPStat
            case .pRTPStat: pRTPStat
            case .diversion: diversion
            }
        }
        set {
            switch kind {
            case .via: via = newValue
            case .from: from = newValue
            case .to: to = newValue
            case .callID: callID = newValue
            case .cseq: cseq = newValue
            case .contact: contact = newValue
            case .contentType: contentType = newValue
            case .contentLength: contentLength = newValue
            case .userAgent: userAgent = newValue
            case .pAssertedIdentity: pAssertedIdentity = newValue
            case .pPreferredIdentity: pPreferredIdentity = newValue
            case .authorization: authorization = newValue
            case .proxyAuthorization: proxyAuthorization = newValue
            case .reason: reason = newValue
            case .xCID: xCID = newValue
            case .xOIP: xOIP = newValue
            case .xRTPStat: xRTPStat = newValue
            case .pRTPStat: pRTPStat = newValue
            case .diversion: diversion = newValue
            }
        }
    }

    @inline(__always)
    mutating func recordFirst(_ kind: SIPKnownHeader, _ span: SIPSpan) {
        if self[kind].isAbsent { self[kind] = span }
    }
}
