@testable import Capture
import HEP
import Rules
import Testing
@testable import capd

/// `net.proto_id` names the IP protocol under the listener: TLS listeners' frames (transport `.tls`) say tcp.
@Suite struct PacketSubjectNetTests {
    func subject(_ transport: EndpointTransport) throws -> PacketSubject {
        let packet = try HEPPacket(
            ipProtocol: 17, sourceIP: IPAddress(ipv4: 0x0A00_0001), destinationIP: IPAddress(ipv4: 0x0A00_0002),
            sourcePort: 5060, destinationPort: 5060, timestampSeconds: 1, timestampMicroseconds: 0,
            protoType: HEPProtoType.sip, captureID: 1, payload: Array("OPTIONS sip:a SIP/2.0\r\n\r\n".utf8))
        let local = SocketEndpoint(address: IPAddress(ipv4: 0x7F00_0001), port: 9060)
        let peer = SocketEndpoint(address: IPAddress(ipv4: 0x7F00_0001), port: 40000)
        return PacketSubject(packet: packet, sip: nil, net: NetInfo(source: peer, destination: local, transport: transport),
                             received: CaptureTimestamp(seconds: 1, microseconds: 0), isHEP: true)
    }

    @Test(arguments: [(EndpointTransport.udp, "udp", 17), (.tcp, "tcp", 6), (.tls, "tcp", 6)])
    func protoIDOfEachListenerTransport(transport: EndpointTransport, name: String, number: Int) throws {
        let subject = try subject(transport)
        #expect(subject.bytes(.netProtoID).map { String(decoding: $0, as: UTF8.self) } == name)
        #expect(Int(subject.net.ipProtocol) == number)
    }
}
