#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation

/// `capd ctl [--admin ADDR] sip_capture [on|off] | reload | stats`: talks JSON-RPC to a running daemon.
struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Control a running capd through its admin endpoint.",
        discussion: """
            Commands:
              sip_capture [on|off]  switch capture; alone, print the state (on/off)
              reload                reload the configuration, like SIGHUP; prints ok, then the keys
                                    applied and those that need a restart
              stats                 print counters and gauges, one 'name value' a line
            Exit status: 0 done, 1 failed (daemon not reachable, reload rejected, ...).
            """
    )

    @Option(name: .long, help: ArgumentHelp("Admin endpoint of the daemon.", valueName: "HOST:PORT"))
    var admin: String = AdminServer.defaultListen

    @Argument(help: ArgumentHelp("sip_capture, reload or stats.", valueName: "command"))
    var command: String

    @Argument(help: ArgumentHelp("on or off (sip_capture only).", valueName: "argument"))
    var arguments: [String] = []

    func validate() throws {
        switch command {
        case "sip_capture":
            guard arguments.count <= 1 else { throw ValidationError("sip_capture takes at most one argument: on or off") }
            if let mode = arguments.first, !["on", "off"].contains(mode.lowercased()) {
                throw ValidationError("sip_capture takes on or off, not '\(mode)'")
            }
        case "reload", "stats":
            guard arguments.isEmpty else { throw ValidationError("\(command) takes no arguments") }
        default:
            throw ValidationError("unknown command '\(command)'; expected sip_capture, reload or stats")
        }
        do {
            _ = try SocketAddress(parsing: admin)
        } catch {
            throw ValidationError("--admin: \(error)")
        }
    }

    func run() throws {
        let outcome = perform()
        if !outcome.output.isEmpty { print(outcome.output, terminator: "") }
        if !outcome.errorOutput.isEmpty { printToStandardError(outcome.errorOutput) }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    struct Outcome: Equatable, Sendable {
        var output = ""
        var errorOutput = ""
        var exitCode: Int32 = 0
    }

    /// Does the call and formats the answer, without touching stdout (tests call this).
    func perform() -> Outcome {
        let address: SocketAddress
        do {
            address = try SocketAddress(parsing: admin)
        } catch {
            return Outcome(errorOutput: "capd ctl: --admin: \(error)\n", exitCode: 1)
        }
        let client = AdminClient(address: address)
        do {
            switch command {
            case "sip_capture":
                let params = arguments.map { JSONValue.string($0.lowercased()) }
                let result = try client.call("sip_capture", params: params)
                guard let state = result.stringValue else {
                    return Outcome(errorOutput: "capd ctl: unexpected sip_capture result\n", exitCode: 1)
                }
                return Outcome(output: state + "\n")
            case "reload":
                do {
                    let result = try client.call("reload")
                    return Outcome(output: Self.reloadSummary(result))
                } catch .rpc(let error) where error.code == -32000 {
                    // The daemon's diagnostics, as `capd check` would print them.
                    let detail = error.data?.stringValue ?? error.message
                    return Outcome(errorOutput: detail.hasSuffix("\n") ? detail : detail + "\n", exitCode: 1)
                }
            case "stats":
                let result = try client.call("stats")
                guard case .object(let values) = result else {
                    return Outcome(errorOutput: "capd ctl: unexpected stats result\n", exitCode: 1)
                }
                var text = ""
                for name in values.keys.sorted() {
                    text += "\(name) \(Self.format(values[name] ?? .null))\n"
                }
                return Outcome(output: text)
            default:
                return Outcome(errorOutput: "capd ctl: unknown command '\(command)'\n", exitCode: 1)
            }
        } catch {
            return Outcome(errorOutput: "capd ctl: \(error)\n", exitCode: 1)
        }
    }

    /// `ok`, then `applied: KEY, ...` and `restart required: KEY, ...` lines when keys changed.
    static func reloadSummary(_ result: JSONValue) -> String {
        guard case .object(let answer) = result else { return (result.stringValue ?? "ok") + "\n" }
        var text = (answer["result"]?.stringValue ?? "ok") + "\n"
        for (field, title) in [("applied", "applied"), ("restart_required", "restart required")] {
            guard case .array(let keys)? = answer[field], !keys.isEmpty else { continue }
            text += title + ": " + keys.compactMap(\.stringValue).joined(separator: ", ") + "\n"
        }
        return text
    }

    static func format(_ value: JSONValue) -> String {
        switch value {
        case .int(let number): return String(number)
        case .double(let number): return MetricText.format(number)
        case .string(let text): return text
        case .bool(let flag): return flag ? "1" : "0"
        default: return "null"
        }
    }
}

private func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
