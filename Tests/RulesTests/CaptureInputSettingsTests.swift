import Rules
import Testing

/// `tcp:` and `raw.buffer_mb`: defaults, values, and FILE:LINE:COL errors for values out of range.
@Suite struct CaptureInputSettingsTests {
    static let main = "routes:\n  main:\n    - do: [capture]\n"

    @Test func defaultsWithoutATCPSection() throws {
        let config = try #require(ConfigLoader.load(text: Self.main).config)
        #expect(config.tcp == TCPSettings())
        #expect(config.tcp.maxConnections == 1_024 && config.tcp.frameTimeoutSeconds == 10 && config.tcp.idleTimeoutSeconds == 300)
    }

    @Test func tcpAndRawBufferValuesAreRead() throws {
        let text = "tcp: { max_connections: 64, frame_timeout_s: 2, idle_timeout_s: 0 }\nraw: { interface: lo, buffer_mb: 128 }\n" + Self.main
        let result = ConfigLoader.load(text: text)
        let config = try #require(result.config, "\(result.rendered)")
        #expect(config.tcp.maxConnections == 64 && config.tcp.frameTimeoutSeconds == 2 && config.tcp.idleTimeoutSeconds == 0)
        #expect(config.raw?.bufferMegabytes == 128)
    }

    @Test func outOfRangeAndUnknownKeysAreErrors() {
        let zero = ConfigLoader.load(text: "tcp:\n  max_connections: 0\n" + Self.main)
        #expect(zero.config == nil)
        #expect(zero.errors.contains { $0.mark.line == 2 && $0.message.contains("tcp.max_connections") })
        let unknown = ConfigLoader.load(text: "tcp:\n  max_conections: 10\n" + Self.main)
        #expect(unknown.config == nil)
        #expect(unknown.errors.contains { $0.mark.line == 2 })
        let buffer = ConfigLoader.load(text: "raw:\n  interface: lo\n  buffer_mb: 4096\n" + Self.main)
        #expect(buffer.errors.contains { $0.mark.line == 3 && $0.message.contains("raw.buffer_mb") })
    }
}
