extension SIPExtractor {
    /// `condition`, counting the packet as malformed for `reason` when it does not hold.
    @inline(__always)
    mutating func holds(_ condition: Bool, or reason: MalformedReason) -> Bool {
        if !condition { stats.malformed.add(reason) }
        return condition
    }

    mutating func udp(
        _ addresses: Addresses, _ segment: UnsafeRawBufferPointer, _ context: PacketContext,
        _ emit: (CapturedMessage) -> Void
    ) {
        guard holds(segment.count >= 8, or: .truncatedUDP) else { return }
        let length = Int(segment.loadBigEndian(as: UInt16.self, at: 4))
        guard holds(length >= 8, or: .badUDPLength) else { return }
        guard holds(length <= segment.count, or: .truncatedUDP) else { return }
        let payload = UnsafeRawBufferPointer(rebasing: segment[8..<length])
        datagram(
            payload, addresses, sourcePort: segment.loadBigEndian(as: UInt16.self, at: 0),
            destinationPort: segment.loadBigEndian(as: UInt16.self, at: 2), transport: .udp, context, emit)
    }

    /// One self-contained payload (UDP datagram, SCTP DATA chunk).
    mutating func datagram(
        _ payload: UnsafeRawBufferPointer, _ addresses: Addresses, sourcePort: UInt16, destinationPort: UInt16,
        transport: CaptureTransport, _ context: PacketContext, _ emit: (CapturedMessage) -> Void
    ) {
        guard !payload.isEmpty else {
            stats.ignored.add(.emptyPayload)
            return
        }
        let kind: CapturedPayloadKind
        let bytes: [UInt8]
        let payloadClass = PayloadClassifier.classify(payload)
        switch payloadClass {
        case .sip(let start):
            kind = .sip
            bytes = Array(payload[start...])
            stats.sipMessages += 1
        case .hep:
            kind = .hep
            bytes = Array(payload)
            stats.hepPackets += 1
        case .keepAlive, .http, .rtp, .other:
            if let reason = payloadClass.ignoredReason { stats.ignored.add(reason) }
            return
        }
        emit(CapturedMessage(
            kind: kind, timestamp: context.timestamp, source: addresses.source, destination: addresses.destination,
            sourcePort: sourcePort, destinationPort: destinationPort, transport: transport, payload: bytes[...],
            outer: context.outer, frameNumber: context.frameNumber))
    }

    mutating func tcpSegment(
        _ addresses: Addresses, _ segment: UnsafeRawBufferPointer, _ context: PacketContext,
        _ emit: (CapturedMessage) -> Void
    ) {
        guard holds(segment.count >= 20, or: .truncatedTCP) else { return }
        let headerLength = Int(segment.loadUInt8(at: 12) >> 4) * 4
        guard holds(headerLength >= 20 && headerLength <= segment.count, or: .badTCPHeaderLength) else { return }
        let sourcePort = segment.loadBigEndian(as: UInt16.self, at: 0)
        let destinationPort = segment.loadBigEndian(as: UInt16.self, at: 2)
        let tcpSegment = TCPSegment(
            sequence: segment.loadBigEndian(as: UInt32.self, at: 4), flags: segment.loadUInt8(at: 13),
            payload: UnsafeRawBufferPointer(rebasing: segment[headerLength...]))
        let key = FlowKey(
            source: addresses.source, destination: addresses.destination, sourcePort: sourcePort,
            destinationPort: destinationPort)
        var sip = 0
        var hep = 0
        tcp.add(tcpSegment, key: key, now: context.timestamp.seconds, stats: &stats) { message in
            if message.kind == .sip { sip += 1 } else { hep += 1 }
            emit(CapturedMessage(
                kind: message.kind, timestamp: context.timestamp, source: addresses.source,
                destination: addresses.destination, sourcePort: sourcePort, destinationPort: destinationPort,
                transport: message.transport, payload: message.payload[...], outer: context.outer,
                frameNumber: context.frameNumber))
        }
        stats.sipMessages += sip
        stats.hepPackets += hep
    }

