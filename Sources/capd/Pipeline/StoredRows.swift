import HEP
import Store

/// Rows built from a packet for the `capture` and `report` actions, column by column as OpenSIPS
/// `sip_capture` / `report_capture` derive them (opensips-sipcapture-behaviour.md §7, §9), and the
/// HOMER 7 row as heplify-server writes it (homer7-schema.md §4). Documented differences: `contact_user`
/// and `diversion` are filled; time falls back to the receive time when the agent sent none.
enum StoredRows {
    /// Capture time in UTC epoch µs: the HEP time (v2/v3) when the agent sent one — for raw captures the
    /// frame's timestamp, which travels in the synthetic packet — else the receive time. HEPv1 has no time
    /// (decode leaves it 0).
    static func captureMicroseconds(_ subject: PacketSubject) -> Int64 {
        let packet = subject.packet
        guard packet.timestampSeconds != 0 else { return receiveMicroseconds(subject) }
        return Int64(packet.timestampSeconds) * 1_000_000 + Int64(packet.timestampMicroseconds)
    }

    static func receiveMicroseconds(_ subject: PacketSubject) -> Int64 {
        Int64(subject.received.seconds) * 1_000_000 + Int64(subject.received.microseconds)
    }

    /// `node`: `capture_node:<capture id>` for HEPv2/v3, the plain node name otherwise.
    static func node(_ subject: PacketSubject, captureNode: String) -> String {
        guard subject.isHEP, subject.packet.version != .v1 else { return captureNode }
        return captureNode + ":" + String(subject.packet.captureID)
    }

    /// The homer5 columns both families take from the packet: addresses, ports, protocol, family, node.
    static func fillPacketColumns<Row: HomerFivePacketColumns>(_ row: inout Row, _ subject: PacketSubject,
                                                               captureNode: String) {
        let packet = subject.packet
        row.sourceIP = packet.sourceIP.description
        row.sourcePort = Int32(packet.sourcePort)
        row.destinationIP = packet.destinationIP.description
        row.destinationPort = Int32(packet.destinationPort)
        row.proto = Int32(packet.ipProtocol)
        row.family = Int16(packet.family)
        row.node = node(subject, captureNode: captureNode)
    }

    /// The homer5 `sip_capture` row; nil when the packet carries no parsable SIP (OpenSIPS refuses those too).
    static func sipCapture(_ subject: PacketSubject, table: String, captureNode: String,
                           customFields: (String, String, String)) -> SIPCaptureRow? {
        guard let sip = subject.sip else { return nil }
        let packet = subject.packet
        var row = SIPCaptureRow(table: table, microTimestamp: captureMicroseconds(subject),
                                receiveMicroTimestamp: receiveMicroseconds(subject))
        row.fillSIPColumns(from: sip)
        fillPacketColumns(&row, subject, captureNode: captureNode)
        row.correlationID = packet.correlationID.map(sipString) ?? ""
        row.customField1 = customFields.0
        row.customField2 = customFields.1
        row.customField3 = customFields.2
        row.msg = Array(sip.bytes)
        return row
    }

    /// The homer5 report row (`report_capture(correlation_id, table, proto_type)`).
    static func report(_ subject: PacketSubject, table: String, captureNode: String, correlationID: String,
                       protoType: Int?) -> ReportRow {
        let packet = subject.packet
        var row = ReportRow(table: table, microTimestamp: captureMicroseconds(subject),
                            receiveMicroTimestamp: receiveMicroseconds(subject))
        row.correlationID = correlationID
        fillPacketColumns(&row, subject, captureNode: captureNode)
        row.type = Int32(protoType ?? Int(packet.protoType))
        row.msg = String(decoding: subject.payload, as: UTF8.self)
        return row
    }

    /// The HOMER 7 row for any payload type; nil for types heplify-server does not store.
    static func homerSeven(_ subject: PacketSubject, captureNode: String, correlationID: String?) -> HomerSevenRow? {
        let packet = subject.packet
        let payloadType = Int(packet.protoType)
        let cseq = subject.sip?.cseqMethod.map(sipString) ?? ""
        guard let table = HomerSeven.table(payloadType: payloadType, cseqMethod: cseq) else { return nil }
        let time = captureMicroseconds(subject)
        let captureID = packet.nodeName.map(sipString) ?? String(packet.captureID)
        let dataHeader: String
        let sid: String
        var correlation = correlationID ?? packet.correlationID.map(sipString) ?? ""
        if let sip = subject.sip, payloadType == 1 {
            var fields = SIPCaptureRow(table: table, microTimestamp: time)
            fields.fillSIPColumns(from: sip)
            correlation = HomerSeven.sipCorrelationID(chunk: correlationID ?? packet.correlationID.map(sipString),
                                                      aLegID: fields.callIDALeg, callID: fields.callID)
            dataHeader = HomerSeven.sipDataHeader([
                "ruri_user": fields.ruriUser, "ruri_domain": fields.ruriDomain, "from_user": fields.fromUser,
                "from_tag": fields.fromTag, "to_user": fields.toUser, "to_tag": fields.toTag,
                "callid": fields.callID, "cseq": fields.cseq, "method": fields.method,
                "user_agent": fields.userAgent,
            ])
            sid = fields.callID
        } else {
            dataHeader = HomerSeven.nonSIPDataHeader(node: captureID, payloadType: payloadType)
            sid = correlation
        }
        let header = HomerSeven.protocolHeader(
            protocolFamily: Int(packet.family), protocol: Int(packet.ipProtocol),
            srcIP: packet.sourceIP.description, dstIP: packet.destinationIP.description,
            srcPort: Int(packet.sourcePort), dstPort: Int(packet.destinationPort),
            timeSeconds: time / 1_000_000, timeUseconds: time % 1_000_000, payloadType: payloadType,
            captureID: captureID, capturePass: packet.authKey.map(sipString), correlationID: correlation)
        return HomerSevenRow(table: table, sid: sid, createDate: time, receiveMicroTimestamp: receiveMicroseconds(subject),
                             protocolHeader: header, dataHeader: dataHeader,
                             raw: String(decoding: subject.payload, as: UTF8.self))
    }
}

/// The packet columns `sip_capture` and the report tables share.
protocol HomerFivePacketColumns {
    var sourceIP: String { get set }
    var sourcePort: Int32 { get set }
    var destinationIP: String { get set }
    var destinationPort: Int32 { get set }
    var proto: Int32 { get set }
    var family: Int16? { get set }
    var node: String { get set }
}

extension SIPCaptureRow: HomerFivePacketColumns {}
extension ReportRow: HomerFivePacketColumns {}
