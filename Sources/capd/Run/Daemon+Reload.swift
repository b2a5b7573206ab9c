import Rules

extension Daemon {
    /// Parses, validates and compiles the file again off the packet path, compares it with the running
    /// configuration key by key, and swaps in everything that applies live (rules and lists, relays, hep_route,
    /// auth_key, capture node and switch default, default tables). Keys that need a restart (listeners, raw
    /// capture, admin endpoint, the store's connection, schema and writer settings) keep their running value
    /// and are named in the result. A bad file keeps the whole running configuration.
    func reload() -> ReloadResult {
        let loaded: Config
        do {
            loaded = try Daemon.load(path: configPath, overrides: overrides, logger: logger)
        } catch let error as ConfigError {
            return .failed(error.rendered)
        } catch {
            return .failed("\(error)")
        }
        let running = pipeline.current.config
        let diff = ConfigDiff(running: running, loaded: loaded)
        let next = ConfigDiff.live(loaded, keeping: running)
        let certificates: TLSReload
        do {
            try Daemon.refuseRelayLoops(next)     // against the listeners that actually run
            certificates = try prepareTLSReload(next)
            try pipeline.install(next)
        } catch {
            return .failed("\(error)")
        }
        let rotated = certificates.changesCertificate
        applyTLSReload(certificates)
        if diff.changed("capture.enabled") {
            captureSwitch.set(next.capture.enabled)
        }
        // Rotated files under unchanged paths: the configuration is the same, the certificate is not.
        if rotated && !diff.applied.contains("tls.cert") {
            return .applied(ConfigDiff(applied: diff.applied + ["tls.cert"], restartRequired: diff.restartRequired))
        }
        return .applied(diff)
    }
}
