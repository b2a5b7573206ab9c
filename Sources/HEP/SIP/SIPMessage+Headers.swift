extension SIPMessage {
    @inlinable
    func known(_ kind: SIPKnownHeader) -> ArraySlice<UInt8>? { slice(layout.known[kind]) }

    // MARK: Well-known headers (first occurrence, recorded while parsing)

    /// Call-ID body (`i`).
    @inlinable public var callID: ArraySlice<UInt8>? { known(.callID) }
    /// CSeq body as written, e.g. `314159 INVITE`.
    @inlinable public var cseq: ArraySlice<UInt8>? { known(.cseq) }
    /// User-Agent body.
    @inlinable public var userAgent: ArraySlice<UInt8>? { known(.userAgent) }
    /// Content-Type body (`c`).
    @inlinable public var contentType: ArraySlice<UInt8>? { known(.contentType) }
    /// Body of the first Via header field (`v`), all its comma-separated values.
    @inlinable public var firstViaHeader: ArraySlice<UInt8>? { known(.via) }
    /// Body of the first From header (`f`).
    @inlinable public var fromHeader: ArraySlice<UInt8>? { known(.from) }
    /// Body of the first To header (`t`).
    @inlinable public var toHeader: ArraySlice<UInt8>? { known(.to) }
    /// Body of the first Contact header (`m`).
    @inlinable public var contactHeader: ArraySlice<UInt8>? { known(.contact) }

    // MARK: Generic lookups (rescan the header block)

    /// Body of the first header with this name: ASCII case-insensitive, compact and full forms are the same
    /// header. Well-known headers answer from the parse; others rescan the header block.
    public func header(_ name: SIPHeaderName) -> ArraySlice<UInt8>? {
        if let kind = name.known { return known(kind) }
        var found: SIPSpan? = nil
        forEachRawField { p, field in
            if name.matches(p + field.nameStart, field.nameEnd - field.nameStart) {
                found = SIPSpan(field.valueStart, field.valueEnd)
                return false
            }
            return true
        }
        return found.flatMap(slice)
    }

    /// Body of the first header with this name (see `header(_: SIPHeaderName)`), without allocating for
    /// native strings.
    public func header(_ name: some StringProtocol) -> ArraySlice<UInt8>? {
        if let result = name.utf8.withContiguousStorageIfAvailable({ header(nameBytes: $0) }) { return result }
        let copy = Array(name.utf8)
        return copy.withUnsafeBufferPointer { header(nameBytes: $0) }
    }

    private func header(nameBytes q: UnsafeBufferPointer<UInt8>) -> ArraySlice<UInt8>? {
        guard let qBase = q.baseAddress, !q.isEmpty else { return nil }
        if let kind = SIPKnownHeader.classify(qBase, q.count) { return known(kind) }
        let alternate = SIPCompactForm.alternate(of: q)
        var found: SIPSpan? = nil
        forEachRawField { p, field in
            let n = field.nameEnd - field.nameStart
            let name = p + field.nameStart
            if Self.sameName(name, n, qBase, q.count)
                || (alternate.map { Self.sameName(name, n, $0.utf8Start, $0.utf8CodeUnitCount) } ?? false) {
                found = SIPSpan(field.valueStart, field.valueEnd)
                return false
            }
            return true
        }
        return found.flatMap(slice)
    }

    @inline(__always)
    static func sameName(_ a: UnsafePointer<UInt8>, _ n: Int, _ b: UnsafePointer<UInt8>, _ m: Int) -> Bool {
        guard n == m else { return false }
        for k in 0..<n where SIPByte.lower(a[k]) != SIPByte.lower(b[k]) { return false }
        return true
    }

    /// Bodies of every header line with this name, in order (repeated headers; a line's comma-separated
    /// values stay together — see `headerValues(_:)`).
    public func headers(_ name: SIPHeaderName) -> [ArraySlice<UInt8>] {
        var spans: [SIPSpan] = []
        forEachRawField { p, field in
            if name.matches(p + field.nameStart, field.nameEnd - field.nameStart) {
                spans.append(SIPSpan(field.valueStart, field.valueEnd))
            }
            return true
        }
        return spans.compactMap(slice)
    }

    public func headers(_ name: some StringProtocol) -> [ArraySlice<UInt8>] { headers(SIPHeaderName(name)) }

    /// Every value of a comma-separated list header (Via, Contact, Route, P-Asserted-Identity, ...) across all
    /// its lines, split at commas outside quotes and `<>`, each trimmed. Do not use it for headers whose
    /// values contain commas themselves (Date, Authorization, User-Agent).
    public func headerValues(_ name: SIPHeaderName) -> [ArraySlice<UInt8>] {
        var values: [ArraySlice<UInt8>] = []
        for line in headers(name) {
            var rest = line
            while let (value, next) = SIPListSplitter.first(of: rest) {
                if !value.isEmpty { values.append(value) }
                guard let next else { break }
                rest = next
            }
        }
        return values
    }

    public func headerValues(_ name: some StringProtocol) -> [ArraySlice<UInt8>] { headerValues(SIPHeaderName(name)) }

    /// Every header field in order as (name as written, body); allocates the array.
    public var headerFields: [(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)] {
        var spans: [(SIPSpan, SIPSpan)] = []
        forEachRawField { _, field in
            spans.append((SIPSpan(field.nameStart, field.nameEnd), SIPSpan(field.valueStart, field.valueEnd)))
            return true
        }
        return spans.compactMap { name, value in
            guard let n = slice(name), let v = slice(value) else { return nil }
            return (n, v)
        }
    }

    /// Calls `body` for each header field of the header block until it returns false.
    func forEachRawField(_ body: (UnsafePointer<UInt8>, SIPRawField) -> Bool) {
        let block = layout.headerBlock
        guard !block.isAbsent else { return }
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var scanner = SIPFieldScanner(base: base, from: Int(block.start), limit: Int(block.end))
            while let field = scanner.next() {
                if !body(base, field) { return }
            }
        }
    }
}

/// Splits comma-separated header values at commas outside double quotes and angle brackets.
enum SIPListSplitter {
    /// The first value (trimmed) and the rest after its comma (nil when it was the last value).
    static func first(of list: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>?)? {
        guard !list.isEmpty else { return nil }
        var i = list.startIndex
        var angle = false
        while i < list.endIndex {
            let b = list[i]
            if b == SIPByte.quote {
                guard let close = SIPByte.closingQuote(in: list, from: i + 1, to: list.endIndex) else { break }
                i = close + 1
                continue
            }
            if b == SIPByte.lessThan {
                angle = true
            } else if b == SIPByte.greaterThan {
                angle = false
            } else if b == SIPByte.comma, !angle {
                return (list[list.startIndex..<i].sipTrimmed, list[(i + 1)...])
            }
            i += 1
        }
        return (list.sipTrimmed, nil)
    }
}
