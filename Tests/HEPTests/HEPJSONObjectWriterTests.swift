import Testing
import HEP

@Suite struct HEPJSONObjectWriterTests {
    @Test func membersInInsertionOrderWithNulls() {
        var json = JSONObjectWriter()
        #expect(json.finish() == "{}")
        json.string("b", "x")
        json.number("a", -7)
        json.string("n", nil)
        json.number("m", Int?.none)
        json.number("u", UInt64.max)
        #expect(json.finish() == #"{"b":"x","a":-7,"n":null,"m":null,"u":18446744073709551615}"#)
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        var json = JSONObjectWriter()
        json.string("k\"ey", "a\"b\\c\nd\re\tf\u{0}g\u{1f}h\u{7f}é☎")
        #expect(json.finish() == #"{"k\"ey":"a\"b\\c\nd\re\tf\u0000g\u001fh"# + "\u{7f}é☎\"}")
        var quoted = ""
        JSONObjectWriter.appendQuoted("\u{8}", to: &quoted)
        #expect(quoted == #""\u0008""#)
    }
}
