import Testing
import HEP

@Suite struct SIPHeaderTests {
    static let compact = """
        INVITE sip:bob@example.com SIP/2.0\r
        v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc1\r
        f: <sip:alice@example.com>;tag=a1\r
        t: sip:bob@example.com\r
        i: compact-call\r
        m: <sip:alice@192.0.2.1:5070>\r
        c: application/sdp\r
        l: 4\r
        k: 100rel\r
        s: hello\r
        e: gzip\r
        o: presence\r
        u: dialog\r
        r: <sip:carol@example.com>\r
        b: <sip:dave@example.com>\r
        x: 1800\r
        CSeq: 1 INVITE\r
        \r
        v=0
        """

    @Test(arguments: [
        ("Call-ID", "compact-call"), ("From", "<sip:alice@example.com>;tag=a1"), ("To", "sip:bob@example.com"),
        ("Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc1"), ("Contact", "<sip:alice@192.0.2.1:5070>"),
        ("Content-Length", "4"), ("Content-Type", "application/sdp"), ("Supported", "100rel"), ("Subject", "hello"),
        ("Content-Encoding", "gzip"), ("Event", "presence"), ("Allow-Events", "dialog"), ("Refer-To", "<sip:carol@example.com>"),
        ("Referred-By", "<sip:dave@example.com>"), ("Session-Expires", "1800"),
        ("call-id", "compact-call"), ("CALL-ID", "compact-call"), ("SUBJECT", "hello"), ("i", "compact-call"), ("I", "compact-call"),
    ])
    func compactFormsAnswerFullNames(_ name: String, _ value: String) throws {
        let m = try message(Self.compact)
        #expect(text(m.header(name)) == value)
        #expect(text(m.header(SIPHeaderName(name))) == value)
        #expect(text(SIPField(name: "header." + name)?.value(in: m)) == value)
    }

    @Test func fullNamesAnswerCompactQueries() throws {
        let m = try message("OPTIONS sip:a@b SIP/2.0\r\nSubject: full\r\nEvent: ev\r\nCall-ID: c1\r\n\r\n")
        #expect(text(m.header("s")) == "full")
        #expect(text(m.header("o")) == "ev")
        #expect(text(m.header("i")) == "c1")
        #expect(m.header("k") == nil)
        #expect(m.header("Supported") == nil)
        #expect(m.header("") == nil)
    }

    @Test func compactMessageFields() throws {
        let m = try message(Self.compact)
        #expect(text(m.callID) == "compact-call")
        #expect(text(m.fromTag) == "a1")
        #expect(text(m.toUser) == "bob")
        #expect(text(m.contactUser) == "alice")
        #expect(m.contact?.uri.port == 5070)
        #expect(text(m.viaBranch) == "z9hG4bKc1")
        #expect(text(m.body) == "v=0")
        #expect(m.declaredContentLength == 4)
        #expect(m.contentLengthMismatch)
    }

    @Test func foldedLinesBelongToTheirHeader() throws {
        let m = try message("""
            OPTIONS sip:a@b SIP/2.0\r
            Subject: first\r
             second\r
            \tthird\r
            Call-ID: fold-1\r
            CSeq: 1\r
              OPTIONS\r
            \r

            """)
        #expect(text(m.header("Subject")) == "first\r\n second\r\n\tthird")
        #expect(text(m.callID) == "fold-1")
        #expect(text(m.cseqMethod) == "OPTIONS")
        #expect(m.cseqNumber == 1)
        #expect(m.headerFields.count == 3)
    }

    @Test func bareLineFeeds() throws {
        let m = try message("SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP h;branch=z9hG4bKlf\nTo: <sip:b@h>\n ;tag=t9\nCall-ID: lf-1\nContent-Length: 3\n\nabcdef")
        #expect(m.statusCode == 180)
        #expect(text(m.reasonPhrase) == "Ringing")
        #expect(text(m.viaBranch) == "z9hG4bKlf")
        #expect(text(m.header("to")) == "<sip:b@h>\n ;tag=t9")
        #expect(text(m.toTag) == "t9")
        #expect(text(m.callID) == "lf-1")
        #expect(text(m.body) == "abc")
        #expect(m.hasCompleteHeader)
    }

