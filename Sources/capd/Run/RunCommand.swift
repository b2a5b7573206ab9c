import ArgumentParser
import Foundation
import HEP
import Logging
import Rules

/// `capd run`: the daemon.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the capture daemon (HEP listeners, rules, store, admin endpoint)."
    )

    @OptionGroup var source: ConfigStoreOptions

    @Option(name: .customLong("listen"), help: "HEP listener URL (udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT); repeatable; replaces the file's listen list.")
    var listen: [String] = []

    @Option(name: .customLong("admin"), help: "Admin endpoint HOST:PORT, or 'off'; replaces admin.listen.")
    var admin: String?

    @Option(name: .customLong("spool"), help: "Spool directory; replaces store.spool.")
    var spool: String?

    func validate() throws {
        for url in listen where Endpoint(url: url) == nil {
            throw ValidationError("invalid --listen '\(url)': expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT")
        }
        if let admin, admin != "off", (try? SocketEndpoint(adminAddress: admin)) == nil {
            throw ValidationError("invalid --admin '\(admin)': expected HOST:PORT or off")
        }
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["CAPD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        let overrides = ConfigOverrides(listen: listen.compactMap { Endpoint(url: $0) }, store: source.store,
                                        admin: admin, spool: spool)
        let daemon: Daemon
        do {
            daemon = try Daemon(configPath: source.config, overrides: overrides)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data((error.rendered + "\n").utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("capd: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let status = daemon.runUntilShutdown()
        if status != 0 { throw ExitCode(status) }
    }
}

/// Command-line values that replace the configuration file's.
struct ConfigOverrides: Sendable {
    var listen: [Endpoint] = []
    var store: String?
    var admin: String?
    var spool: String?

    func apply(to config: inout Config) {
        if !listen.isEmpty { config.listen = listen }
        if let store { config.store.url = store }
        if let spool { config.store.spool = spool }
        if let admin {
            if admin == "off" {
                config.admin.enabled = false
            } else if let address = try? SocketEndpoint(adminAddress: admin) {
                config.admin.enabled = true
                config.admin.listen = Endpoint(transport: .tcp, host: address.address.description, port: address.port)
            }
        }
    }
}
