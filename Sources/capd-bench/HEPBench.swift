import Foundation
import HEP

// capd-bench hep [ITERATIONS] [--phase all|baseline|decode|sip] [--no-allocs]
//
// Decodes the spec's example 1 (HEPv3 SIP INVITE, 550 bytes) ITERATIONS times (default 1,000,000, at most
// 20,000,000) and prints ns per packet next to a same-run baseline (a sum over the same 550 bytes).
// "sip" adds the SIP view and reads method, Call-ID, From user and To user.
//
// Allocations per packet: with valgrind installed, the "all" phase runs this executable under
// `valgrind --tool=memcheck` twice (phase "sip", 1,000 and 11,000 iterations) and divides the difference of the
// "total heap usage: N allocs" lines by 10,000, so set-up allocations cancel out. The datagram buffer is made
// once before the loop, like a receive buffer, so the figure counts what decoding and the field reads add.
func hepBench(_ arguments: [String]) throws {
    var iterations = 1_000_000
    var phase = "all"
    var measureAllocations = true
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        if argument == "--phase", index + 1 < arguments.count {
            phase = arguments[index + 1]
            index += 1
        } else if argument == "--no-allocs" {
            measureAllocations = false
        } else if let count = Int(argument) {
            iterations = min(max(count, 1), 20_000_000)
        }
        index += 1
    }
    let (bytes, source) = HEPBenchInput.invite()
    _ = try HEPPacket.decode(bytes)   // fail early on a bad input

    switch phase {
    case "baseline": print("checksum \(HEPBenchLoops.baseline(bytes, iterations))")
    case "decode": print("checksum \(try HEPBenchLoops.decode(bytes, iterations))")
    case "sip": print("checksum \(try HEPBenchLoops.decode(bytes, iterations, sip: true))")
    default:
        print("hep: example 1 (\(bytes.count) bytes, \(source)), \(iterations) iterations")
        _ = try HEPBenchLoops.decode(bytes, min(iterations, 10_000), sip: true)   // warm-up
        let baseline = HEPBenchTimer.measure(iterations) { HEPBenchLoops.baseline(bytes, iterations) }
        let decode = try HEPBenchTimer.measure(iterations) { try HEPBenchLoops.decode(bytes, iterations) }
        let sip = try HEPBenchTimer.measure(iterations) { try HEPBenchLoops.decode(bytes, iterations, sip: true) }
        print(String(format: "  baseline (sum of 550 bytes)          %8.1f ns/packet", baseline))
        print(String(format: "  HEP decode                           %8.1f ns/packet", decode))
        print(String(format: "  HEP decode + SIP method/call_id/from_user/to_user %8.1f ns/packet", sip))
        if measureAllocations {
            if let allocations = HEPBenchAllocations.perPacket() {
                print(String(format: "  allocations per packet (decode + SIP fields, valgrind) %.3f", allocations))
            } else {
                print("  allocations per packet: valgrind not available, not measured")
            }
        }
    }
}

enum HEPBenchLoops {
    @inline(never)
    static func baseline(_ bytes: [UInt8], _ iterations: Int) -> Int {
        var sum = 0
        for _ in 0..<iterations {
            bytes.withUnsafeBufferPointer { buffer in
                for byte in buffer { sum &+= Int(byte) }
            }
            sum = sum &* 31
        }
        return sum
    }

    /// HEP decode and a few header fields; with `sip`, the SIP view and method, Call-ID, From and To users.
    @inline(never)
    static func decode(_ bytes: [UInt8], _ iterations: Int, sip: Bool = false) throws -> Int {
        var sum = 0
        for _ in 0..<iterations {
            let packet = try HEPPacket.decode(bytes)
            guard sip else {
                sum &+= packet.payload.count &+ Int(packet.captureID) &+ Int(packet.sourcePort)
                continue
            }
            let message = try SIPMessage(parsing: packet.payload)
            sum &+= (message.method?.count ?? 0) &+ (message.callID?.count ?? 0)
            sum &+= (message.fromUser?.count ?? 0) &+ (message.toUser?.count ?? 0)
        }
        return sum
    }
}

enum HEPBenchTimer {
    /// Nanoseconds per iteration of `body`, which runs `iterations` iterations.
    static func measure(_ iterations: Int, _ body: () throws -> Int) rethrows -> Double {
        let clock = ContinuousClock()
        var checksum = 0
        let elapsed = try clock.measure { checksum = try body() }
        if checksum == 42 { print("") }   // keeps the result alive
        let (seconds, attoseconds) = elapsed.components
        return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
    }
}

enum HEPBenchAllocations {
    /// Heap allocations per decoded packet, from two valgrind runs (see the file header).
    static func perPacket() -> Double? {
        let valgrind = "/usr/bin/valgrind"
        guard FileManager.default.isExecutableFile(atPath: valgrind) else { return nil }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).path
        guard let small = allocations(valgrind, executable, 1_000),
              let large = allocations(valgrind, executable, 11_000) else { return nil }
        return Double(large - small) / 10_000
    }

    private static func allocations(_ valgrind: String, _ executable: String, _ iterations: Int) -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: valgrind)
        process.arguments = ["--tool=memcheck", "--leak-check=no", executable, "hep", String(iterations), "--phase", "sip"]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // "==123==   total heap usage: 1,234 allocs, 1,200 frees, 56,789 bytes allocated"
        guard let line = output.split(separator: "\n").first(where: { $0.contains("total heap usage:") }),
              let range = line.range(of: "total heap usage: ") else { return nil }
        let number = line[range.upperBound...].prefix(while: { $0 != " " }).filter { $0 != "," }
        return Int(number)
    }
}

enum HEPBenchInput {
    /// Example 1 from `../shared/spec/examples` (or `$CAPD_SHARED`); otherwise the same packet built here.
    static func invite() -> (bytes: [UInt8], source: String) {
        let shared = ProcessInfo.processInfo.environment["CAPD_SHARED"] ?? "../shared"
        let path = shared + "/spec/examples/hep3_sip_invite_ipv4_udp.bin"
        if let data = FileManager.default.contents(atPath: path) { return ([UInt8](data), path) }
        let invite = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\nMax-Forwards: 70\r\n"
            + "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\nTo: <sip:bob@biloxi.example.com>\r\n"
            + "Call-ID: a84b4c76e66710@192.0.2.10\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@192.0.2.10:5060>\r\n"
            + "P-Asserted-Identity: <sip:+15551230001@atlanta.example.com>\r\nX-CID: leg-a-7731@192.0.2.1\r\n"
            + "User-Agent: capd-example/1.0\r\nContent-Length: 0\r\n\r\n"
        let packet = try? HEPPacket(sourceIP: IPAddress(ipv4: 0xC000_020A), destinationIP: IPAddress(ipv4: 0xC633_6414),
                                    sourcePort: 5060, destinationPort: 5060, timestampSeconds: 1_700_000_000,
                                    timestampMicroseconds: 123_456, captureID: 2001, payload: Array(invite.utf8))
        return (packet?.bytes ?? [], "built in (\(path) not found)")
    }
}
