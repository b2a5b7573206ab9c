#if canImport(Glibc)
import Glibc
#endif
import Capture
import CSocket
import HEP

/// `capd-bench blast`: a HEP load generator for loopback targets. Sends `--count` messages of a realistic
/// SIP mix (unique Call-IDs, tags and branches) at `--rate` messages/s (0 = as fast as possible) over UDP
/// (HEPv3 or v2) or TCP (HEPv3), stopping after `--seconds` at the latest. Prints one summary line.
/// Up to `--pool` messages (default 500 000) are built before sending; a longer run cycles through a pool of
/// 100 000 prebuilt datagrams and rewrites the message number in each before sending it (`BlastPool`), so
/// every message keeps its own Call-ID while memory stays bounded.
struct Blast {
    var target = Endpoint(transport: .udp, host: "127.0.0.1", port: 9060)
    var rate = 50_000
    var count = 500_000
    var seconds = 60.0
    var version = HEPVersion.v3
    var seed: UInt64 = 1
    /// Runs of more messages than this send from a rewritten pool (`BlastPool`) instead of prebuilding all.
    var prebuildLimit = 500_000
    static let poolSize = 100_000

    struct Result {
        var sent = 0
        var errors = 0
        var elapsed = 0.0
        var bytes = 0
        /// Wall-clock time (Unix seconds) when sending began, after the packets were built.
        var startedUnix = 0.0
        var rate: Double { elapsed > 0 ? Double(sent) / elapsed : 0 }
    }

    struct UsageError: Error, CustomStringConvertible { var description: String }

    init(arguments: [String]) throws {
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw UsageError(description: "missing value after \(arguments[i - 1])") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--to":
                let url = try value()
                guard let parsed = try? Endpoint(parsing: url, schemes: ["udp": .udp, "tcp": .tcp]) else {
                    throw UsageError(description: "bad target \(url)")
                }
                target = parsed
            case "--rate": rate = Int(try value()) ?? rate
            case "--count": count = Int(try value()) ?? count
            case "--seconds": seconds = Double(try value()) ?? seconds
            case "--version": version = HEPVersion(rawValue: UInt8(try value()) ?? 3) ?? .v3
            case "--seed": seed = UInt64(try value()) ?? seed
            case "--pool": prebuildLimit = Int(try value()) ?? prebuildLimit
            default: throw UsageError(description: "unknown option \(arguments[i])")
            }
            i += 1
        }
        guard ["127.0.0.1", "::1", "localhost"].contains(target.host) else {
            throw UsageError(description: "blast only sends to loopback (got \(target.host))")
        }
        guard target.transport == .udp || version == .v3 else { throw UsageError(description: "TCP carries HEPv3 only") }
    }

    /// Builds the datagrams first (so encoding does not limit the send rate), then sends them paced.
    func run() throws -> Result {
        if count > prebuildLimit { return try runPooled() }
        var traffic = SIPTraffic(seed: seed)
        var packets: [[UInt8]] = []
        packets.reserveCapacity(count)
        let now = UInt32(time(nil))
        for n in 0..<count {
            packets.append(try traffic.next().hepDatagram(version: version, seconds: now, microseconds: UInt32(n % 1_000_000)))
        }
        return try send(count: packets.count) { range in packets[range] }
    }

    /// Sends messages `0..<count` paced at `rate` (for at most `seconds`) in batches that `slice` turns into
    /// datagrams; a batch never crosses `boundary` (a multiple of it), so a pool can rewrite its slots in place.
    func send(count: Int, boundary: Int? = nil, slice: (Range<Int>) -> ArraySlice<[UInt8]>) throws -> Result {
        let socket = try BlastSocket(target: target)
        defer { socket.close() }

        var result = Result()
        result.startedUnix = realtimeSeconds()
        let start = monotonicSeconds()
        let batch = 32
        var index = 0
        while index < count {
            let elapsed = monotonicSeconds() - start
            if elapsed > seconds { break }
            if rate > 0 {
                let due = Int(elapsed * Double(rate)) + 1
                if index >= due {
                    let wait = Double(index - due + 1) / Double(rate)
                    usleep(useconds_t(max(20, min(wait * 1_000_000, 2_000))))
                    continue
                }
            }
            var end = min(count, index + (rate > 0 ? min(batch, max(1, rate / 1000)) : batch))
            if let boundary { end = min(end, index + (boundary - index % boundary)) }
            let (sent, errors, bytes) = socket.send(slice(index..<end))
            result.sent += sent
            result.errors += errors
            result.bytes += bytes
            index = end
        }
        result.elapsed = monotonicSeconds() - start
        return result
    }
}

