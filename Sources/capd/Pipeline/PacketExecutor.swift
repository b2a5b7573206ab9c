import Capture
import HEP
import Rules
import Store

/// Carries out a packet's actions in rule order: rows to the store, chunk edits on the packet, relays,
/// dedup. Remembers whether anything kept the packet, for the drop counters.
struct PacketExecutor: RuleExecutor {
    typealias Subject = PacketSubject

    let pipeline: Pipeline
    let rules: ActiveRules
    /// A capture, report or relay ran.
    private(set) var kept = false
    private(set) var droppedByDedup = false
    /// An action already counted why it did not keep the packet (so the packet is not counted twice).
    private(set) var dropCounted = false

    init(pipeline: Pipeline, rules: ActiveRules) {
        self.pipeline = pipeline
        self.rules = rules
    }

    mutating func ruleMatched(_ rule: RuleRef) {
        rules.ruleMatches[rule.route][rule.rule].increment()
    }

    mutating func perform(_ action: RuleAction, rule: RuleRef, subject: inout PacketSubject) -> Bool {
        switch action {
        case .capture(let capture): self.capture(capture, subject: subject)
        case .report(let report): self.report(report, subject: subject)
        case .setChunk(let edit): set(edit, subject: &subject)
        case .deleteChunk(let chunk): delete(chunk, subject: &subject)
        case .relay(let target): relay(to: target, subject: subject)
        case .relayGroup(let group): relay(to: rules.member(of: group, for: subject), subject: subject)
        case .dedup(let window):
            let now = StoredRows.receiveMicroseconds(subject)
            if !pipeline.dedup.isFirst(subject.payload, windowMilliseconds: window, nowMicroseconds: now) {
                droppedByDedup = true
                return false
            }
        case .drop, .stop, .route, .resumeSIP:
            break   // control actions are the evaluator's
        }
        return true
    }

    // MARK: Storage

    /// Also the implicit capture of `hep_route: none`.
    mutating func capture(_ action: CaptureAction, subject: PacketSubject) {
        guard pipeline.captureSwitch.isOn else {
            countDrop(.captureOff)
            return
        }
        let config = rules.config
        let row: StoreRow
        switch config.store.schema {
        case .homer5:
            let table = (action.table ?? config.store.table).template
            let custom = (render(action.customField1, subject), render(action.customField2, subject),
                          render(action.customField3, subject))
            guard let sipRow = StoredRows.sipCapture(subject, table: table, captureNode: config.capture.node,
                                                     customFields: custom) else {
                countDrop(subject.packet.protoType == HEPProtoType.sip ? .badSIP : .notSIP)
                return
            }
            row = .sip(sipRow)
        case .homer7:
            guard let seven = StoredRows.homerSeven(subject, captureNode: config.capture.node, correlationID: nil) else {
                countDrop(.notSIP)
                return
            }
            row = .homerSeven(seven)
        }
        append(row)
    }

    /// Counts one drop reason per packet at most.
    private mutating func countDrop(_ reason: PacketDropReason) {
        guard !dropCounted else { return }
        dropCounted = true
        pipeline.drop(reason)
    }

    private mutating func report(_ action: ReportAction, subject: PacketSubject) {
        let config = rules.config
        let correlation = action.correlationID.render(subject)
        let row: StoreRow
        switch config.store.schema {
        case .homer5:
            row = .report(StoredRows.report(subject, table: (action.table ?? config.store.reportTable).template,
                                            captureNode: config.capture.node, correlationID: correlation,
                                            protoType: action.protoType))
        case .homer7:
            guard let seven = StoredRows.homerSeven(subject, captureNode: config.capture.node,
                                                    correlationID: correlation) else {
                countDrop(.notSIP)
                return
            }
            row = .homerSeven(seven)
        }
        append(row)
    }

    private mutating func append(_ row: StoreRow) {
        switch pipeline.store.append(row) {
        case .queued, .spooled: kept = true
        // Counted by the store under its own reason (`store_spool_full`, `store_spool_behind`, ...): only
        // marked here, so the packet is not counted a second time as a rule drop.
        case .dropped: dropCounted = true
        }
    }

    private func render(_ template: Template?, _ subject: PacketSubject) -> String {
        guard let template, !template.isEmpty else { return "" }
        return template.render(subject)
    }

    // MARK: Chunk edits (hep_set / hep_del)

    private mutating func set(_ edit: ChunkEdit, subject: inout PacketSubject) {
        let value: HEPChunkValue
        switch edit.value {
        case .uint8(let v): value = .uint8(v)
        case .uint16(let v): value = .uint16(v)
        case .uint32(let v): value = .uint32(v)
        case .inet4(let ip): value = .inet4(ip)
        case .inet6(let ip): value = .inet6(ip)
        case .utf8(let template): value = .utf8(template.render(subject))
        case .octet(let template):
            var bytes: [UInt8] = []
            template.render(subject, into: &bytes)
            value = .octets(bytes)
        }
        do {
            try subject.packet.setChunk(type: edit.type, vendor: edit.vendor, value: value)
            reparseIfPayload(edit.type, &subject)
        } catch {
            pipeline.actionErrors.set.increment()
        }
    }

    private mutating func delete(_ chunk: ChunkRef, subject: inout PacketSubject) {
        let vendor = chunk.vendor ?? subject.packet.chunkSequence.first { $0.type == chunk.type }?.vendor ?? 0
        do {
            _ = try subject.packet.deleteChunk(type: chunk.type, vendor: vendor)
            reparseIfPayload(chunk.type, &subject)
        } catch {
            pipeline.actionErrors.del.increment()
        }
    }

    /// Later actions see an edited payload through a fresh SIP view.
    private func reparseIfPayload(_ type: UInt16, _ subject: inout PacketSubject) {
        guard type == HEPChunkType.payload || type == HEPChunkType.compressedPayload, subject.sip != nil else { return }
        subject.sip = try? SIPMessage(parsing: subject.payload)
    }

    // MARK: Relay (hep_relay)

    private mutating func relay(to target: Rules.RelayTarget, subject: PacketSubject) {
        // A message over 64 KiB captured raw cannot be a HEP packet.
        guard let relay = rules.relays[target.senderKey], subject.oversizePayload == nil else {
            pipeline.actionErrors.relay.increment()
            return
        }
        let bytes: [UInt8]
        do {
            let version = HEPVersion(rawValue: UInt8(clamping: target.version)) ?? .v3
            bytes = version == subject.packet.version && subject.isHEP
                ? subject.packet.bytes : try subject.packet.encoded(as: version)
        } catch {
            pipeline.actionErrors.relay.increment()
            return
        }
        if relay.sender.send(bytes) {
            kept = true
            relay.sent.increment()
        } else {
            relay.failed.increment()
            countDrop(.relayQueueFull)
        }
    }
}
