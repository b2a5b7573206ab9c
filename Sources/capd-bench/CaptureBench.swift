#if canImport(Glibc)
import Glibc
#endif
import Capture
import CSocket
import HEP
import Synchronization

// capd-bench capture [--repeat N] [--udp-count N] [--udp-seconds S] [--keep FILE]
//
// 1. Replay: the Ethernet captures of ../shared/corpus/pcap repeated N times (each repetition's IPv4
//    source addresses shifted so its flows are new — only the outer header of IP-in-IP frames, so the two
//    tunnelled TCP messages of sngrep_ipip repeat as retransmissions: 812 SIP in the first repetition, 810
//    in each further one) into one pcap file; PcapFileReader + SIPExtractor
//    throughput next to `tcpdump -r FILE -w /dev/null` on the same file in the same run.
// 2. UDP receive on loopback: a sender thread (sendmmsg, 200-byte datagrams) against (a) a bare recvmmsg
//    loop (the ceiling) and (b) HEPUDPListener; bounded by count and time.
func captureBench(_ arguments: [String]) throws {
    func option(_ name: String, _ fallback: Int) -> Int {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count,
              let value = Int(arguments[index + 1]) else { return fallback }
        return value
    }
    let repetitions = option("--repeat", 60)
    let udpCount = option("--udp-count", 2_000_000)
    let udpSeconds = option("--udp-seconds", 4)
    let shared = captureBenchSharedDirectory()
    let path = "/tmp/capd-capture-bench-\(getpid()).pcap"
    defer { if !arguments.contains("--keep") { unlink(path) } }

    let written = try writeRepeatedCorpus(from: shared + "corpus/pcap/", to: path, repetitions: repetitions)
    print("capture: replay file \(path): \(written.frames) frames, \(written.bytes / 1_048_576) MiB (\(repetitions) repetitions)")

    // Warm the page cache, then measure.
    _ = try replay(path)
    let result = try replay(path)
    let readOnly = try readOnlyPass(path)
    let tcpdumpSeconds = timeCommand("tcpdump -r \(path) -w /dev/null 2>/dev/null")
    func rate(_ count: Int, _ seconds: Double) -> String { seconds > 0 ? "\(Int(Double(count) / seconds))" : "n/a" }
    print("capture: replay  SIPExtractor  \(rate(result.frames, result.seconds)) packets/s  \(rate(result.sip, result.seconds)) SIP msgs/s  (\(result.sip) SIP, \(String(format3(result.seconds))) s)")
    print("capture: replay  reader only   \(rate(readOnly.frames, readOnly.seconds)) packets/s  (\(format3(readOnly.seconds)) s)")
    if let tcpdumpSeconds {
        print("capture: replay  tcpdump -r -w /dev/null  \(rate(written.frames, tcpdumpSeconds)) packets/s  (\(format3(tcpdumpSeconds)) s)")
    } else {
        print("capture: replay  tcpdump not available")
    }

    // Receive ceiling measured as in BUILD-NOTES: fill the socket buffer first, then time the drain.
    let rounds = option("--drain-rounds", 5)
    let perRound = option("--drain-datagrams", 40_000)
    let rawDrain = try drainedReceive(rounds: rounds, datagrams: perRound, useListener: false)
    print("capture: udp loopback drain  raw recvmmsg    \(rawDrain.received)/\(rawDrain.sent) datagrams  \(rate(rawDrain.received, rawDrain.seconds)) datagrams/s")
    let listenerDrain = try drainedReceive(rounds: rounds, datagrams: perRound, useListener: true)
    print("capture: udp loopback drain  HEPUDPListener  \(listenerDrain.received)/\(listenerDrain.sent) datagrams  \(rate(listenerDrain.received, listenerDrain.seconds)) datagrams/s")

    let ceiling = try udpReceive(count: udpCount, seconds: Double(udpSeconds), useListener: false)
    print("capture: udp loopback concurrent sender  raw recvmmsg   sent \(ceiling.sent)  received \(ceiling.received)  \(rate(ceiling.received, ceiling.seconds)) datagrams/s")
    let listener = try udpReceive(count: udpCount, seconds: Double(udpSeconds), useListener: true)
    print("capture: udp loopback concurrent sender  HEPUDPListener sent \(listener.sent)  received \(listener.received)  \(rate(listener.received, listener.seconds)) datagrams/s")
}

