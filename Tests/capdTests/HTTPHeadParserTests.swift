import Testing
@testable import capd

@Suite("HTTP request head parser")
struct HTTPHeadParserTests {
    private func parse(_ text: String) -> HTTPHeadParser.Outcome {
        HTTPHeadParser.parse(Array(text.utf8)[...])
    }

    @Test("a complete head gives method, path, query, headers and where the body starts")
    func completeHead() throws {
        let text = "POST /mi?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type:  application/json \r\nContent-Length: 2\r\n\r\n{}"
        guard case .complete(let head, let length) = parse(text) else {
            Issue.record("not complete: \(parse(text))")
            return
        }
        #expect(head.method == "POST")
        #expect(head.path == "/mi")
        #expect(head.query == "x=1")
        #expect(head.version == "HTTP/1.1")
        #expect(head.header("content-type") == "application/json")
        #expect(head.header("CONTENT-LENGTH") == "2")
        #expect(length == text.utf8.count - 2)
    }

    @Test("bare LF line ends are accepted")
    func bareLF() {
        guard case .complete(let head, let length) = parse("GET /metrics HTTP/1.0\nAccept: */*\n\nrest") else {
            Issue.record("bare LF head not parsed")
            return
        }
        #expect(head.path == "/metrics")
        #expect(head.header("Accept") == "*/*")
        #expect(length == "GET /metrics HTTP/1.0\nAccept: */*\n\n".utf8.count)
    }

    @Test("an unfinished head asks for more bytes", arguments: ["", "GET", "GET /metrics HTTP/1.1\r\nHost: a\r\n"])
    func needsMore(text: String) {
        #expect(parse(text) == .needMore)
    }

    @Test("malformed heads are refused with the right status", arguments: [
        ("GARBAGE\r\n\r\n", 400),
        ("GET /metrics\r\n\r\n", 400),
        ("GET  /metrics HTTP/1.1\r\n\r\n", 400),
        ("GET metrics HTTP/1.1\r\n\r\n", 400),
        ("GET /metrics FTP/1.1\r\n\r\n", 400),
        ("GET /metrics HTTP/2.0\r\n\r\n", 505),
        ("GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n", 400),
        ("GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
        ("GET /metrics HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
        ("G(T /metrics HTTP/1.1\r\n\r\n", 400),
        ("\u{1}\u{2}\u{3}\n\n", 400),
    ])
    func refused(text: String, status: Int) {
        guard case .invalid(let got, _) = parse(text) else {
            Issue.record("accepted: \(text.debugDescription)")
            return
        }
        #expect(got.code == status)
    }

    @Test("Content-Length: absent, valid, over the limit, malformed, conflicting, chunked")
    func contentLength() {
        func head(_ headers: [(String, String)]) -> HTTPRequestHead {
            HTTPRequestHead(method: "POST", path: "/mi", query: nil, version: "HTTP/1.1",
                            headers: headers.map { (name: $0.0, value: $0.1) })
        }
        #expect(HTTPHeadParser.contentLength(of: head([]), limit: 10) == .length(0))
        #expect(HTTPHeadParser.contentLength(of: head([("Content-Length", "10")]), limit: 10) == .length(10))
        func status(_ headers: [(String, String)]) -> Int? {
            if case .refuse(let response) = HTTPHeadParser.contentLength(of: head(headers), limit: 10) {
                return response.status.code
            }
            return nil
        }
        #expect(status([("Content-Length", "11")]) == 413)
        #expect(status([("Content-Length", "-1")]) == 400)
        #expect(status([("Content-Length", "1x")]) == 400)
        #expect(status([("Content-Length", "99999999999999999999999")]) == 400)
        #expect(status([("Content-Length", "1"), ("content-length", "2")]) == 400)
        #expect(status([("Transfer-Encoding", "chunked")]) == 501)
    }

    @Test("random byte soup never crashes the parser")
    func randomBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let count = Int.random(in: 0..<200, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if Bool.random(using: &generator) { bytes += Array("\r\n\r\n".utf8) }
            _ = HTTPHeadParser.parse(bytes[...])
        }
        #expect(HTTPHeadParser.parse(Array("GET / HTTP/1.1\r\n\r\n".utf8)[...]) != .needMore)
    }
}
