import HEP

extension InspectSource {
    /// Captures are read through the Capture module (libpcap). Filled in when it lands.
    static func captureRecords(path: String, options: HEPDecodeOptions) throws -> [InspectRecord] {
        throw UnreadableFile(description: "pcap reading not available yet")
    }
}