private func format3(_ value: Double) -> String {
    let thousandths = Int((value * 1_000).rounded())
    let fraction = String(thousandths % 1_000)
    return "\(thousandths / 1_000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

/// ../shared beside the checkout, or $CAPD_SHARED.
private func captureBenchSharedDirectory() -> String {
    if let value = getenv("CAPD_SHARED") { return String(cString: value) + "/" }
    var path = #filePath
    for _ in 0..<4 { if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) } }
    return path + "/shared/"
}

private func writeRepeatedCorpus(from directory: String, to path: String, repetitions: Int) throws -> (frames: Int, bytes: Int) {
    var frames: [[UInt8]] = []
    guard let handle = opendir(directory) else { throw CaptureError.openFailed(path: directory, message: "opendir") }
    var names: [String] = []
    while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name.hasSuffix(".pcap") || name.hasSuffix(".pcapng") { names.append(name) }
    }
    closedir(handle)
    for name in names.sorted() {
        let reader = try PcapFileReader(path: directory + name)
        guard reader.linkType == .ethernet else { continue }
        try reader.forEach { frame in frames.append(Array(frame.bytes)) }
    }
    let writer = try PcapFileWriter(path: path, linkType: .ethernet)
    var count = 0
    var bytes = 0
    for repetition in 0..<repetitions {
        for frame in frames {
            var copy = frame
            // Plain Ethernet + IPv4: shift the source address so every repetition has its own flows.
            if copy.count >= 34, copy[12] == 0x08, copy[13] == 0x00 {
                copy[27] = copy[27] &+ UInt8(truncatingIfNeeded: repetition)
                copy[28] = copy[28] &+ UInt8(truncatingIfNeeded: repetition >> 8)
            }
            count += 1
            bytes += copy.count
            try writer.write(frame: copy, timestamp: CaptureTimestamp(seconds: 1_700_000_000 + count / 10_000, microseconds: count % 10_000 * 100))
        }
    }
    writer.close()
    return (count, bytes)
}

private func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

private func replay(_ path: String) throws -> (frames: Int, sip: Int, seconds: Double) {
    let start = now()
    let reader = try PcapFileReader(path: path)
    var extractor = SIPExtractor()
    var sip = 0
    try reader.forEach { frame in extractor.process(frame) { message in if message.kind == .sip { sip += 1 } } }
    return (extractor.stats.frames, sip, now() - start)
}

private func readOnlyPass(_ path: String) throws -> (frames: Int, seconds: Double) {
    let start = now()
    let reader = try PcapFileReader(path: path)
    var frames = 0
    var checksum = 0
    try reader.forEach { frame in
        frames += 1
        checksum &+= frame.bytes.count
    }
    if checksum == -1 { print("") }
    return (frames, now() - start)
}

private func timeCommand(_ command: String) -> Double? {
    let start = now()
    let status = system(command)
    guard status == 0 else { return nil }
    return now() - start
}

private final class ReceiveCount: Sendable {
    let received = Atomic<Int>(0)
}

/// Sender thread vs receiver; returns what was sent and received within the bounds.
private func udpReceive(count: Int, seconds: Double, useListener: Bool) throws -> (sent: Int, received: Int, seconds: Double) {
    let loopback = SocketEndpoint(address: IPAddress(ipv4: 0x7F00_0001), port: 0)
    let counter = ReceiveCount()
    var rawReceiver: RawReceiver?
    var listener: HEPUDPListener?
    var receiverThread: pthread_t?
    var rawDescriptor: Int32 = -1
    let port: UInt16
    if useListener {
        let started = try HEPUDPListener(endpoint: loopback)
        try started.start { batch in counter.received.add(batch.count, ordering: .relaxed) }
        listener = started
        port = started.localEndpoint.port
    } else {
        rawDescriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(rawDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        _ = capd_set_receive_buffer(rawDescriptor, 32 * 1_024 * 1_024)
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(rawDescriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(rawDescriptor, $0, &length) } }
        port = UInt16(bigEndian: address.sin_port)
        let context = RawReceiver(descriptor: rawDescriptor, counter: counter)
        rawReceiver = context
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<RawReceiver>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, Unmanaged.passRetained(context).toOpaque())
        receiverThread = thread
    }

    let sender = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    var target = sockaddr_in()
    target.sin_family = sa_family_t(AF_INET)
    target.sin_port = port.bigEndian
    target.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    _ = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(sender, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    let payload = [UInt8](repeating: 0x48, count: 200)
    let start = now()
    var sent = 0
    payload.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let pointers = [UnsafePointer<UInt8>?](repeating: base, count: 64)
        let lengths = [UInt32](repeating: 200, count: 64)
        while sent < count && now() - start < seconds {
            let result = capd_sendmmsg(sender, pointers, lengths, 64, nil, 0)
            if result > 0 { sent += Int(result) }
        }
    }
    // Let the receiver drain what is queued (bounded).
    let drainDeadline = now() + 1
    var last = -1
    while now() < drainDeadline {
        let current = counter.received.load(ordering: .relaxed)
        if current == last { break }
        last = current
        usleep(50_000)
    }
    let elapsed = now() - start
    close(sender)
    listener?.stop()
    rawReceiver?.done.store(true, ordering: .relaxed)
    if let receiverThread { pthread_join(receiverThread, nil) }
    if rawDescriptor >= 0 { close(rawDescriptor) }
    return (sent, counter.received.load(ordering: .relaxed), elapsed)
}

