import Capture
import HEP

extension InspectSource {
    /// Every SIP message and HEP datagram in a pcap/pcapng file, read through libpcap with IP
    /// reassembly and SIP-over-TCP framing. HEP found inside UDP/TCP is decoded; anything else is SIP.
    static func captureRecords(path: String, options: HEPDecodeOptions) throws -> [InspectRecord] {
        let reader: PcapFileReader
        do {
            reader = try PcapFileReader(path: path)
        } catch {
            throw UnreadableFile(description: "\(error)")
        }
        var extractor = SIPExtractor(configuration: .init())
        var records: [InspectRecord] = []
        do {
            try reader.forEach { frame in
                extractor.process(frame) { message in
                    records.append(record(file: path, message: message, options: options))
                }
            }
        } catch {
            throw UnreadableFile(description: "\(error)")
        }
        return records
    }

    private static func record(file: String, message: CapturedMessage, options: HEPDecodeOptions) -> InspectRecord {
        switch message.kind {
        case .hep:
            return datagramRecord(file: file, frame: message.frameNumber, bytes: Array(message.payload), options: options)
        case .sip:
            do {
                return InspectRecord(
                    file: file, frame: message.frameNumber, sip: try SIPMessage(parsing: message.payload),
                    source: (message.source.description, Int(message.sourcePort)),
                    destination: (message.destination.description, Int(message.destinationPort)),
                    transport: message.transport.rawValue,
                    seconds: message.timestamp.seconds, microseconds: message.timestamp.microseconds
                )
            } catch {
                return InspectRecord(file: file, frame: message.frameNumber, error: "sip: \(error)")
            }
        }
    }
}
