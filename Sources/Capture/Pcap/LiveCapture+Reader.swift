#if canImport(Glibc)
import Glibc
#endif
import CLibPcap
import HEP
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
        private let closed = Atomic<Bool>(false)
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

        var kernelStats: (Int, Int, Int) {
            var counters = pcap_stat()
            guard !closed.load(ordering: .acquiring), pcap_stats(handle, &counters) == 0 else { return (0, 0, 0) }
            return (Int(counters.ps_recv), Int(counters.ps_drop), Int(counters.ps_ifdrop))
        }

        func breakLoop() { pcap_breakloop(handle) }

        func close() {
            if closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
                pcap_close(handle)
            }
        }

        func run(stopping: borrowing Atomic<Bool>, consumer: @Sendable ([CapturedMessage]) -> Void) {
            let context = Unmanaged.passUnretained(self).toOpaque().assumingMemoryBound(to: UInt8.self)
            while !stopping.load(ordering: .acquiring) {
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