    /// SCTP: every complete DATA chunk (B and E flags set) is one message.
    mutating func sctp(
        _ addresses: Addresses, _ packet: UnsafeRawBufferPointer, _ context: PacketContext,
        _ emit: (CapturedMessage) -> Void
    ) {
        guard holds(packet.count >= 12, or: .truncatedSCTP) else { return }
        let sourcePort = packet.loadBigEndian(as: UInt16.self, at: 0)
        let destinationPort = packet.loadBigEndian(as: UInt16.self, at: 2)
        var offset = 12
        var sawData = false
        while packet.count - offset >= 4 {
            let type = packet.loadUInt8(at: offset)
            let flags = packet.loadUInt8(at: offset + 1)
            let length = Int(packet.loadBigEndian(as: UInt16.self, at: offset + 2))
            guard holds(length >= 4 && length <= packet.count - offset, or: .badSCTPChunk) else { return }
            if type == 0 {   // DATA
                guard holds(length >= 16, or: .badSCTPChunk) else { return }
                sawData = true
                let data = UnsafeRawBufferPointer(rebasing: packet[(offset + 16)..<(offset + length)])
                if flags & 0x03 == 0x03 {
                    datagram(
                        data, addresses, sourcePort: sourcePort, destinationPort: destinationPort, transport: .sctp,
                        context, emit)
                } else {
                    let key = SCTPReassembler.Key(
                        flow: FlowKey(
                            source: addresses.source, destination: addresses.destination, sourcePort: sourcePort,
                            destinationPort: destinationPort),
                        streamID: packet.loadBigEndian(as: UInt16.self, at: offset + 8))
                    let whole = sctpMessages.add(
                        key: key, tsn: packet.loadBigEndian(as: UInt32.self, at: offset + 4), beginning: flags & 0x02 != 0,
                        ending: flags & 0x01 != 0, data: data, now: context.timestamp.seconds)
                    if let whole {
                        whole.withUnsafeBytes { bytes in
                            datagram(
                                bytes, addresses, sourcePort: sourcePort, destinationPort: destinationPort,
                                transport: .sctp, context, emit)
                        }
                    } else {
                        stats.ignored.add(.sctpFragment)
                    }
                }
            }
            offset += (length + 3) & ~3
        }
        if !sawData { stats.ignored.add(.emptyPayload) }
    }

    /// GRE (RFC 2784/2890) carrying IPv4, IPv6, transparent Ethernet, or ERSPAN II/III.
    mutating func gre(_ packet: UnsafeRawBufferPointer, _ context: PacketContext, _ emit: (CapturedMessage) -> Void) {
        guard holds(packet.count >= 4, or: .badGREHeader) else { return }
        let flags = packet.loadBigEndian(as: UInt16.self, at: 0)
        guard flags & 0x0007 == 0 else {   // version 1 is PPTP's enhanced GRE
            stats.ignored.add(.otherIPProtocol)
            return
        }
        let protocolType = packet.loadBigEndian(as: UInt16.self, at: 2)
        var offset = 4
        if flags & 0x8000 != 0 { offset += 4 }   // checksum + reserved
        if flags & 0x2000 != 0 { offset += 4 }   // key
        let hasSequence = flags & 0x1000 != 0
        if hasSequence { offset += 4 }
        guard holds(offset <= packet.count, or: .badGREHeader) else { return }
        switch protocolType {
        case EtherType.ipv4:
            network(.ipv4(offset: 0), UnsafeRawBufferPointer(rebasing: packet[offset...]), context, emit)
        case EtherType.ipv6:
            network(.ipv6(offset: 0), UnsafeRawBufferPointer(rebasing: packet[offset...]), context, emit)
        case EtherType.transparentEthernet, EtherType.erspanII, EtherType.erspanIII:
            if protocolType == EtherType.erspanII && hasSequence { offset += 8 }   // type I has no header
            if protocolType == EtherType.erspanIII {
                guard holds(packet.count - offset >= 12, or: .badGREHeader) else { return }
                let hasSubheader = packet.loadUInt8(at: offset + 11) & 0x01 != 0
                offset += hasSubheader ? 20 : 12
            }
            guard holds(offset <= packet.count, or: .badGREHeader) else { return }
            let inner = UnsafeRawBufferPointer(rebasing: packet[offset...])
            switch LinkLayerDecoder.ethernet(inner, at: 0) {
            case .failure(let reason): stats.malformed.add(reason)
            case .success(let layer): network(layer, inner, context, emit)
            }
        default:
            stats.ignored.add(.otherIPProtocol)
        }
    }
}
