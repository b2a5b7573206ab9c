import Capture
import Foundation
import HEP
import Logging
import Rules
import Store
import Synchronization

/// The running daemon: configuration, store, pipeline, listeners and admin endpoint, wired together.
final class Daemon: Sendable {
    let configPath: String
    let overrides: ConfigOverrides
    let logger = Logger(label: "capd")
    let metrics: CapdMetrics
    /// One `Store`, or a `ShardedStore` with `store.shards` (Daemon+ScaleOut.swift).
    let store: StoreFront
    let captureSwitch: CaptureSwitch
    let relays = RelayPool()
    let pipeline: Pipeline
    let lifecycle = DaemonLifecycle()
    fileprivate let listeners: Mutex<[ListenerHandle]> = Mutex([])
    private let admin: AdminServer?
    /// Counter samples for the calls view's live panel (with the admin endpoint only).
    private let live: LiveSampler?
    private let reloader: ReloadCoordinator
    private let memoryTrimmer = MemoryTrimmer()

    struct StartupError: Error, CustomStringConvertible { var description: String }

    /// What to start besides the pipeline and the store.
    struct Inputs: Sendable {
        var listeners = true
        var admin = true
        var raw = true
        static let all = Inputs()
        /// `capd replay`: packets come from files only.
        static let none = Inputs(listeners: false, admin: false, raw: false)
    }

    init(configPath: String, overrides: ConfigOverrides, inputs: Inputs = .all) throws {
        self.configPath = configPath
        self.overrides = overrides
        let config = try Daemon.load(path: configPath, overrides: overrides, logger: logger)

        metrics = CapdMetrics()
        store = try Daemon.makeStore(config)
        captureSwitch = CaptureSwitch(enabled: config.capture.enabled)
        captureSwitch.bind(to: metrics.captureEnabled)
        pipeline = try Pipeline(config: config, metrics: metrics, store: store, captureSwitch: captureSwitch,
                                relays: relays)
        try Daemon.bridgeStoreMetrics(store: store, metrics: metrics)
        try Daemon.registerTLSMetrics(metrics, relays: relays)
        try Daemon.bridgeScaleOutMetrics(store: store, pipeline: pipeline, metrics: metrics)

        let reloadBox = Mutex<(@Sendable () -> ReloadResult)?>(nil)
        reloader = ReloadCoordinator(metrics: metrics) {
            reloadBox.withLock { $0 }?() ?? .failed("daemon is starting")
        }
        if config.admin.enabled && inputs.admin {
            guard let address = config.admin.listen.socketEndpoint else { throw EndpointError.notNumeric(config.admin.listen.hostPort) }
            let control = DaemonAdminControl(captureSwitch: captureSwitch, reloader: reloader, exporter: metrics.exporter) {
                [store] in
                let snapshot = store.metrics()
                // Degraded (database away, disk full, spool full or failing, writer stuck): not healthy.
                // With shards: the worst shard's state, and each shard's own.
                var details = ["store": snapshot.state.rawValue]
                if snapshot.state != .ok, let error = snapshot.lastError { details["store_error"] = error }
                details.merge(Daemon.shardHealth(store)) { $1 }
                return HealthStatus(healthy: snapshot.state == .ok, details: details)
            }
            let access = AdminAccessPolicy(token: config.admin.token)
            if !config.admin.isLoopback && access.token == nil {
                logger.warning("event=admin_unprotected address=\(address) detail=\"admin address is not loopback and admin.token is not set\"")
            }
            let exporter = metrics.exporter
            let sampler = LiveSampler { exporter.stats() }
            live = sampler
            let calls = CallsWebEndpoint(
                handler: CallsWebHandler(configuration: CallsStoreOptions.configuration(of: config), live: sampler),
                access: CallsWebAccess(token: config.admin.token))
            admin = AdminServer(address: address, service: AdminService(metrics: metrics, control: control, access: access,
                                                                         calls: calls))
        } else {
            admin = nil
            live = nil
        }
        reloadBox.withLock { $0 = { [weak self] in self?.reload() ?? .failed("daemon stopped") } }

        if inputs.listeners {
            for endpoint in config.listen {
                try startListener(endpoint, tcp: config.tcp, tls: config.tls)
            }
        }
        if inputs.raw, let raw = config.raw {
            try startRawCapture(raw, config: config)
        }
        try Daemon.registerProcessMetrics(metrics, trimmer: memoryTrimmer)
        try memoryTrimmer.start()
        try admin?.start()
        try live?.start()
        let started = inputs.listeners ? config.listen.map(\.description).joined(separator: ",") : "none"
        logger.info("event=started config=\(configPath) listeners=\(started) store=\(Daemon.redacted(config.store.url)) hep_route=\(config.hepRoute)")
    }

