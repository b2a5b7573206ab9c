import Capture
import Rules
import TLS

/// `tls://` listeners: started with the certificate of `tls:`, counted in `capd_tls_handshake_failures_total`
/// and the TCP connection families, and given a new certificate on every reload.
extension Daemon {
    func startTLSListener(
        _ socket: SocketEndpoint, label: String, tcp: TCPSettings, tls: TLSSettings?,
        consumer: @escaping @Sendable ([ReceivedDatagram]) -> Void
    ) throws -> ListenerHandle {
        guard let tls else {
            throw StartupError(description: "listen \(label): a tls:// listener needs a tls: section with cert and key")
        }
        let context: TLSContext
        do {
            context = try TLSContext.server(tls.serverFiles)
        } catch {
            throw StartupError(description: "listen \(label): \(error)")
        }
        var settings = TLSListenerConfiguration()
        settings.tcp.maxConnections = tcp.maxConnections
        settings.tcp.frameTimeoutSeconds = Double(tcp.frameTimeoutSeconds)
        settings.tcp.idleTimeoutSeconds = Double(tcp.idleTimeoutSeconds)
        settings.handshakeTimeoutSeconds = Double(tls.handshakeTimeoutSeconds)
        let listener = try HEPTLSListener(endpoint: socket, context: context, configuration: settings)
        try listener.start(consumer, log: { [logger] kind, count, detail in
            logger.warning("event=tcp_connection_\(kind) listener=\(label) count=\(count) \(detail)")
        }, logFailure: { [logger] peer, count, detail in
            logger.warning("event=tls_handshake_failed listener=\(label) peer=\(peer) count=\(count) \(detail)")
        })
        metrics.captureSources.add(listener, label: label)
        logger.info("event=tls_certificate listener=\(label) \(context.certificate?.description ?? "none") client_cert=\(tls.requireClientCertificate ? "required" : tls.ca == nil ? "not_asked" : "optional") min_version=\(tls.minimumVersion.rawValue)")
        return ListenerHandle(stop: { listener.stop() })
    }

    /// The certificates a reload installs: built from `next.tls` before anything else changes, so that a
    /// file that broke between the load and now fails the reload and keeps the running certificate.
    struct TLSReload {
        var replacements: [(label: String, listener: HEPTLSListener, context: TLSContext)] = []

        /// Whether any listener gets a certificate other than the one it serves.
        var changesCertificate: Bool {
            replacements.contains { $0.listener.currentContext.certificate?.sha256 != $0.context.certificate?.sha256 }
        }
    }

    func prepareTLSReload(_ next: Config) throws -> TLSReload {
        let running = metrics.captureSources.tlsListeners
        guard !running.isEmpty else { return TLSReload() }
        guard let tls = next.tls else {
            throw StartupError(description: "tls: the tls:// listeners keep running and need the tls: section")
        }
        var reload = TLSReload()
        do {
            let context = try TLSContext.server(tls.serverFiles)
            for entry in running { reload.replacements.append((entry.label, entry.listener, context)) }
        } catch {
            throw StartupError(description: "tls: \(error) (the running certificate stays in use)")
        }
        return reload
    }

    func applyTLSReload(_ reload: TLSReload) {
        for (label, listener, context) in reload.replacements {
            let old = listener.currentContext.certificate?.sha256
            listener.replaceContext(context)
            if old != context.certificate?.sha256 {
                logger.info("event=tls_certificate_reloaded listener=\(label) \(context.certificate?.description ?? "none")")
            }
        }
    }

    /// `capd_tls_handshake_failures_total{listener,reason}` and the relays' TLS handshake failures.
    static func registerTLSMetrics(_ metrics: CapdMetrics, relays: RelayPool) throws {
        let sources = metrics.captureSources
        let failures = metrics.exporter.counterFamily(
            "capd_tls_handshake_failures_total",
            help: "TLS handshakes a tls:// listener refused or lost, per listener and reason (protocol_version, no_client_certificate, certificate_expired, certificate_untrusted, peer_rejected_certificate, not_tls, timeout, peer_closed, socket_error, other).",
            labels: ["listener", "reason"])
        failures.collect {
            sources.tlsListeners.flatMap { entry in
                TLSFailure.Reason.allCases.map { reason in
                    (labels: [entry.label, reason.rawValue], value: Double(entry.listener.handshakes.failed(reason)))
                }
            }
        }
        let completed = metrics.exporter.counterFamily(
            "capd_tls_handshakes_total", help: "TLS handshakes a tls:// listener completed, per listener.",
            labels: ["listener"])
        completed.collect {
            sources.tlsListeners.map {
                (labels: [$0.label], value: Double($0.listener.handshakes.completed.load(ordering: .relaxed)))
            }
        }
        let relayFailures = metrics.exporter.counterFamily(
            "capd_relay_tls_handshake_failures_total",
            help: "TLS handshakes a tls:// relay target failed (server certificate refused, protocol error, timeout), per target.",
            labels: ["target"])
        relayFailures.collect {
            // Targets that differ only in their TLS files share a label: summed.
            var sums: [String: Double] = [:]
            for entry in relays.all where entry.destination.tls != nil {
                sums[entry.destination.description, default: 0] += Double(entry.relay.counters.handshakeFailures.load(ordering: .relaxed))
            }
            return sums.sorted { $0.key < $1.key }.map { (labels: [$0.key], value: $0.value) }
        }
    }
}
