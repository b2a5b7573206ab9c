#if canImport(Glibc)
import Glibc
#endif
import CLibPcap
import CSocket
import HEP
import Service
import Synchronization

public enum LiveCaptureMode: String, Sendable {
    /// Port-mirror traffic: every SIP message seen is delivered.
    case mirror
    /// IP-in-IP copies: only messages decapsulated from an outer IPv4 protocol-4 header are delivered
    /// (inner addresses as the message's, outer ones in `outer`).
    case ipip
}

public struct LiveCaptureConfiguration: Sendable {
    public var interface: String
    public var mode = LiveCaptureMode.mirror
    public var promiscuous = false
    public var snapLength: Int32 = 65_535
    /// Kernel ring buffer per reader (TPACKET_V3 blocks: packets are packed at their captured length, so
    /// 32 MiB hold ~40 000 packets of 700 bytes; a burst waits there while the reader thread works).
    public var bufferBytes: Int32 = 32 * 1_024 * 1_024
    /// Longest time a packet waits in a partly filled ring block before the reader sees it (pcap timeout).
    public var deliveryTimeoutMilliseconds: Int32 = 50
    /// BPF expression (tcpdump syntax). Mirror mode: the kernel filter as given. IPIP mode: the kernel
    /// filter is `ip proto 4`, and `and (filter)` when given (it then sees the outer header).
    public var filter: String?
    /// Inner/message ports kept in user space (source or destination inside a range); empty keeps all.
    /// In IPIP mode this is where ports are filtered, since BPF sees only the outer header.
    public var ports: [ClosedRange<UInt16>] = []
    /// Parallel readers on the interface, joined in one PACKET_FANOUT group (flow hash, defragmented).
    public var readers = 1
    /// Fanout group id (default: derived from the process id, distinct per capture).
    public var fanoutGroup: UInt16?
    /// Tests only (`@testable`): `false` lets every reader see every packet, to show what fanout prevents.
    var fanout = true
    public var extractor = SIPExtractorConfiguration()

    public init(interface: String) { self.interface = interface }
}

/// libpcap live capture on one interface with one thread per reader. Each reader has its own
/// `SIPExtractor` (fanout keeps a flow on one reader) and hands the messages of each dispatch round to the
/// consumer.
public final class LiveCapture: Sendable {
    public let configuration: LiveCaptureConfiguration
    /// Makes the default fanout group of every capture in this process distinct.
    private static let captureCount = Atomic<UInt16>(0)
    private let readers: [Reader]
    private let stopped = Atomic<Bool>(false)
    /// One service thread per reader, from `start` to `stop`.
    private let threads = Mutex<[ServiceThread]>([])

    /// Opens and activates every reader (needs root or CAP_NET_RAW); capture starts with `start`.
    public init(configuration: LiveCaptureConfiguration) throws(CaptureError) {
        self.configuration = configuration
        let count = max(1, configuration.readers)
        let group = configuration.fanoutGroup
            ?? UInt16(truncatingIfNeeded: getpid()) &+ Self.captureCount.add(1, ordering: .relaxed).newValue &* 7_919
        var readers: [Reader] = []
        for _ in 0..<count {
            let handle = try Self.open(configuration)
            if count > 1 && configuration.fanout {
                let status = capd_join_packet_fanout(
                    pcap_fileno(handle), group, UInt16(CAPD_FANOUT_HASH), UInt16(CAPD_FANOUT_FLAG_DEFRAG))
                if status != 0 {
                    let code = errno
                    pcap_close(handle)
                    for reader in readers { reader.close() }
                    throw .socket(operation: "PACKET_FANOUT on \(configuration.interface)", errno: code)
                }
            }
            readers.append(Reader(handle: handle, configuration: configuration))
        }
        self.readers = readers
    }

    deinit {
        stop()
        for reader in readers { reader.close() }
    }

