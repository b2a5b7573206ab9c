import ArgumentParser
import Capture
import Foundation
import Rules

/// `capd replay [-c FILE] PCAP...`: pushes captures through the daemon's pipeline (rules, store), as if the
/// traffic had been captured live (raw SIP, IP-in-IP) or received by a HEP listener (HEP inside UDP/TCP).
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Push pcap/pcapng files through the rules and the store, then print a summary."
    )

    @Option(name: [.short, .customLong("config")], help: "Configuration file.")
    var config = "rules/default.yaml"

    @Option(name: .customLong("store"), help: "Store URL; replaces store.url.")
    var store: String?

    @Option(name: .customLong("spool"), help: "Spool directory; replaces store.spool.")
    var spool: String?

    @Flag(name: .customLong("quiet"), help: "No progress line.")
    var quiet = false

    @Argument(help: "pcap or pcapng files.")
    var files: [String]

    func run() throws {
        let overrides = ConfigOverrides(store: store, admin: "off", spool: spool)
        let daemon: Daemon
        do {
            daemon = try Daemon(configPath: config, overrides: overrides, inputs: .none)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data((error.rendered + "\n").utf8))
            throw ExitCode(1)
        }
        let progress = !quiet && isatty(STDERR_FILENO) == 1
        var worker = daemon.pipeline.makeWorker(listener: "replay")
        var totals = CaptureStats()
        var unreadable: [String] = []
        for path in files {
            do {
                let reader = try PcapFileReader(path: path)
                var extractor = SIPExtractor(configuration: .init())
                var frames = 0
                try reader.forEach { frame in
                    frames += 1
                    extractor.process(frame) { worker.handleRaw($0) }
                    if progress && frames % 10_000 == 0 {
                        FileHandle.standardError.write(Data("\r\(path): \(frames) frames, \(extractor.stats.sipMessages) SIP".utf8))
                    }
                }
                if progress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
                totals.merge(extractor.stats)
            } catch {
                unreadable.append(path)
                FileHandle.standardError.write(Data("capd replay: \(path): \(error)\n".utf8))
            }
        }
        let report = daemon.store.close(timeout: .seconds(300))
        daemon.relays.close(drainTimeout: 2)
        print(ReplaySummary(files: files.count - unreadable.count, capture: totals,
                            metrics: daemon.metrics.exporter.stats(), store: report.description).text)
        if !unreadable.isEmpty || !report.complete { throw ExitCode(1) }
    }
}

/// The closing summary of a replay: what was read, what the rules kept, what was dropped and why.
struct ReplaySummary {
    var files: Int
    var capture: CaptureStats
    var metrics: [(name: String, value: Double)]
    var store: String

    var text: String {
        func sum(_ prefix: String) -> Int {
            Int(metrics.filter { $0.name.hasPrefix(prefix) }.reduce(0) { $0 + $1.value })
        }
        var lines = [
            "files: \(files)",
            "frames: \(capture.frames)",
            "sip_messages: \(capture.sipMessages)",
            "hep_packets: \(capture.hepPackets)",
            "stored: \(sum("capd_rows_stored_total"))",
        ]
        let drops = metrics.filter { $0.name.hasPrefix("capd_drops_total") && $0.value > 0 }
        for drop in drops { lines.append("dropped \(drop.name.dropFirst("capd_drops_total".count)): \(Int(drop.value))") }
        for error in metrics where error.name.hasPrefix("capd_decode_errors_total") && error.value > 0 {
            lines.append("decode_error \(error.name.dropFirst("capd_decode_errors_total".count)): \(Int(error.value))")
        }
        for (reason, count) in capture.ignored.nonZero { lines.append("ignored {reason=\"\(reason)\"}: \(count)") }
        for (reason, count) in capture.malformed.nonZero { lines.append("malformed {reason=\"\(reason)\"}: \(count)") }
        lines.append(store)
        return lines.joined(separator: "\n")
    }
}