    /// Blocks until SIGTERM/SIGINT (SIGHUP reloads), then stops the listeners and drains the store.
    func runUntilShutdown() -> Int32 {
        do {
            return try lifecycle.run(reload: reloader) { try self.shutdown() }
        } catch {
            logger.error("event=signals_failed error=\"\(error)\"")
            return 1
        }
    }

    /// Stop receiving, flush every accepted row, stop relays.
    func shutdown() throws {
        admin?.stop()
        live?.stop()
        let handles = listeners.withLock { all in
            defer { all = [] }
            return all
        }
        for handle in handles { handle.stop() }
        relays.close(drainTimeout: 2)
        let report = store.close(timeout: .seconds(120))
        memoryTrimmer.stop()
        logger.info("event=store_closed \(report)")
        if !report.complete && report.rowsInMemory > 0 {
            throw StartupError(description: report.description)
        }
    }

    // MARK: Wiring

    static func load(path: String, overrides: ConfigOverrides, logger: Logger) throws -> Config {
        let result = ConfigLoader.load(path: path)
        for warning in result.warnings {
            logger.warning("event=config_warning detail=\"\(result.sources.render([warning]).split(separator: "\n").first ?? "")\"")
        }
        guard var config = result.config else {
            throw ConfigError(diagnostics: result.errors, rendered: result.sources.render(result.errors))
        }
        overrides.apply(to: &config)
        // The loader refused relay loops into the file's listeners; `--listen` may have replaced them.
        try refuseRelayLoops(config)
        return config
    }

    /// A relay target that reaches one of `config.listen` would loop packets forever. The configuration loader
    /// already refused these for the file's own listeners (`capd check` too); this checks again, with the same
    /// rules (`Config.relayLoops`), against `--listen` overrides and, on reload, the listeners that run.
    static func refuseRelayLoops(_ config: Config) throws {
        if let loop = config.relayLoops().first {
            throw StartupError(description: "relay target \(loop.target.name) (\(loop.target.url)) is capd's own listener \(loop.listener): every packet would loop")
        }
    }

    /// Rows held in memory before the store turns to its on-disk spool. A queued homer5 row costs ~1.5 KB
    /// (its strings and the message) and the writer holds up to a second queue's worth while it works through
    /// it. Measured peak RSS with SQLite behind at 50 000 msg/s: 50 000 rows 150-195 MB, 20 000 rows ~100 MB,
    /// 10 000 rows ~88 MB (docs/performance.md).
    static let queueRows = 20_000

    static func sinkSettings(_ settings: Rules.StoreSettings, tableTemplates: [String] = []) -> SinkSettings {
        var sink = SinkSettings(settings, spoolDirectory: settings.spool)
        sink.tableTemplates = tableTemplates
        sink.queueCapacity = max(Daemon.queueRows, settings.batchRows * 4)
        return sink
    }