    @Test func repeatedHeadersAndCommaLists() throws {
        let m = try message("""
            REGISTER sip:example.com SIP/2.0\r
            Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2\r
            Via: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK3\r
            Contact: "A, B" <sip:ab@example.com>;expires=60, <sip:c@example.com>\r
            contact: sip:d@example.com;q=0.5\r
            Route: <sip:p1@example.com;lr>\r
            ROUTE: <sip:p2@example.com;lr>\r
            Call-ID: rep-1\r
            \r

            """)
        #expect(m.headers("Via").count == 2)
        #expect(m.vias.map { text($0.host) } == ["a.example.com", "b.example.com", "2001:db8::1"])
        #expect(m.vias.map(\.port) == [nil, 5061, 5062])
        #expect(m.vias[2].isIPv6Reference)
        #expect(text(m.via?.branch) == "z9hG4bK1")
        #expect(text(m.firstViaHeader) == "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2")
        #expect(m.contacts.map { text($0.uri.user) } == ["ab", "c", "d"])
        #expect(text(m.contacts.first?.displayName) == "A, B")
        #expect(text(m.contacts.first?.param("expires")) == "60")
        #expect(text(m.contacts.last?.param("q")) == "0.5")
        #expect(m.headers("route").map(text) == ["<sip:p1@example.com;lr>", "<sip:p2@example.com;lr>"])
        #expect(text(m.header("Route")) == "<sip:p1@example.com;lr>")
        #expect(text(m.contactUser) == "ab")
    }

    @Test func malformedHeaderLinesAreSkipped() throws {
        let m = try message("INVITE sip:a@b SIP/2.0\r\nNoColonHere\r\n: empty name\r\nCall-ID: ok\r\n\r\n")
        #expect(m.malformedHeaderLineCount == 2)
        #expect(text(m.callID) == "ok")
    }

    @Test func headerNameWithSpaceBeforeColon() throws {
        let m = try message("INVITE sip:a@b SIP/2.0\r\nCall-ID   :   spaced  \r\nTO :\r\n <sip:x@y>\r\n\r\n")
        #expect(text(m.callID) == "spaced")
        #expect(text(m.toUser) == "x")
    }

    @Test(arguments: [
        ("", SIPParseError.empty), ("\r\n\r\n", .empty), ("HTTP/1.1 200 OK\r\n\r\n", .badMethod),
        ("GET /index.html HTTP/1.1\r\n\r\n", .badRequestLine), ("SIP/2.0 20 OK\r\n", .badStatusCode),
        ("SIP/2.0 2000 OK\r\n", .badStatusCode), ("SIP/2.0 099 Low\r\n", .badStatusCode), ("SIP/2.0 7xx No\r\n", .badStatusCode),
        ("INVITE\r\n", .badRequestLine), ("INVITE sip:a@b\r\n", .badRequestLine), ("INV(TE sip:a@b SIP/2.0\r\n", .badMethod),
        ("INVITE sip:a@b SIP/3.0\r\n", .unsupportedVersion), ("INVITE <sip:a@b> SIP/2.0\r\n", .badRequestURI),
        ("INVITE sip: SIP/2.0\r\n", .badRequestURI), ("INVITE a b SIP/2.0 extra\r\n", .badRequestLine),
    ])
    func badStartLinesThrowTypedErrors(_ text: String, _ expected: SIPParseError) {
        #expect(throws: expected) { try message(text) }
    }

    @Test func toleratedStartLines() throws {
        let m = try message("\r\n\r\nOPTIONS   sip:a@b   sip/2.0   \r\nCall-ID: x\r\n\r\n")
        #expect(text(m.method) == "OPTIONS")
        #expect(text(m.requestURIBytes) == "sip:a@b")
        #expect(text(m.version) == "sip/2.0")
        let noHeaders = try message("SIP/2.0 200")
        #expect(noHeaders.statusCode == 200)
        #expect(text(noHeaders.reasonPhrase) == "")
        #expect(!noHeaders.hasCompleteHeader)
        #expect(noHeaders.callID == nil)
    }

    @Test func slicedPayloadKeepsOffsets() throws {
        let prefix: [UInt8] = Array(repeating: 0xEE, count: 17)
        let sip = Array("BYE sip:u@h SIP/2.0\r\nCall-ID: off-1\r\nContent-Length: 2\r\n\r\nokXX".utf8)
        let whole = prefix + sip
        let m = try SIPMessage(parsing: whole[17...])
        #expect(text(m.callID) == "off-1")
        #expect(m.callID?.startIndex == 17 + 30)
        #expect(text(m.body) == "ok")
        #expect(m.bytes.startIndex == 17)
    }
}
