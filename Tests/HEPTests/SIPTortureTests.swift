import Testing
import HEP

/// RFC 4475 / RFC 5118 messages (corpus/sip-torture). Expectations are taken from corpus/README.md §3 and the
/// message files themselves, written out here per file.
@Suite struct SIPTortureTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        let file: String
        /// Request method, or the status code as text for a response.
        let method: String
        /// Call-ID, nil when the message has none.
        let callID: String?
        let cseq: String?
        var testDescription: String { file }
    }

    /// Messages that must parse (valid/, transaction/, application/, backward-compat/, ipv6/, ipv6-crlf/).
    static let parsing: [Expected] = {
        var list: [Expected] = [
            .init(file: "valid/wsinv.sip", method: "INVITE", callID: "wsinv.ndaksdj@192.0.2.1", cseq: "0009\r\n  INVITE"),
            .init(file: "valid/intmeth.sip", method: "!interesting-Method0123456789_*+`.%indeed'~",
                  callID: "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
                  cseq: "139122385 !interesting-Method0123456789_*+`.%indeed'~"),
            .init(file: "valid/esc01.sip", method: "INVITE", callID: "esc01.239409asdfakjkn23onasd0-3234", cseq: "234234 INVITE"),
            .init(file: "valid/escnull.sip", method: "REGISTER", callID: "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
                  cseq: "14398234 REGISTER"),
            .init(file: "valid/esc02.sip", method: "RE%47IST%45R", callID: "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
                  cseq: "29344 RE%47IST%45R"),
            .init(file: "valid/lwsdisp.sip", method: "OPTIONS", callID: "lwsdisp.1234abcd@funky.example.com", cseq: "60 OPTIONS"),
            .init(file: "valid/longreq.sip", method: "INVITE",
                  callID: "longreq.one" + String(repeating: "really", count: 20) + "longcallid", cseq: "3882340 INVITE"),
            .init(file: "valid/dblreq.sip", method: "REGISTER", callID: "dblreq.0ha0isndaksdj99sdfafnl3lk233412", cseq: "8 REGISTER"),
            .init(file: "valid/semiuri.sip", method: "OPTIONS", callID: "semiuri.0ha0isndaksdj", cseq: nil),
            .init(file: "valid/transports.sip", method: "OPTIONS", callID: "transports.kijh4akdnaqjkwendsasfdj", cseq: "60 OPTIONS"),
            .init(file: "valid/mpart01.sip", method: "MESSAGE", callID: "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..",
                  cseq: "1 MESSAGE"),
            .init(file: "valid/unreason.sip", method: "200", callID: "unreason.1234ksdfak3j2erwedfsASdf", cseq: nil),
            .init(file: "valid/noreason.sip", method: "100", callID: "noreason.asndj203insdf99223ndf", cseq: nil),
            .init(file: "transaction/badbranch.sip", method: "OPTIONS", callID: "badbranch.sadonfo23i420jv0as0derf3j3n",
                  cseq: "8 OPTIONS"),
            .init(file: "application/bcast.sip", method: "200", callID: "bcast.0384840201234ksdfak3j2erwedfsASdf", cseq: "35 INVITE"),
            .init(file: "application/bext01.sip", method: "OPTIONS", callID: "bext01.0ha0isndaksdj", cseq: "8 OPTIONS"),
            .init(file: "application/cparam01.sip", method: "REGISTER", callID: "cparam01.70710@saturn.example.com", cseq: "2 REGISTER"),
            .init(file: "application/cparam02.sip", method: "REGISTER", callID: "cparam02.70710@saturn.example.com", cseq: "3 REGISTER"),
            .init(file: "application/insuf.sip", method: "INVITE", callID: nil, cseq: "193942 INVITE"),
            .init(file: "application/invut.sip", method: "INVITE", callID: "invut.0ha0isndaksdjadsfij34n23d", cseq: "235448 INVITE"),
            .init(file: "application/mcl01.sip", method: "OPTIONS", callID: "mcl01.fhn2323orihawfdoa3o4r52o3irsdf", cseq: "15932 OPTIONS"),
            .init(file: "application/multi01.sip", method: "INVITE", callID: "multi01.98asdh@192.0.2.1", cseq: "5 INVITE"),
            .init(file: "application/novelsc.sip", method: "OPTIONS", callID: "novelsc.asdfasser0q239nwsdfasdkl34", cseq: "3923423 OPTIONS"),
            .init(file: "application/regaut01.sip", method: "REGISTER", callID: "regaut01.0ha0isndaksdj", cseq: "9338 REGISTER"),
            .init(file: "application/regescrt.sip", method: "REGISTER", callID: "regescrt.k345asrl3fdbv@192.0.2.1", cseq: "14398234 REGISTER"),
            .init(file: "application/sdp01.sip", method: "INVITE", callID: "sdp01.ndaksdj9342dasdd", cseq: "8 INVITE"),
            .init(file: "application/unkscm.sip", method: "OPTIONS", callID: "unkscm.nasdfasser0q239nwsdfasdkl34", cseq: "3923423 OPTIONS"),
            .init(file: "application/unksm2.sip", method: "REGISTER", callID: "unksm2.daksdj@hyphenated-host.example.com",
                  cseq: "234902 REGISTER"),
            .init(file: "application/zeromf.sip", method: "OPTIONS", callID: "zeromf.jfasdlfnm2o2l43r5u0asdfas", cseq: "39234321 OPTIONS"),
            .init(file: "backward-compat/inv2543.sip", method: "INVITE", callID: "inv2543.1717@ift.client.example.com", cseq: "56 INVITE"),
        ]
        let ipv6: [(String, String, String, String)] = [
            ("ipv6-good.sip", "REGISTER", "SSG9559905523997077@hlau_4100", "98176 REGISTER"),
            ("port-ambiguous.sip", "REGISTER", "SSG9559905523997077@hlau_4100", "98176 REGISTER"),
            ("port-unambiguous.sip", "REGISTER", "SSG9559905523997077@hlau_4100", "98176 REGISTER"),
            ("via-received-param-with-delim.sip", "BYE", "SSG9559905523997077@hlau_4100", "321 BYE"),
            ("via-received-param-no-delim.sip", "OPTIONS", "SSG95523997077@hlau_4100", "921 OPTIONS"),
            ("ipv6-in-sdp.sip", "INVITE", "SSG9559905523997077@hlau_4100", "8612 INVITE"),
            ("mult-ip-in-header.sip", "BYE", "997077@lau_4100", "89187 BYE"),
            ("mult-ip-in-sdp.sip", "INVITE", "SSG9559905523997077@hlau_4100", "8912 INVITE"),
            ("ipv4-mapped-ipv6.sip", "INVITE", "SSG9559905523997077@hlau_4100", "612 INVITE"),
            ("ipv6-bug-abnf-3-colons.sip", "OPTIONS", "G9559905523997077@hlau_4100", "689 OPTIONS"),
            ("ipv6-correct-abnf-2-colons.sip", "OPTIONS", "G9559905523997077@hlau_4100", "689 OPTIONS"),
        ]
        for folder in ["ipv6", "ipv6-crlf"] {
            for (file, method, callID, cseq) in ipv6 {
                list.append(.init(file: folder + "/" + file, method: method, callID: callID, cseq: cseq))
            }
        }
        return list
    }()

    @Test(arguments: parsing)
    func parsesWithMethodAndCallID(_ expected: Expected) throws {
        let m = try SIPMessage(parsing: try SIPTestData.torture(expected.file))
        let method = m.isRequest ? text(m.method) : m.statusCode.map(String.init)
        #expect(method == expected.method)
        #expect(text(m.callID) == expected.callID)
        if let cseq = expected.cseq { #expect(text(m.cseq) == cseq) }
        #expect(m.isRequest == (Int(expected.method) == nil))
        touchEverything(m)
    }

    /// The whole corpus folder is covered: every file is either in `parsing` or handled by `invalidFiles`.
    @Test func everyCorpusFileIsCovered() throws {
        let all = try SIPTestData.allTortureFiles()
        #expect(all.count == 74)
        let covered = Set(Self.parsing.map(\.file)).union(Self.invalidFiles.map(\.file))
        #expect(Set(all).subtracting(covered).isEmpty, "not covered: \(Set(all).subtracting(covered).sorted())")
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let file: String
        /// The error when the start line is not SIP; nil when a partial view is the expected result.
        let error: SIPParseError?
        var testDescription: String { file }
    }

    /// invalid/, extra/ and RFC 5118's ipv6-bad: never a crash; start-line errors are typed.
    static let invalidFiles: [Invalid] = [
        .init(file: "invalid/badinv01.sip", error: nil), .init(file: "invalid/clerr.sip", error: nil),
        .init(file: "invalid/ncl.sip", error: nil), .init(file: "invalid/scalar02.sip", error: nil),
        .init(file: "invalid/scalarlg.sip", error: nil), .init(file: "invalid/quotbal.sip", error: nil),
        .init(file: "invalid/ltgtruri.sip", error: .badRequestURI), .init(file: "invalid/lwsruri.sip", error: .badRequestLine),
        .init(file: "invalid/lwsstart.sip", error: nil), .init(file: "invalid/trws.sip", error: nil),
        .init(file: "invalid/escruri.sip", error: nil), .init(file: "invalid/baddate.sip", error: nil),
        .init(file: "invalid/regbadct.sip", error: nil), .init(file: "invalid/badaspec.sip", error: nil),
        .init(file: "invalid/baddn.sip", error: nil), .init(file: "invalid/badvers.sip", error: .unsupportedVersion),
        .init(file: "invalid/mismatch01.sip", error: nil), .init(file: "invalid/mismatch02.sip", error: nil),
        .init(file: "invalid/bigcode.sip", error: .badStatusCode), .init(file: "extra/test.sip", error: .badRequestLine),
        .init(file: "ipv6/ipv6-bad.sip", error: nil), .init(file: "ipv6-crlf/ipv6-bad.sip", error: nil),
    ]

    @Test(arguments: invalidFiles)
    func invalidMessagesNeverCrash(_ expected: Invalid) throws {
        let bytes = try SIPTestData.torture(expected.file)
        do {
            let m = try SIPMessage(parsing: bytes)
            #expect(expected.error == nil, "expected \(String(describing: expected.error))")
            touchEverything(m)
        } catch {
            #expect(error == expected.error)
        }
    }

    @Test func wsinvFieldsThroughFoldsAndOddSpacing() throws {
        let m = try SIPMessage(parsing: try SIPTestData.torture("valid/wsinv.sip"))
        #expect(text(m.cseqMethod) == "INVITE")
        #expect(m.cseqNumber == 9)
        #expect(text(m.toUser) == "vivekg")
        #expect(text(m.toTag) == "1918181833n")
        #expect(text(m.fromTag) == "98asjd8")
        #expect(text(m.from?.displayName) == #"J Rosenberg \\\""#)
        #expect(text(m.viaBranch) == "390skdjuw")
        #expect(text(m.via?.transport) == "UDP")
        #expect(text(m.via?.host) == "192.0.2.2")
        #expect(m.vias.map { text($0.branch) } == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
        #expect(m.vias.map { text($0.transport) } == ["UDP", "TCP", "UDP"])
        #expect(m.declaredContentLength == 150)
        #expect(m.body.count == 150)
        #expect(text(m.header("s")) == "")
        #expect(text(m.header("Subject")) == "")
        #expect(text(m.header("NewFangledHeader")) == "newfangled value\r\n continued newfangled value")
        #expect(text(m.contact?.displayName) == #"Quoted string \"\""#)
        #expect(text(m.contactUser) == "jdrosen")
        #expect(text(m.contact?.param("newparam")) == "newvalue")
        #expect(text(m.requestURI?.param("unknownparam")) == "")
    }

    @Test func escapedAndSemicolonUserParts() throws {
        let esc01 = try SIPMessage(parsing: try SIPTestData.torture("valid/esc01.sip"))
        #expect(text(esc01.requestURIUser) == "sips%3Auser%40example.com")
        #expect(text(esc01.requestURIDomain) == "example.net")
        let semi = try SIPMessage(parsing: try SIPTestData.torture("valid/semiuri.sip"))
        #expect(text(semi.requestURIUser) == "user;par=u%40example.net")
        #expect(text(semi.requestURIDomain) == "example.com")
        let intmeth = try SIPMessage(parsing: try SIPTestData.torture("valid/intmeth.sip"))
        #expect(text(intmeth.requestURIUser) == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(text(intmeth.requestURI?.password) == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(text(intmeth.requestURIDomain) == "example.com")
        #expect(text(intmeth.cseqMethod) == text(intmeth.method))
        #expect(text(intmeth.fromTag) == "_token~1'+`*%!-.")
        #expect(text(intmeth.fromUser) == "mundane")
    }

    @Test func responsesAndReasonPhrases() throws {
        let unreason = try SIPMessage(parsing: try SIPTestData.torture("valid/unreason.sip"))
        #expect(unreason.statusCode == 200)
        #expect(text(unreason.reasonPhrase)?.hasPrefix("= 2**3 * 5**2 но сто девяносто девять") == true)
        let noreason = try SIPMessage(parsing: try SIPTestData.torture("valid/noreason.sip"))
        #expect(noreason.statusCode == 100)
        #expect(text(noreason.reasonPhrase) == "")
        #expect(noreason.method == nil)
    }

    @Test func dblreqStopsAtTheEmptyLine() throws {
        let m = try SIPMessage(parsing: try SIPTestData.torture("valid/dblreq.sip"))
        #expect(m.headers("Call-ID").count == 1)
        #expect(m.declaredContentLength == 0)
        #expect(m.body.isEmpty)
        #expect(m.contentLengthMismatch)
        #expect(text(m.header("t")) == "sip:j.user@example.com")
    }

    @Test func transportsAndRepeatedHeaders() throws {
        let m = try SIPMessage(parsing: try SIPTestData.torture("valid/transports.sip"))
        #expect(m.vias.map { text($0.transport) } == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
        #expect(m.headers("via").count == 5)
        #expect(text(m.viaBranch) == "z9hG4bKkdjuw")
        let multi = try SIPMessage(parsing: try SIPTestData.torture("application/multi01.sip"))
        #expect(multi.headers("Call-ID").map(text) == ["multi01.98asdh@192.0.2.1", "multi01.98asdh@192.0.2.2"])
        let mcl = try SIPMessage(parsing: try SIPTestData.torture("application/mcl01.sip"))
        #expect(mcl.headers("Content-Length").map(text) == ["13", "5"])
        #expect(mcl.declaredContentLength == 13)
    }

    @Test func contentLengthProblemsGiveAPartialView() throws {
        let clerr = try SIPTestData.torture("invalid/clerr.sip")
        let m = try SIPMessage(parsing: clerr)
        #expect(m.declaredContentLength == 9999)
        #expect(m.contentLengthMismatch)
        #expect(m.body.endIndex == clerr.endIndex)
        let ncl = try SIPMessage(parsing: try SIPTestData.torture("invalid/ncl.sip"))
        #expect(ncl.declaredContentLength == nil)
        #expect(ncl.contentLengthMismatch)
        #expect(!ncl.body.isEmpty)
        let quotbal = try SIPMessage(parsing: try SIPTestData.torture("invalid/quotbal.sip"))
        #expect(quotbal.to == nil)
        #expect(text(quotbal.callID) == "quotbal.aksdj")
        let baddn = try SIPMessage(parsing: try SIPTestData.torture("invalid/baddn.sip"))
        #expect(!baddn.hasCompleteHeader)
        #expect(baddn.body.isEmpty)
    }

    @Test func unusualSchemes() throws {
        let unkscm = try SIPMessage(parsing: try SIPTestData.torture("application/unkscm.sip"))
        #expect(unkscm.requestURI?.kind == .other)
        #expect(text(unkscm.requestURI?.scheme) == "nobodyKnowsThisScheme")
        #expect(text(unkscm.requestURI?.opaque) == "totallyopaquecontent")
        #expect(unkscm.requestURIUser == nil)
        let unksm2 = try SIPMessage(parsing: try SIPTestData.torture("application/unksm2.sip"))
        #expect(unksm2.to?.uri.kind == .other)
        #expect(unksm2.from?.uri.kind == .other)
        let regescrt = try SIPMessage(parsing: try SIPTestData.torture("application/regescrt.sip"))
        #expect(text(regescrt.contactUser) == "user")
        #expect(text(regescrt.contact?.uri.headers) == "Route=%3Csip:sip.example.com%3E")
        #expect(regescrt.declaredContentLength == 0)
        let cparam01 = try SIPMessage(parsing: try SIPTestData.torture("application/cparam01.sip"))
        #expect(text(cparam01.contact?.param("unknownparam")) == "")
        #expect(cparam01.contact?.uri.param("unknownparam") == nil)
        let cparam02 = try SIPMessage(parsing: try SIPTestData.torture("application/cparam02.sip"))
        #expect(text(cparam02.contact?.uri.param("unknownparam")) == "")
        #expect(cparam02.contact?.param("unknownparam") == nil)
        let inv2543 = try SIPMessage(parsing: try SIPTestData.torture("backward-compat/inv2543.sip"))
        #expect(inv2543.fromTag == nil)
        #expect(inv2543.viaBranch == nil)
    }

    @Test func ipv6References() throws {
        for folder in ["ipv6", "ipv6-crlf"] {
            let unambiguous = try SIPMessage(parsing: try SIPTestData.torture(folder + "/port-unambiguous.sip"))
            #expect(text(unambiguous.requestURIDomain) == "2001:db8::10")
            #expect(unambiguous.requestURI?.port == 5070)
            #expect(unambiguous.requestURI?.isIPv6Reference == true)
            let ambiguous = try SIPMessage(parsing: try SIPTestData.torture(folder + "/port-ambiguous.sip"))
            #expect(text(ambiguous.requestURIDomain) == "2001:db8::10:5070")
            #expect(ambiguous.requestURI?.port == nil)
            let withDelim = try SIPMessage(parsing: try SIPTestData.torture(folder + "/via-received-param-with-delim.sip"))
            #expect(text(withDelim.via?.param("received")) == "[2001:db8::9:255]")
            let noDelim = try SIPMessage(parsing: try SIPTestData.torture(folder + "/via-received-param-no-delim.sip"))
            #expect(text(noDelim.via?.param("received")) == "2001:db8::9:255")
            let threeColons = try SIPMessage(parsing: try SIPTestData.torture(folder + "/ipv6-bug-abnf-3-colons.sip"))
            #expect(text(threeColons.requestURIDomain) == "2001:db8:::192.0.2.1")
            #expect(text(threeColons.requestURIUser) == "user")
        }
    }
}
