#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import Rules

/// `capd ctl [--admin ADDR] [--token T | -c FILE] sip_capture [on|off] | reload | stats`: talks JSON-RPC to a
/// running daemon.
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
            The admin address and token come from --admin/--token, else from the configuration file given
            with -c (admin.listen, admin.token), else from $CAPD_ADMIN_TOKEN and 127.0.0.1:9096.
            Exit status: 0 done, 1 failed (daemon not reachable, token refused, reload rejected, ...).
            """
    )

    @Option(name: .long, help: ArgumentHelp("Admin endpoint of the daemon (default: admin.listen of -c, else 127.0.0.1:9096).", valueName: "HOST:PORT"))
    var admin: String?

    @Option(name: .long, help: ArgumentHelp("Bearer token for the admin endpoint (default: admin.token of -c, else $CAPD_ADMIN_TOKEN).", valueName: "TOKEN"))
    var token: String?

    @Option(name: [.customShort("c"), .long], help: ArgumentHelp("Read admin.listen and admin.token from this configuration file.", valueName: "FILE"))
    var config: String?

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
        if let admin {
            do {
                _ = try SocketAddress(parsing: admin)
            } catch {
                throw ValidationError("--admin: \(error)")
            }
        }
    }

    /// Address and token to use: the options, else the configuration file, else the defaults.
    func endpoint() throws(CtlSetupError) -> (address: SocketAddress, token: String?) {
        var settings: AdminSettings?
        if let config {
            let result = ConfigLoader.load(path: config)
            guard let loaded = result.config else {
                throw CtlSetupError(message: "-c \(config): " + result.sources.render(result.errors))
            }
            settings = loaded.admin
        }
        let text: String
        if let admin {
            text = admin
        } else if let settings {
            guard settings.enabled else { throw CtlSetupError(message: "-c \(config ?? ""): the admin endpoint is off (admin.listen: off)") }
            // A wildcard listen address is reached on loopback.
            let host: String
            switch settings.host {
            case "localhost", "0.0.0.0": host = "127.0.0.1"
            case "::": host = "::1"
            default: host = settings.host
            }
            text = Daemon.hostPort(host, settings.port)
        } else {
            text = AdminServer.defaultListen
        }
        let address: SocketAddress
        do {
            address = try SocketAddress(parsing: text)
        } catch {
            throw CtlSetupError(message: "admin address: \(error)")
        }
        let token = self.token ?? settings?.token ?? ProcessInfo.processInfo.environment["CAPD_ADMIN_TOKEN"]
        return (address, token)
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
        let client: AdminClient
        do {
            let (address, token) = try endpoint()
            client = AdminClient(address: address, token: token)
        } catch {
            return Outcome(errorOutput: "capd ctl: \(error.message.trimmingCharacters(in: .newlines))\n", exitCode: 1)
        }
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
        case .double(let number): return formatNumber(number)
        case .string(let text): return text
        case .bool(let flag): return flag ? "1" : "0"
        default: return "null"
        }
    }

    /// Integral values without a fraction ("3", not "3.0"); `+Inf`, `-Inf`, `NaN` as Prometheus spells them.
    private static func formatNumber(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// `capd ctl` could not work out where or how to call.
struct CtlSetupError: Error, Sendable {
    var message: String
}

private func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