    /// Store counts → `capd_rows_stored_total`, dead letters, store drops, queue depth, spool bytes, flush
    /// latency: read from the store's snapshot at scrape time.
    static func bridgeStoreMetrics(store: StoreFront, metrics: CapdMetrics) throws {
        metrics.storeQueueDepth.bind { Double(store.metrics().queueDepth) }
        metrics.storeQueuePackedBytes.bind { Double(store.metrics().packedQueueBytes) }
        metrics.spoolBytes.bind { Double(store.metrics().spoolBytes) }
        metrics.rowsStored.collect {
            store.metrics().rowsStored.map { (labels: [$0.key], value: Double($0.value)) }
        }
        metrics.rowsDeadLettered.collect { [(labels: ["all"], value: Double(store.metrics().deadLettered))] }
        metrics.drops.collect {
            store.metrics().dropped.map { (labels: ["store_" + $0.key], value: Double($0.value)) }
        }
        let recovered = metrics.exporter.counter(
            "capd_store_batches_found_committed_total",
            help: "Batches whose result was lost with their connection and were found already committed (not written twice).")
        recovered.bind { Double(store.metrics().batchesFoundCommitted) }
        let spoolWait = metrics.exporter.counter(
            "capd_store_spool_wait_seconds_total",
            help: "Seconds listener threads waited for the spool thread to take rows (it was behind): back-pressure on the sockets instead of accepted rows dropped.")
        spoolWait.bind { store.metrics().spoolWaitSeconds }
        let errors = metrics.exporter.counterFamily(
            "capd_store_errors_total",
            help: "Store errors by kind: connect, transient, disk_full, permanent (rows dead-lettered), spool_write.", labels: ["kind"])
        errors.collect { store.metrics().errors.map { (labels: [$0.key], value: Double($0.value)) } }
        let state = metrics.exporter.gaugeFamily(
            "capd_store_state",
            help: "1 for the store's current state (ok, database_unreachable, disk_full, spool_full, spool_write_failed, writer_stuck), 0 for the others.",
            labels: ["state"])
        state.collect {
            let current = store.metrics().state
            return StoreState.allCases.map { (labels: [$0.rawValue], value: $0 == current ? 1 : 0) }
        }
        metrics.flushLatency.bind {
            let snapshot = store.metrics()
            let finite = snapshot.flushLatencyBuckets.filter { $0.upperBound.isFinite }
            let cumulative = finite.map { Int($0.count) } + [Int(snapshot.flushLatencyCount)]
            return HistogramSnapshot(upperBounds: finite.map(\.upperBound), cumulativeCounts: cumulative,
                                     sum: snapshot.flushLatencySum)
        }
    }

    /// `process_resident_memory_bytes` (the Prometheus client convention) and what the trimmer gave back.
    static func registerProcessMetrics(_ metrics: CapdMetrics, trimmer: MemoryTrimmer) throws {
        metrics.exporter.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.")
            .bind { Double(ProcessMemory.residentBytes()) }
        metrics.exporter.counter(
            "capd_memory_trimmed_bytes_total",
            help: "Resident bytes handed back to the system by the periodic malloc_trim after bursts.")
            .bind { Double(trimmer.trimmedBytes.load(ordering: .relaxed)) }
    }

    /// A store URL without its password, for logs.
    static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"),
              let colon = url[scheme.upperBound..<at].firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private func startListener(_ endpoint: Endpoint, tcp: TCPSettings, tls: TLSSettings?) throws {
        guard let socket = endpoint.socketEndpoint else {
            throw StartupError(description: "listen \(endpoint): '\(endpoint.host)' is not a numeric address")
        }
        let label = endpoint.description
        let worker = WorkerBox(pipeline.makeWorker(listener: label))
        let consumer: @Sendable ([ReceivedDatagram]) -> Void = { batch in
            worker.withWorker { worker in
                for datagram in batch { worker.handle(datagram) }
            }
        }
        let handle: ListenerHandle
        switch endpoint.transport {
        case .udp:
            let listener = try HEPUDPListener(endpoint: socket)
            try listener.start(consumer) { [logger] new, total in
                logger.warning("event=kernel_drops listener=\(label) dropped=\(new) total=\(total) detail=\"socket receive buffer full: the listener fell behind\"")
            }
            metrics.captureSources.add(listener, label: label)
            handle = ListenerHandle(stop: { listener.stop() })
        case .tcp:
            var settings = TCPListenerConfiguration()
            settings.maxConnections = tcp.maxConnections
            settings.frameTimeoutSeconds = Double(tcp.frameTimeoutSeconds)
            settings.idleTimeoutSeconds = Double(tcp.idleTimeoutSeconds)
            let listener = try HEPTCPListener(endpoint: socket, configuration: settings)
            try listener.start(consumer) { [logger] kind, count, detail in
                logger.warning("event=tcp_connection_\(kind) listener=\(label) count=\(count) \(detail)")
            }
            metrics.captureSources.add(listener, label: label)
            handle = ListenerHandle(stop: { listener.stop() })
        case .tls:
            handle = try startTLSListener(socket, label: label, tcp: tcp, tls: tls, consumer: consumer)
        }
        registerListener(handle)
        logger.info("event=listening listener=\(label)")
    }
}

