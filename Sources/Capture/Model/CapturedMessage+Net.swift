import HEP

extension CapturedMessage {
    /// `net.src_ip` of raw capture (DESIGN §4): the outermost IP header's source when the packet came out
    /// of a tunnel, else the packet's own source. For HEP found in a capture this is the HEP sender.
    public var netSource: IPAddress { outer?.source ?? source }
    /// `net.dst_ip`: the outermost header's destination, else the packet's own.
    public var netDestination: IPAddress { outer?.destination ?? destination }
    /// `net.src_port` / `net.dst_port`: the transport ports of the captured packet (a tunnel's outer
    /// header has none).
    public var netSourcePort: UInt16 { sourcePort }
    public var netDestinationPort: UInt16 { destinationPort }
    /// `net.proto_family`: 2 or 10 of the outermost header.
    public var netFamily: UInt8 { netSource.family }
    /// `net.proto_id`: the tunnel protocol (4 IPIP, 41, 47 GRE) when tunnelled, else the transport's number.
    public var netProtocol: UInt8 { outer?.ipProtocol ?? transport.ipProtocol }
}
