#if canImport(Glibc)
import Glibc
#endif
import CLibPcap
import HEP
import Service
import Synchronization

extension LiveCapture {
    /// One pcap handle and the state its thread owns.
    final class Reader: @unchecked Sendable {
        // `handle` is used by the reader thread; `pcap_breakloop` and `pcap_stats` are safe from others.
        private let handle: OpaquePointer
        private let linkType: LinkType
        private let mode: LiveCaptureMode
        private let ports: [ClosedRange<UInt16>]
        private let published = Mutex(CaptureStats())
        /// Guards `pcap_stats` (libpcap accumulates the kernel's reset-on-read counters in the handle, so
        /// two scrapes at once would lose counts) and `pcap_close` against each other. Holds true once closed.
        private let statsLock = Mutex<Bool>(false)
        // Owned by the reader thread while it runs.
        private var extractor: SIPExtractor
        private var batch: [CapturedMessage] = []
        private var frameNumber = 0

        init(handle: OpaquePointer, configuration: LiveCaptureConfiguration) {
            self.handle = handle
            linkType = LinkType(rawValue: pcap_datalink(handle))
            mode = configuration.mode
            ports = configuration.ports
            extractor = SIPExtractor(configuration: configuration.extractor)
        }

        var stats: CaptureStats { published.withLock { $0 } }

        /// pcap_stats of this reader; after `close`, the last values read.
        var kernelStats: KernelCaptureStats {
            statsLock.withLock { closed in
                if closed { return lastKernelStats.withLock { $0 } }
                var counters = pcap_stat()
                guard pcap_stats(handle, &counters) == 0 else { return lastKernelStats.withLock { $0 } }
                let stats = KernelCaptureStats(
                    received: Int(counters.ps_recv), dropped: Int(counters.ps_drop),
                    interfaceDropped: Int(counters.ps_ifdrop))
                lastKernelStats.withLock { $0 = stats }
                return stats
            }
        }
        private let lastKernelStats = Mutex(KernelCaptureStats())

        func breakLoop() { pcap_breakloop(handle) }

        func close() {
            _ = kernelStats
            statsLock.withLock { closed in
                guard !closed else { return }
                closed = true
                pcap_close(handle)
            }
        }

        /// The reader's loop, on its service thread; `stop` ends it with `breakLoop` (libpcap wakes its poll).
        func run(
            service: ServiceThread, consumer: @Sendable ([CapturedMessage]) -> Void,
            logDrops: (@Sendable (Int, Int) -> Void)?
        ) {
            var dropWatch = DropCounterWatch()
            let context = Unmanaged.passUnretained(self).toOpaque().assumingMemoryBound(to: UInt8.self)
            while !service.isStopping {
                let status = pcap_dispatch(handle, -1, { user, header, data in
                    guard let user, let header, let data else { return }
                    let reader = Unmanaged<Reader>.fromOpaque(UnsafeRawPointer(user)).takeUnretainedValue()
                    reader.frame(header.pointee, data)
                }, context)
                if status < 0 && status != PCAP_ERROR_BREAK { break }
                if !batch.isEmpty {
                    consumer(batch)
                    batch.removeAll(keepingCapacity: true)
                }
                let snapshot = extractor.stats
                published.withLock { $0 = snapshot }
                if let logDrops {
                    dropWatch.observe(now: Clock.monotonicSeconds(), read: { kernelStats.dropped }, report: logDrops)
                }
            }
        }

        private func frame(_ header: pcap_pkthdr, _ data: UnsafePointer<UInt8>) {
            frameNumber += 1
            let frame = PcapFrame(
                timestamp: CaptureTimestamp(seconds: Int(header.ts.tv_sec), microseconds: Int(header.ts.tv_usec)),
                linkType: linkType, bytes: UnsafeRawBufferPointer(start: data, count: Int(header.caplen)),
                originalLength: Int(header.len), number: frameNumber)
            let mode = mode
            let ports = ports
            extractor.process(frame) { message in
                if mode == .ipip && message.outer?.ipProtocol != 4 { return }
                if !ports.isEmpty && !ports.contains(where: { $0.contains(message.sourcePort) || $0.contains(message.destinationPort) }) {
                    return
                }
                batch.append(message)
            }
        }
    }
}
