import Capture
import HEP
import Rules

/// One packet as the rules see it: the (possibly edited) HEP packet, its SIP view once parsed, and the
/// socket it came from. Raw captures are carried as HEPv3 packets built from the captured headers, with
/// `isHEP` false so that storage follows OpenSIPS's rules for non-HEP messages.
struct PacketSubject: RuleSubject {
    var packet: HEPPacket
    var sip: SIPMessage?
    /// `net.*`: the listener socket and the agent (HEP), or the outer IP header (raw capture).
    var net: NetInfo
    var received: CaptureTimestamp
    var isHEP: Bool
    /// A captured message too large for a HEPv3 packet (over 65 535 bytes with its chunks): the packet then
    /// carries the addresses and this carries the message.
    var oversizePayload: ArraySlice<UInt8>? = nil

    /// The captured message: the HEP payload, or the oversize raw message.
    var payload: ArraySlice<UInt8> { oversizePayload ?? packet.payload }

    // Field values without allocation: constant spellings live in static arrays.
    private static let udp = Array("udp".utf8), tcp = Array("tcp".utf8), tls = Array("tls".utf8)
    private static let sctp = Array("sctp".utf8), ws = Array("ws".utf8), wss = Array("wss".utf8)

    func bytes(_ field: Field) -> ArraySlice<UInt8>? {
        switch field {
        case .transport:
            switch packet.ipProtocol {
            case 17: return Self.udp[...]
            case 6: return Self.tcp[...]
            case 22: return Self.tls[...]
            case 132: return Self.sctp[...]
            case 50: return Self.ws[...]
            default: return nil
            }
        case .hepAuthKey: return packet.authKey
        case .hepCorrelationID: return packet.correlationID
        case .hepNodeName: return packet.nodeName
        case .hepPayload: return payload
        case .hepChunk(let type, let vendor):
            if let vendor { return packet.chunk(type: type, vendor: vendor) }
            for chunk in packet.chunkSequence where chunk.type == type { return chunk.body }
            return nil
        case .netProtoID:
            return net.transport == .udp ? Self.udp[...] : Self.tcp[...]
        case .sipMethod: return sip?.method
        case .sipReason: return sip?.reasonPhrase
        case .sipRURI: return sip?.requestURIBytes
        case .sipRURIUser: return sip?.requestURIUser
        case .sipRURIDomain: return sip?.requestURIDomain
        case .sipFromUser: return sip?.fromUser
        case .sipFromDomain: return sip?.fromDomain
        case .sipFromTag: return sip?.fromTag
        case .sipToUser: return sip?.toUser
        case .sipToDomain: return sip?.toDomain
        case .sipToTag: return sip?.toTag
        case .sipCallID: return sip?.callID
        case .sipCSeq: return sip?.cseq
        case .sipCSeqMethod: return sip?.cseqMethod
        case .sipUserAgent: return sip?.userAgent
        case .sipContactUser: return sip?.contactUser
        case .sipPIDUser: return sip?.pidUser
        case .sipViaBranch: return sip?.viaBranch
        case .sipContentType: return sip?.contentType
        case .sipBody: return sip?.body
        case .sipHeader(let name): return sip?.header(name.sipName)
        default: return nil
        }
    }

    func integer(_ field: Field) -> Int? {
        switch field {
        case .srcPort: return Int(packet.sourcePort)
        case .dstPort: return Int(packet.destinationPort)
        case .family: return Int(packet.family)
        case .time: return packet.timestampSeconds != 0 ? Int(packet.timestampSeconds) : received.seconds
        case .hepVersion: return isHEP ? Int(packet.version.rawValue) : nil
        case .hepProtoType: return Int(packet.protoType)
        case .hepCaptureID: return isHEP ? Int(packet.captureID) : nil
        case .netSrcPort: return Int(net.source.port)
        case .netDstPort: return Int(net.destination.port)
        case .netProtoFamily: return Int(net.family)
        case .sipStatus: return sip?.statusCode
        case .sipIsRequest: return sip.map { $0.isRequest ? 1 : 0 }
        default: return nil
        }
    }

    func ip(_ field: Field) -> IPAddress? {
        switch field {
        case .srcIP: return packet.sourceIP
        case .dstIP: return packet.destinationIP
        case .netSrcIP: return net.source.address
        case .netDstIP: return net.destination.address
        default: return nil
        }
    }
}
