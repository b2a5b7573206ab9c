import Capture
import HEP
import Testing

/// Every capture of the developer corpus gives the SIP message counts of ../shared/corpus/README.md §1.2
/// (tshark's counts of reassembled SIP messages, per method and status).
@Suite struct CorpusCountTests {
    struct Expectation: CustomTestStringConvertible, Sendable {
        var file: String
        var counts: String
        var callIDs: Int?
        var testDescription: String { file }
    }

    // Transcribed from the README table ("SIP messages (tshark)" column; Call-ID counts from the last column).
    static let expectations: [Expectation] = [
        .init(file: "heplify_sip_ipv6.pcap", counts: "INVITE×1 100×1 200×2 ACK×1 BYE×1", callIDs: 1),
        .init(file: "heplify_sip_ipv4_tcp.pcap", counts: "INVITE×1 100×1 180×1 200×2 ACK×1 BYE×1", callIDs: 1),
        .init(
            file: "heplify_sip_ipv4_tcp_fragmented.pcap",
            counts: "INVITE×37 100×36 180×33 182×2 183×6 200×142 ACK×37 BYE×34 CANCEL×2 OPTIONS×5 PRACK×5 UPDATE×63 403×1 486×1 487×2",
            callIDs: 70),
        .init(file: "heplify_sip_ipv4_tcp_retrans.pcap", counts: "REGISTER×4 401×2 200×2", callIDs: 1),
        .init(file: "heplify_sip_sctp.pcap", counts: "INVITE×1 100×1 403×1 ACK×1", callIDs: 1),
        .init(
            file: "heplify_sip_tcp_websocket.pcap",
            counts: "INVITE×5 100×4 180×2 183×8 200×9 407×1 ACK×5 BYE×4 OPTIONS×1", callIDs: 3),
        .init(
            file: "heplify_erspan_sip_ipv4_udp.pcapng",
            counts: "INVITE×16 100×14 180×6 200×30 202×8 401×1 407×4 481×8 488×2 ACK×18 BYE×6 NOTIFY×11 REFER×4 SUBSCRIBE×12",
            callIDs: 7),
        .init(file: "heplify_ipip0.pcap", counts: "REGISTER×3 401×3 INVITE×1 403×1", callIDs: 3),
        .init(file: "heplify_rtp_rtcp_sip.pcap", counts: "REGISTER×3 INVITE×2 100×2 180×2 200×4 ACK×1", callIDs: 4),
        .init(file: "heplify_ipv6-udp-fragmented_nonsip.pcap", counts: "", callIDs: 0),
        .init(
            file: "ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap",
            counts: "INVITE×16 100×16 180×4 200×24 488×4 ACK×16 BYE×4 OPTIONS×8", callIDs: 2),
        .init(file: "ndpi_http_on_sip_port_nonsip.pcap", counts: "", callIDs: 0),
        .init(
            file: "sngrep_aaa.pcap",
            counts: "REGISTER×18 401×14 403×3 407×3 408×2 INVITE×11 CANCEL×11 100×7 183×1 200×3 480×1 ACK×7",
            callIDs: 6),
        .init(file: "sngrep_ipip.pcap", counts: "INVITE×1 183×1 200×1 BYE×1", callIDs: 1),
        .init(
            file: "suricata-verify_public-cloudshark-sip-s0.pcap",
            counts: "REGISTER×1 INVITE×2 100×2 180×2 200×2 ACK×1", callIDs: 3),
        .init(file: "suricata-verify_sip-body-large.pcap", counts: "INVITE×1 100×1", callIDs: 1),
        .init(file: "suricata-verify_sip_compact_form.pcap", counts: "INVITE×1", callIDs: 1),
        .init(file: "suricata-verify_sip_header_multi_val.pcap", counts: "INVITE×1", callIDs: 1),
        .init(file: "suricata-verify_sip-options-method.pcap", counts: "OPTIONS×1 200×1", callIDs: nil),
        .init(file: "suricata-verify_sip-pattern-matching.pcap", counts: "REGISTER×1 401×1", callIDs: nil),
        .init(file: "suricata-verify_sip-sdp.pcap", counts: "INVITE×1 200×1", callIDs: nil),
        .init(file: "suricata-verify_sip-tcp-pattern-matching.pcap", counts: "REGISTER×1 401×1", callIDs: nil),
        .init(file: "zeek_sip_invalid-content-length.pcap", counts: "INVITE×1 200×1", callIDs: 1),
        .init(file: "zeek_sip-junk-before-request.pcap", counts: "REGISTER×1", callIDs: 0),
    ]

    @Test("every corpus capture is listed here") func everyFileCovered() throws {
        let listed = Set(Self.expectations.map(\.file))
        let onDisk = try directoryListing(Corpus.directory).filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        #expect(Set(onDisk) == listed)
    }

    @Test("SIP message counts per method and status match the corpus README", arguments: expectations)
    func counts(_ expectation: Expectation) throws {
        let (messages, stats) = try Corpus.extract(expectation.file)
        var got: [String: Int] = [:]
        for message in messages where message.kind == .sip { got[Corpus.label(message), default: 0] += 1 }
        let wanted = Corpus.counts(expectation.counts)
        #expect(got == wanted, "\(expectation.file): \(stats.malformed.nonZero) \(stats.ignored.nonZero)")
        #expect(stats.sipMessages == wanted.values.reduce(0, +))
        // Cross-check with HEP's SIP view: every message we call SIP parses, with the same method/status.
        for message in messages where message.kind == .sip {
            let parsed = try? SIPMessage(parsing: message.payload)
            #expect(parsed != nil, "frame \(message.frameNumber) does not parse as SIP")
            if let parsed {
                let label = parsed.isRequest
                    ? parsed.method.map { String(decoding: $0, as: UTF8.self) } : parsed.statusCode.map(String.init)
                #expect(label == Corpus.label(message))
            }
        }
        if let callIDs = expectation.callIDs {
            #expect(Corpus.callIDs(messages).count == callIDs)
        }
    }
}
