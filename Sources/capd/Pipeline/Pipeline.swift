import Capture
import HEP
import Prometheus
import Rules
import Store
import Synchronization

/// Why a packet ended without being kept; the `reason` label of `capd_drops_total`.
enum PacketDropReason: String, CaseIterable {
    /// A `drop` action.
    case rule
    /// `auth_key` is set and the packet does not carry it.
    case authKey = "auth_key"
    /// A named HEP route ended without `resume_sip` (OpenSIPS drops such packets).
    case hepRouteEnd = "hep_route_end"
    /// The payload should be SIP but does not parse.
    case badSIP = "bad_sip"
    /// `hep_route: none` stores SIP only.
    case notSIP = "not_sip"
    /// No rule kept the packet (no capture, report or relay ran).
    case notKept = "not_kept"
    /// `capture` ran while the capture switch was off.
    case captureOff = "capture_off"
    /// A `dedup` action saw a copy.
    case dedup
    /// A relay queue was full.
    case relayQueueFull = "relay_queue_full"
}

/// receive → decode → rule tree → actions. Shared by every listener thread; each thread works through its
/// own `PipelineWorker`. The active rules are swapped atomically by `install`; a packet is evaluated
/// entirely against the rules that were active when its processing started.
final class Pipeline: Sendable {
    let metrics: CapdMetrics
    let store: StoreFront
    let captureSwitch: CaptureSwitch
    let relays: RelayPool
    let dedup = Deduplicator()
    let decodeOptions: HEPDecodeOptions
    private let active: Mutex<ActiveRules>
    /// A class holding the atomic rather than the atomic itself: Swift 6.3.1's optimizer crashed ("Found
    /// ownership error") on destroying a noncopyable stored property on this throwing init's error path.
    private let generations = GenerationCounter()

    let drops: [PacketDropReason: Counter]
    let decodeErrors: [String: Counter]
    let actionErrors: ActionErrorCounters

    init(config: Config, metrics: CapdMetrics, store: StoreFront, captureSwitch: CaptureSwitch, relays: RelayPool,
         decodeOptions: HEPDecodeOptions = .init()) throws {
        // Everything that can throw first, before any stored property is set.
        let rules = try ActiveRules(config: config, metrics: metrics, relays: relays, generation: 0)
        let actionErrors = ActionErrorCounters(metrics.exporter.counterFamily(
            "capd_action_errors_total", help: "Actions that could not be carried out (the packet went on), per action.",
            labels: ["action"]))
        self.metrics = metrics
        self.store = store
        self.captureSwitch = captureSwitch
        self.relays = relays
        self.decodeOptions = decodeOptions
        self.actionErrors = actionErrors
        active = Mutex(rules)
        var drops: [PacketDropReason: Counter] = [:]
        for reason in PacketDropReason.allCases { drops[reason] = metrics.drops.labels(reason.rawValue) }
        self.drops = drops
        var errors: [String: Counter] = [:]
        for reason in HEPDecodeError.allReasons { errors[reason] = metrics.decodeErrors.labels(reason) }
        decodeErrors = errors
    }

    var current: ActiveRules { active.withLock { $0 } }

    /// Makes `config` live for every packet processed from now on.
    func install(_ config: Config) throws {
        let generation = generations.next()
        let rules = try ActiveRules(config: config, metrics: metrics, relays: relays, generation: generation)
        active.withLock { $0 = rules }
    }

    func makeWorker(listener: String) -> PipelineWorker {
        PipelineWorker(pipeline: self, listener: listener)
    }

    @inline(__always)
    func drop(_ reason: PacketDropReason) {
        drops[reason]?.increment()
    }
}

extension HEPPacket {
    /// The largest captured message that still fits a HEPv3 packet with the usual chunks.
    static let maxRawPayload = 65_535 - 256
}

/// One thread's view of the pipeline: reusable evaluation buffers and the listener's counters.
struct PipelineWorker {
    let pipeline: Pipeline
    let listener: String
    private var scratch: RuleScratch
    private var scratchGeneration: Int
    /// `capd_packets_received_total{listener, version}` for v1, v2, v3 and plain SIP.
    private let received: [Counter]

    init(pipeline: Pipeline, listener: String) {
        self.pipeline = pipeline
        self.listener = listener
        let rules = pipeline.current
        scratch = rules.config.program.makeScratch()
        scratchGeneration = rules.generation
        received = ["1", "2", "3", "sip"].map { pipeline.metrics.packetsReceived.labels(listener, $0) }
    }

    /// A datagram or TCP frame from a HEP listener.
    mutating func handle(_ datagram: ReceivedDatagram) {
        handleHEP(bytes: datagram.bytes, net: datagram.net, receivedAt: datagram.receivedAt)
    }