    private static func open(_ configuration: LiveCaptureConfiguration) throws(CaptureError) -> OpaquePointer {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(configuration.interface, &errorBuffer) else {
            throw .pcap(operation: "pcap_create \(configuration.interface)", message: pcapErrorText(errorBuffer))
        }
        pcap_set_snaplen(handle, configuration.snapLength)
        pcap_set_promisc(handle, configuration.promiscuous ? 1 : 0)
        // Not immediate mode: on Linux that selects TPACKET_V2, whose ring has one snaplen-sized slot per
        // packet (8 MiB with snaplen 65 535 held ~120 slots, ~60 packets on lo where each is seen twice), so
        // a burst overflowed it while the reader thread ran the pipeline. TPACKET_V3 packs packets into
        // blocks at their real size; a block is handed over when full or after the delivery timeout.
        pcap_set_immediate_mode(handle, 0)
        pcap_set_buffer_size(handle, configuration.bufferBytes)
        pcap_set_timeout(handle, max(1, configuration.deliveryTimeoutMilliseconds))
        let status = pcap_activate(handle)
        if status < 0 {
            let message = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw .pcap(operation: "pcap_activate \(configuration.interface)", message: message)
        }
        // On the loopback device every packet passes twice (sent, then received): keep the received copy
        // only, so it takes one place in the ring and `ps_drop` counts packets, not copies.
        if configuration.interface == "lo" {
            _ = pcap_setdirection(handle, PCAP_D_IN)
            _ = capd_packet_ignore_outgoing(pcap_fileno(handle))
        }
        let expression: String? = switch configuration.mode {
        case .mirror: configuration.filter
        case .ipip: configuration.filter.map { "ip proto 4 and (\($0))" } ?? "ip proto 4"
        }
        if let expression {
            var program = bpf_program()
            guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                let message = String(cString: pcap_geterr(handle))
                pcap_close(handle)
                throw .pcap(operation: "pcap_compile \"\(expression)\"", message: message)
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(handle, &program) == 0 else {
                let message = String(cString: pcap_geterr(handle))
                pcap_close(handle)
                throw .pcap(operation: "pcap_setfilter", message: message)
            }
        }
        return handle
    }

    /// Starts one thread per reader; `consumer` is called from them (concurrently) with message batches.
    /// `logDrops` (optional) is told, at most every 10 s per reader, how many packets the kernel dropped
    /// from that reader's ring since the last call and in total (reader index, new, total).
    public func start(
        _ consumer: @escaping @Sendable ([CapturedMessage]) -> Void,
        logDrops: (@Sendable (_ reader: Int, _ new: Int, _ total: Int) -> Void)? = nil
    ) throws(CaptureError) {
        guard !stopped.load(ordering: .acquiring) else { return }
        var started: [ServiceThread] = []
        for (index, reader) in readers.enumerated() {
            var report: (@Sendable (Int, Int) -> Void)?
            if let logDrops {
                report = { new, total in logDrops(index, new, total) }
            }
            let readerReport = report
            let service = ServiceThread(name: "pcap-\(configuration.interface)-\(index)")
            do throws(CaptureError) {
                try service.startCapture { reader.run(service: service, consumer: consumer, logDrops: readerReport) }
            } catch {
                // No reader half-started: the ones already running end before the error is reported.
                for thread in started { thread.stop() }
                for reader in readers { reader.breakLoop() }
                for thread in started { thread.join() }
                throw error
            }
            started.append(service)
        }
        threads.withLock { $0 = started }
    }

    /// Stops every reader and returns when their threads have ended.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        let running = threads.withLock { current -> [ServiceThread] in
            defer { current = [] }
            return current
        }
        for thread in running { thread.stop() }
        for reader in readers { reader.breakLoop() }
        for thread in running { thread.join() }
    }

    /// Extraction counters merged over the readers (updated after every dispatch round).
    public var stats: CaptureStats {
        var total = CaptureStats()
        for reader in readers { total.merge(reader.stats) }
        return total
    }

    /// Per reader, in order.
    public var readerStats: [CaptureStats] { readers.map(\.stats) }

    /// Kernel counters (pcap_stats) summed over the readers.
    public var kernelStats: KernelCaptureStats {
        readers.reduce(into: KernelCaptureStats()) { $0.add($1.kernelStats) }
    }

    /// Kernel counters (pcap_stats) per reader, in order. Safe from any thread, at any rate.
    public var readerKernelStats: [KernelCaptureStats] { readers.map(\.kernelStats) }
}

/// What libpcap's `pcap_stats` reports for one handle, cumulative since it was opened.
public struct KernelCaptureStats: Sendable, Equatable {
    /// Packets that passed the kernel filter (`ps_recv`), including those then dropped.
    public var received = 0
    /// Packets the kernel dropped because the capture ring was full (`ps_drop`): the reader fell behind.
    public var dropped = 0
    /// Packets the interface or its driver dropped (`ps_ifdrop`; Linux reports it in promiscuous mode only).
    public var interfaceDropped = 0

    public init(received: Int = 0, dropped: Int = 0, interfaceDropped: Int = 0) {
        self.received = received
        self.dropped = dropped
        self.interfaceDropped = interfaceDropped
    }

    mutating func add(_ other: KernelCaptureStats) {
        received += other.received
        dropped += other.dropped
        interfaceDropped += other.interfaceDropped
    }
}
