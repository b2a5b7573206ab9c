import Capture
import Synchronization

/// The capture inputs whose own counters are exported at scrape time: kernel drops of the UDP listeners,
/// connection counts of the TCP listeners, pcap_stats of the raw capture readers. Inputs are added as the
/// daemon starts them; the collectors are installed once, when the metric families are created.
final class CaptureMetricSources: Sendable {
    private let udp = Mutex<[(label: String, listener: HEPUDPListener)]>([])
    private let tcp = Mutex<[(label: String, listener: HEPTCPListener)]>([])
    /// `tls://` listeners: their connection counts join the TCP families; handshakes have their own.
    private let tls = Mutex<[(label: String, listener: HEPTLSListener)]>([])
    private let raw = Mutex<[(interface: String, capture: LiveCapture)]>([])

    init() {}

    func add(_ listener: HEPUDPListener, label: String) { udp.withLock { $0.append((label, listener)) } }
    func add(_ listener: HEPTCPListener, label: String) { tcp.withLock { $0.append((label, listener)) } }
    func add(_ listener: HEPTLSListener, label: String) { tls.withLock { $0.append((label, listener)) } }

    /// The running `tls://` listeners (their certificates are replaced on reload).
    var tlsListeners: [(label: String, listener: HEPTLSListener)] { tls.withLock { $0 } }
    func add(_ capture: LiveCapture, interface: String) { raw.withLock { $0.append((interface, capture)) } }

    typealias Samples = [(labels: [String], value: Double)]

    var kernelDrops: Samples {
        udp.withLock { $0 }.map { (labels: [$0.label], value: Double($0.listener.kernelDrops)) }
    }

    /// Connection counts of the TCP and TLS listeners.
    private var streams: [(label: String, counters: ListenerCounters, connections: TCPConnectionCounters)] {
        tcp.withLock { $0 }.map { ($0.label, $0.listener.counters, $0.listener.connections) }
            + tls.withLock { $0 }.map { ($0.label, $0.listener.counters, $0.listener.connections) }
    }

    var tcpRefused: Samples {
        streams.map {
            (labels: [$0.label], value: Double($0.counters.connectionsRefused.load(ordering: .relaxed)))
        }
    }

    var tcpOpen: Samples {
        streams.map {
            (labels: [$0.label], value: Double($0.counters.connectionsOpen.load(ordering: .relaxed)))
        }
    }

    var tcpClosed: Samples {
        streams.flatMap { entry in
            TCPCloseReason.allCases.map { reason in
                (labels: [entry.label, reason.rawValue], value: Double(entry.connections.closed(reason)))
            }
        }
    }

    /// pcap_stats per reader: (ring drops, interface drops), labelled interface and reader index.
    var rawDrops: (ring: Samples, interface: Samples) {
        var ring: Samples = []
        var interface: Samples = []
        for entry in raw.withLock({ $0 }) {
            for (index, stats) in entry.capture.readerKernelStats.enumerated() {
                ring.append((labels: [entry.interface, String(index)], value: Double(stats.dropped)))
                interface.append((labels: [entry.interface, String(index)], value: Double(stats.interfaceDropped)))
            }
        }
        return (ring, interface)
    }
}
