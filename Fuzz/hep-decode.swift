// libFuzzer target: HEP decode, chunk lookups, encode round trip. Built by scripts/fuzz.sh against the instrumented HEP library.

import HEP

@_cdecl("LLVMFuzzerTestOneInput")
public func hepDecodeFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let options = HEPDecodeOptions(lenient: size % 2 == 0, maxInflatedSize: 1 << 16)
    guard let packet = try? HEPPacket.decode(bytes, options: options) else { return 0 }
    var checksum = packet.payload.count &+ Int(packet.captureID)
    for chunk in packet.chunkSequence { checksum &+= chunk.body.count &+ Int(chunk.type) }
    checksum &+= packet.correlationID?.count ?? 0
    checksum &+= packet.chunk(type: 0x000E)?.count ?? 0
    checksum &+= packet.sourceIP.description.utf8.count
    _ = packet.addressFamilyMismatch
    for version in HEPVersion.allCases {
        guard let wire = try? packet.encoded(as: version) else {
            if version == packet.version { fatalError("a decoded packet failed to encode as its own version") }
            continue
        }
        guard let again = try? HEPPacket.decode(wire, options: options) else {
            // v1/v2 cannot say "no payload"; everything else must decode again.
            if version == packet.version { fatalError("re-encoded packet does not decode") }
            continue
        }
        if version == packet.version {
            guard again.payload.elementsEqual(packet.payload), again.captureID == packet.captureID,
                  again.sourceIP == packet.sourceIP, again.destinationPort == packet.destinationPort,
                  again.present == packet.present,
                  again.extraChunks.elementsEqual(packet.extraChunks, by: { $0.type == $1.type && $0.vendor == $1.vendor && $0.body.elementsEqual($1.body) })
            else { fatalError("round trip changed the packet") }
        }
    }
    if packet.version == .v3 {
        var edited = packet
        try? edited.setChunk(type: 0x0011, value: .utf8("fuzz"))
        if edited.correlationID.map({ Array($0) }) != Array("fuzz".utf8) { fatalError("edit not visible") }
    }
    return checksum == -1 ? 1 : 0
}