    mutating func handleHEP(bytes: [UInt8], net: NetInfo, receivedAt: CaptureTimestamp) {
        let packet: HEPPacket
        do {
            packet = try HEPPacket.decode(bytes, options: pipeline.decodeOptions)
        } catch {
            pipeline.decodeErrors[error.reason]?.increment()
            return
        }
        received[Int(packet.version.rawValue) - 1].increment()
        let rules = currentRules()
        if let key = rules.config.authKey {
            guard packet.version == .v3, let carried = packet.authKey, carried.elementsEqual(key.utf8) else {
                pipeline.drop(.authKey)
                return
            }
        }
        var subject = PacketSubject(packet: packet, sip: nil, net: net, received: receivedAt, isHEP: true)
        run(&subject, rules: rules)
    }

    /// A SIP message captured from the wire (libpcap or a pcap file): it enters `main` directly.
    mutating func handleRaw(_ message: CapturedMessage) {
        let outer = message.outer
        let net = NetInfo(
            source: SocketEndpoint(address: outer?.source ?? message.source, port: message.sourcePort),
            destination: SocketEndpoint(address: outer?.destination ?? message.destination, port: message.destinationPort),
            transport: message.transport == .tcp ? .tcp : .udp)
        if message.kind == .hep {
            handleHEP(bytes: Array(message.payload), net: net, receivedAt: message.timestamp)
            return
        }
        received[3].increment()
        // HEPv3 carries at most 65 535 bytes; larger captured messages (a 64 KiB SDP body) travel beside it.
        let oversize = message.payload.count > HEPPacket.maxRawPayload
        let packet: HEPPacket
        do {
            packet = try HEPPacket(
                ipProtocol: message.transport.ipProtocol, sourceIP: message.source, destinationIP: message.destination,
                sourcePort: message.sourcePort, destinationPort: message.destinationPort,
                timestampSeconds: UInt32(clamping: message.timestamp.seconds),
                timestampMicroseconds: UInt32(clamping: message.timestamp.microseconds),
                protoType: HEPProtoType.sip, payload: oversize ? [] : Array(message.payload))
        } catch {
            pipeline.drop(.badSIP)
            return
        }
        let rules = currentRules()
        var subject = PacketSubject(packet: packet, sip: nil, net: net, received: message.timestamp, isHEP: false)
        if oversize { subject.oversizePayload = message.payload }
        guard parseSIP(&subject) else { return }
        runMain(&subject, rules: rules)
    }

    private mutating func currentRules() -> ActiveRules {
        let rules = pipeline.current
        if rules.generation != scratchGeneration {
            scratch = rules.config.program.makeScratch()
            scratchGeneration = rules.generation
        }
        return rules
    }

    /// `hep_route`: none (store SIP directly), sip (main with SIP parsed) or a named HEP route first.
    private mutating func run(_ subject: inout PacketSubject, rules: ActiveRules) {
        switch rules.config.hepRoute {
        case .none:
            guard subject.packet.protoType == HEPProtoType.sip else {
                pipeline.drop(.notSIP)
                return
            }
            guard parseSIP(&subject) else { return }
            var executor = PacketExecutor(pipeline: pipeline, rules: rules)
            executor.capture(CaptureAction(), subject: subject)
        case .sip:
            if subject.packet.protoType == HEPProtoType.sip {
                guard parseSIP(&subject) else { return }
            }
            runMain(&subject, rules: rules)
        case .route(let route):
            var executor = PacketExecutor(pipeline: pipeline, rules: rules)
            let outcome = rules.config.program.evaluate(route: route, subject: &subject, executor: &executor,
                                                        scratch: &scratch)
            switch outcome {
            case .resumeSIP:
                guard parseSIP(&subject) else { return }
                runMain(&subject, rules: rules, executor: executor)
            case .completed:
                if !executor.kept && !executor.dropCounted { pipeline.drop(.hepRouteEnd) }
            case .dropped:
                if !executor.kept && !executor.dropCounted { pipeline.drop(executor.droppedByDedup ? .dedup : .rule) }
            }
        }
    }

    private mutating func runMain(_ subject: inout PacketSubject, rules: ActiveRules,
                                  executor previous: PacketExecutor? = nil) {
        var executor = previous ?? PacketExecutor(pipeline: pipeline, rules: rules)
        guard let main = rules.config.program.mainRoute else {
            if !executor.kept && !executor.dropCounted { pipeline.drop(.notKept) }
            return
        }
        let outcome = rules.config.program.evaluate(route: main, subject: &subject, executor: &executor, scratch: &scratch)
        if executor.kept || executor.dropCounted { return }
        switch outcome {
        case .dropped: pipeline.drop(executor.droppedByDedup ? .dedup : .rule)
        case .completed, .resumeSIP: pipeline.drop(.notKept)
        }
    }

    private func parseSIP(_ subject: inout PacketSubject) -> Bool {
        do {
            subject.sip = try SIPMessage(parsing: subject.payload)
            return true
        } catch {
            pipeline.drop(.badSIP)
            return false
        }
    }
}

/// The generation number of installed rule sets.
private final class GenerationCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