extension Daemon {
    /// libpcap capture from `raw:`: the kernel filter is the BPF generated from the rules; packets enter `main`.
    private func startRawCapture(_ raw: RawSettings, config: Config) throws {
        guard let interface = raw.interface else {
            throw StartupError(description: "raw capture needs raw.interface")
        }
        var settings = LiveCaptureConfiguration(interface: interface)
        settings.mode = raw.mode == .ipip ? .ipip : .mirror
        settings.promiscuous = raw.promiscuous
        settings.readers = raw.readers
        settings.ports = raw.ports
        settings.bufferBytes = Int32(clamping: raw.bufferMegabytes * 1_024 * 1_024)
        let filter = BPFGenerator.expression(for: config)
        settings.filter = filter.isEmpty ? nil : filter
        let capture = try LiveCapture(configuration: settings)
        let workers = WorkerPool(pipeline: pipeline, listener: "raw:\(interface)")
        try capture.start({ messages in
            workers.withWorker { worker in
                for message in messages { worker.handleRaw(message) }
            }
        }, logDrops: { [logger] reader, new, total in
            logger.warning("event=raw_kernel_drops interface=\(interface) reader=\(reader) dropped=\(new) total=\(total) detail=\"capture ring full: the reader fell behind\"")
        })
        metrics.captureSources.add(capture, interface: interface)
        registerListener(ListenerHandle(stop: { capture.stop() }))
        logger.info("event=raw_capture interface=\(interface) mode=\(raw.mode.rawValue) readers=\(raw.readers) filter=\"\(filter)\"")
    }

    fileprivate func registerListener(_ handle: ListenerHandle) {
        listeners.withLock { $0.append(handle) }
    }
}

/// One worker per capture thread, for inputs whose consumer runs on several threads (raw readers).
final class WorkerPool: Sendable {
    private let pipeline: Pipeline
    private let listener: String
    private let workers = Mutex<[UInt: WorkerBox]>([:])

    init(pipeline: Pipeline, listener: String) {
        self.pipeline = pipeline
        self.listener = listener
    }

    func withWorker(_ body: (inout PipelineWorker) -> Void) {
        let thread = UInt(pthread_self())
        let box = workers.withLock { all in
            if let existing = all[thread] { return existing }
            let created = WorkerBox(pipeline.makeWorker(listener: listener))
            all[thread] = created
            return created
        }
        box.withWorker(body)
    }
}

/// Stops one listener (and waits for its thread).
struct ListenerHandle: Sendable {
    let stop: @Sendable () -> Void
}

/// A listener thread's worker. Only that thread calls it; the lock is uncontended and keeps the compiler's
/// concurrency checking honest.
final class WorkerBox: Sendable {
    private let worker: Mutex<PipelineWorker>

    init(_ worker: PipelineWorker) {
        self.worker = Mutex(worker)
    }

    func withWorker(_ body: (inout PipelineWorker) -> Void) {
        worker.withLock { body(&$0) }
    }
}