/// The bare recvmmsg loop: 64 slots of 2 KiB, no per-packet work.
private final class RawReceiver: Sendable {
    let descriptor: Int32
    let counter: ReceiveCount
    let done = Atomic<Bool>(false)

    init(descriptor: Int32, counter: ReceiveCount) {
        self.descriptor = descriptor
        self.counter = counter
    }

    func run() {
        let slots = 64, slot = 2_048
        let buffers = UnsafeMutablePointer<UInt8>.allocate(capacity: slots * slot)
        let lengths = UnsafeMutablePointer<UInt32>.allocate(capacity: slots)
        let flags = UnsafeMutablePointer<Int32>.allocate(capacity: slots)
        defer { buffers.deallocate(); lengths.deallocate(); flags.deallocate() }
        while !done.load(ordering: .relaxed) {
            let received = capd_recvmmsg(descriptor, buffers, slot, UInt32(slots), lengths, flags, nil, 1)
            if received > 0 { counter.received.add(Int(received), ordering: .relaxed) }
        }
    }
}

/// Sends `datagrams` 200-byte datagrams into a receiver that is not reading yet, then times the drain.
private func drainedReceive(rounds: Int, datagrams: Int, useListener: Bool) throws -> (sent: Int, received: Int, seconds: Double) {
    var totalSent = 0, totalReceived = 0
    var totalSeconds = 0.0
    for _ in 0..<rounds {
        let counter = ReceiveCount()
        // The listener, or a bare socket set up the same way (its recvmmsg loop below is the baseline).
        let endpoint = SocketEndpoint(address: IPAddress(ipv4: 0x7F00_0001), port: 0)
        let listener = try HEPUDPListener(endpoint: endpoint)
        let bare = try UDPReceiveSocket(endpoint: endpoint, receiveBufferBytes: UDPListenerConfiguration().receiveBufferBytes)
        let sender = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = (useListener ? listener.localEndpoint : bare.localEndpoint).port.bigEndian
        target.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(sender, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let payload = [UInt8](repeating: 0x48, count: 200)
        var sent = 0
        payload.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let pointers = [UnsafePointer<UInt8>?](repeating: base, count: 64)
            let lengths = [UInt32](repeating: 200, count: 64)
            while sent < datagrams {
                let result = capd_sendmmsg(sender, pointers, lengths, UInt32(min(64, datagrams - sent)), nil, 0)
                guard result > 0 else { break }
                sent += Int(result)
            }
        }
        close(sender)
        let start = now()
        var lastChange = start
        if useListener {
            try listener.start { batch in counter.received.add(batch.count, ordering: .relaxed) }
            var last = 0
            while now() - lastChange < 0.3 {
                let current = counter.received.load(ordering: .relaxed)
                if current != last { last = current; lastChange = now() }
                if current >= sent { lastChange = now(); break }
                usleep(200)
            }
            listener.stop()
        } else {
            let descriptor = bare.descriptor
            let slots = 64, slot = 2_048
            let buffers = UnsafeMutablePointer<UInt8>.allocate(capacity: slots * slot)
            let lengths = UnsafeMutablePointer<UInt32>.allocate(capacity: slots)
            let flags = UnsafeMutablePointer<Int32>.allocate(capacity: slots)
            defer { buffers.deallocate(); lengths.deallocate(); flags.deallocate() }
            var received = 0
            while received < sent {
                let count = capd_recvmmsg(descriptor, buffers, slot, UInt32(slots), lengths, flags, nil, 1)
                guard count > 0 else { break }   // non-blocking socket: EAGAIN, the buffer is empty
                received += Int(count)
                lastChange = now()
            }
            counter.received.store(received, ordering: .relaxed)
        }
        totalSent += sent
        totalReceived += counter.received.load(ordering: .relaxed)
        totalSeconds += lastChange - start
    }
    return (totalSent, totalReceived, totalSeconds)
}
