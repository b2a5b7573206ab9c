import Foundation
import Testing
@testable import capd
import HEP

@Suite("Admin listen addresses")
struct AdminAddressTests {
    @Test("valid forms parse and print back canonically", arguments: [
        ("127.0.0.1:9096", "127.0.0.1:9096"),
        ("[::1]:9096", "[::1]:9096"),
        ("localhost:0", "127.0.0.1:0"),
        ("http://127.0.0.1:80/", "127.0.0.1:80"),
        ("tcp://[2001:db8::1]:65535", "[2001:db8::1]:65535"),
        ("0.0.0.0:9096", "0.0.0.0:9096"),
    ])
    func valid(text: String, canonical: String) throws {
        #expect(try SocketEndpoint(adminAddress: text).description == canonical)
    }

    @Test("invalid forms are refused with the reason", arguments: [
        ("127.0.0.1", EndpointError.missingPort("127.0.0.1")),
        ("127.0.0.1:", EndpointError.badPort("127.0.0.1:")),
        ("127.0.0.1:65536", EndpointError.badPort("127.0.0.1:65536")),
        ("127.0.0.1:-1", EndpointError.badPort("127.0.0.1:-1")),
        ("127.0.0.1:+80", EndpointError.badPort("127.0.0.1:+80")),
        ("::1:9096", EndpointError.notNumeric("::1:9096")),
        ("[::1]", EndpointError.missingPort("[::1]")),
        ("[::1:9096", EndpointError.notNumeric("[::1:9096")),
        ("example.com:9096", EndpointError.notNumeric("example.com:9096")),
        ("300.1.1.1:9096", EndpointError.notNumeric("300.1.1.1:9096")),
        ("", EndpointError.missingPort("")),
        ("udp://127.0.0.1:9096", EndpointError.badScheme("udp://127.0.0.1:9096")),
        ("[127.0.0.1]:9096", EndpointError.notNumeric("[127.0.0.1]:9096")),
    ])
    func invalid(text: String, error: EndpointError) {
        #expect(throws: error) { try SocketEndpoint(adminAddress: text) }
    }

    @Test("a listening socket reports the port the kernel chose")
    func ephemeralPort() throws {
        let (fd, bound) = try plainListener(on: SocketEndpoint(adminAddress: "127.0.0.1:0"))
        defer { close(fd) }
        #expect(bound.port != 0)
        #expect(bound.address == IPAddress(ipv4Bytes: [127, 0, 0, 1]))
    }
}
