import Testing
@testable import HEP

@Suite struct HEPIPAddressTests {
    @Test(arguments: [
        ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("0:0:0:0:0:0:0:0", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("2001:db8::192.0.2.1", "2001:db8::c000:201"),
        ("fe80:0000:0000:0000:0204:61ff:fe9d:f156", "fe80::204:61ff:fe9d:f156"),
    ])
    func ipv6Canonical(input: String, expected: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.isIPv6)
        #expect(address.family == 10)
        #expect(address.description == expected)
        #expect(IPAddress(address.description) == address)
        #expect(IPAddress(ipv6Bytes: address.bytes) == address)
    }

    @Test(arguments: ["1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "g::1", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:",
                      "::1.2.3", "1.2.3.4::", "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3",
                      "1:2:3:4:5:6:7:8::"])
    func rejectsBadText(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func ipv4() throws {
        let address = try #require(IPAddress("198.51.100.20"))
        #expect(!address.isIPv6)
        #expect(address.family == 2)
        #expect(address.bytes == [198, 51, 100, 20])
        #expect(address.ipv4Value == 0xC633_6414)
        #expect(IPAddress(ipv4Bytes: [198, 51, 100, 20]) == address)
        #expect(IPAddress(ipv4Bytes: [1, 2, 3]) == nil)
        #expect(address.asIPv6.description == "::ffff:198.51.100.20")
        #expect(IPAddress("0.0.0.0") == .unspecifiedIPv4)
        #expect(IPAddress("255.255.255.255")?.ipv4Value == UInt32.max)
    }
}
