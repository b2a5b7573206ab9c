import ArgumentParser
import Foundation
import HEP

/// `capd inspect [--json] FILE...`: decode HEP datagrams (`.bin`) or captures (pcap/pcapng) and print
/// every message, like tshark for HEP.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode .bin HEP datagrams or pcap/pcapng files and print each message."
    )

    @Flag(name: .long, help: "One JSON object per message (JSON Lines).")
    var json = false

    @Flag(name: .long, help: "Accept HEPv3 datagrams longer than their total-length field (as OpenSIPS does).")
    var lenient = false

    @Argument(help: "Files: .bin (one HEP datagram each), .pcap or .pcapng.")
    var files: [String]

    func run() throws {
        var unreadable = 0
        for path in files {
            do {
                for record in try InspectSource.records(path: path, options: HEPDecodeOptions(lenient: lenient)) {
                    print(json ? record.json : record.text)
                }
            } catch {
                unreadable += 1
                FileHandle.standardError.write(Data("capd inspect: \(path): \(error)\n".utf8))
            }
        }
        if unreadable > 0 { throw ExitCode(1) }
    }
}