extension Blast {
    /// A long run: sends `count` distinct messages from a `BlastPool`, paced like `run()`.
    func runPooled() throws -> Result {
        var pool = try BlastPool(size: min(count, Blast.poolSize), seed: seed, version: version,
                                 timestampSeconds: UInt32(time(nil)))
        // A batch must not wrap around the pool: its datagrams are rewritten in place.
        return try send(count: count, boundary: pool.count) { range in
            for sequence in (range.lowerBound + 1)...range.upperBound { pool.prepare(sequence: sequence) }
            let firstSlot = range.lowerBound % pool.count
            return pool.packets[firstSlot..<(firstSlot + range.count)]
        }
    }
}

func realtimeSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A connected UDP or TCP socket to the target.
final class BlastSocket {
    private let fd: Int32
    private let transport: EndpointTransport

    struct SocketError: Error, CustomStringConvertible { var description: String }

    init(target: Endpoint) throws {
        transport = target.transport
        guard let endpoint = target.socketEndpoint else { throw SocketError(description: "\(target.host) is not an IP address") }
        fd = socket(endpoint.socketFamily, Int32(transport == .udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(String(cString: strerror(errno)))") }
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        guard endpoint.withSocketAddress({ connect(fd, $0, $1) }) == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SocketError(description: "connect \(target.host):\(target.port): \(message)")
        }
    }

    /// Sends the packets; returns (sent, errors, bytes).
    func send(_ packets: ArraySlice<[UInt8]>) -> (Int, Int, Int) {
        var sent = 0, errors = 0, bytes = 0
        switch transport {
        case .udp:
            let lengths = packets.map { UInt32($0.count) }
            let pointers = packets.map { $0.withUnsafeBufferPointer { $0.baseAddress } }
            // The arrays stay alive for the duration of this call, so their base addresses stay valid.
            let n = withExtendedLifetime(packets) {
                pointers.withUnsafeBufferPointer { ptrs in
                    lengths.withUnsafeBufferPointer { lens in
                        capd_sendmmsg(fd, ptrs.baseAddress, lens.baseAddress, UInt32(packets.count), nil, 0)
                    }
                }
            }
            if n > 0 {
                sent = Int(n)
                bytes = lengths.prefix(Int(n)).reduce(0) { $0 + Int($1) }
            }
            errors = packets.count - max(0, Int(n))
        case .tcp, .tls:
            for packet in packets {
                var offset = 0
                while offset < packet.count {
                    let n = packet.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, packet.count - offset, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { break }
                    offset += n
                }
                if offset == packet.count { sent += 1; bytes += packet.count } else { errors += 1 }
            }
        }
        return (sent, errors, bytes)
    }

    func close() { Glibc.close(fd) }
}

func blastBench(_ arguments: [String]) throws {
    let blast = try Blast(arguments: arguments)
    let result = try blast.run()
    let average = result.sent > 0 ? result.bytes / result.sent : 0
    let elapsed = (result.elapsed * 1000).rounded() / 1000
    var line = "blast: to=\(blast.target.transport)://\(blast.target.host):\(blast.target.port) version=\(blast.version.rawValue)"
    line += " offered_rate=\(blast.rate) sent=\(result.sent) errors=\(result.errors)"
    line += " elapsed_s=\(elapsed) achieved_rate=\(Int(result.rate)) avg_bytes=\(average)"
    line += " started_unix=\((result.startedUnix * 1000).rounded() / 1000)"
    print(line)
}
