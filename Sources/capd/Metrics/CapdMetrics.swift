import Prometheus

/// The metric families of DESIGN §6, declared once at start on swift-prometheus (`MetricsExporter`). The
/// pipeline looks children up once (per listener, reason, rule, table, target) and keeps the swift-prometheus
/// `Counter`, so counting a packet is one atomic add. Counts other modules keep themselves are copied in at
/// scrape time instead: `bind` (one series, e.g. the store's queue depth) and `collect` (label sets only known
/// at run time, such as the store's rows per table family); see `ScrapeCopy`.
final class CapdMetrics: Sendable {
    let exporter: MetricsExporter

    /// Labels `listener` (e.g. `udp://127.0.0.1:9060`) and `version` (`1`, `2`, `3`, or `sip` for plain SIP).
    let packetsReceived: CounterFamily
    /// Label `reason`: the decoder's snake_case reason (`truncated`, `chunk_overrun`, ...).
    let decodeErrors: CounterFamily
    /// Label `reason`: why an accepted packet was not processed further (`rule`, `auth_key`, `dedup`,
    /// `queue_full`, `spool_full`, ...).
    let drops: CounterFamily
    /// Label `rule`: the rule's name (or `ROUTE#INDEX` for unnamed rules).
    let ruleMatches: CounterFamily
    /// Label `table`: the table family, i.e. the table template before time expansion.
    let rowsStored: CounterFamily
    /// Label `table`: rows that could not be written and went to the dead-letter file.
    let rowsDeadLettered: CounterFamily
    /// Rows waiting for the writer; bind it to the store's queue with `storeQueueDepth.bind { ... }`.
    let storeQueueDepth: GaugeFamily
    /// Bytes of the rows packed in the queue's tail during a backlog.
    let storeQueuePackedBytes: GaugeFamily
    /// Seconds per batch write; `bind` it to the store's snapshot.
    let flushLatency: SnapshotHistogram
    /// Bytes in the on-disk spool; bind it to the store.
    let spoolBytes: GaugeFamily
    /// Label `target`: the relay target's name.
    let relaySent: CounterFamily
    /// Label `target`.
    let relayFailed: CounterFamily
    /// Label `result`: `ok` or `error`.
    let reloads: CounterFamily
    let reloadsOK: Counter
    let reloadsError: Counter
    /// 1 while capture is on, 0 while off; bound to the capture switch by `CaptureSwitch.bind(to:)`.
    let captureEnabled: GaugeFamily
    /// Label `reason`: admin requests refused by the access checks (`unauthorized`, `foreign_origin`,
    /// `unsupported_media_type`, `too_large`, `body_timeout`).
    let adminRefused: CounterFamily
    /// 1 when the last configuration load (start or reload) succeeded, 0 after a failed reload.
    let configLastReloadSuccessful: Gauge
    /// Unix time of the last successful configuration load (start or reload).
    let configLastReloadSuccessTimestamp: Gauge

    /// Capture inputs (listeners, raw readers) whose counters are read at scrape time; see `CaptureMetricSources`.
    let captureSources = CaptureMetricSources()
    /// Label `listener`: TCP connections refused because every slot was held by a connection delivering frames.
    let tcpConnectionsRefused: CounterFamily
    /// Labels `listener`, `reason` (`TCPCloseReason`: peer_closed, idle, frame_timeout, evicted, bad_frame, read_error).
    let tcpConnectionsClosed: CounterFamily
    /// Label `listener`: TCP connections open now.
    let tcpConnectionsOpen: GaugeFamily
    /// Label `listener`: datagrams the kernel dropped for a UDP listener's socket (receive buffer full).
    let kernelDrops: CounterFamily
    /// Labels `interface`, `reader`: packets the kernel dropped from a raw capture ring (pcap_stats ps_drop).
    let rawKernelDrops: CounterFamily
    /// Labels `interface`, `reader`: packets the interface dropped (pcap_stats ps_ifdrop; promiscuous mode only).
    let rawInterfaceDrops: CounterFamily

    /// The same bounds the store records its flush latency with.
    static let flushLatencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    init(exporter: MetricsExporter = MetricsExporter()) {
        self.exporter = exporter
        packetsReceived = exporter.counterFamily(
            "capd_packets_received_total", help: "Packets received, per listener and HEP version.",
            labels: ["listener", "version"])
        decodeErrors = exporter.counterFamily(
            "capd_decode_errors_total", help: "Packets that failed to decode, per reason.", labels: ["reason"])
        drops = exporter.counterFamily(
            "capd_drops_total", help: "Packets dropped, per reason.", labels: ["reason"])
        ruleMatches = exporter.counterFamily(
            "capd_rule_matches_total", help: "Rule matches, per rule.", labels: ["rule"])
        rowsStored = exporter.counterFamily(
            "capd_rows_stored_total", help: "Rows written to the database, per table family.", labels: ["table"])
        rowsDeadLettered = exporter.counterFamily(
            "capd_rows_dead_lettered_total", help: "Rows the database refused, parked in the dead-letter file.",
            labels: ["table"])
        storeQueueDepth = exporter.gauge(
            "capd_store_queue_depth", help: "Rows accepted and waiting to be written.")
        storeQueuePackedBytes = exporter.gauge(
            "capd_store_queue_packed_bytes", help: "Bytes of the queued rows kept packed in memory during a backlog.")
        flushLatency = exporter.histogram(
            "capd_store_flush_seconds", help: "Time to write one batch to the database.",
            defaultBounds: Self.flushLatencyBounds)
        spoolBytes = exporter.gauge(
            "capd_spool_bytes", help: "Size of the on-disk spool of rows waiting for the database.")
        relaySent = exporter.counterFamily(
            "capd_relay_sent_total", help: "HEP packets relayed, per target.", labels: ["target"])
        relayFailed = exporter.counterFamily(
            "capd_relay_failed_total", help: "HEP packets that could not be relayed, per target.",
            labels: ["target"])
        reloads = exporter.counterFamily(
            "capd_reloads_total", help: "Configuration reloads, per result.", labels: ["result"])
        reloadsOK = reloads.labels("ok")
        reloadsError = reloads.labels("error")
        captureEnabled = exporter.gauge(
            "capd_capture_enabled", help: "1 when SIP capture is switched on, 0 when off.")
        adminRefused = exporter.counterFamily(
            "capd_admin_refused_total", help: "Admin requests refused by the access checks, per reason.",
            labels: ["reason"])
        configLastReloadSuccessful = exporter.gauge(
            "capd_config_last_reload_successful",
            help: "1 when the last configuration load (start or reload) succeeded, 0 when the last reload failed.").labels()
        configLastReloadSuccessTimestamp = exporter.gauge(
            "capd_config_last_reload_success_timestamp_seconds",
            help: "Unix time of the last successful configuration load (start or reload).").labels()

        let sources = captureSources
        tcpConnectionsRefused = exporter.counterFamily(
            "capd_tcp_connections_refused_total",
            help: "TCP connections refused: every slot was held by a connection delivering frames.", labels: ["listener"])
        tcpConnectionsRefused.collect { sources.tcpRefused }
        tcpConnectionsClosed = exporter.counterFamily(
            "capd_tcp_connections_closed_total", help: "TCP connections closed, per listener and reason.",
            labels: ["listener", "reason"])
        tcpConnectionsClosed.collect { sources.tcpClosed }
        tcpConnectionsOpen = exporter.gaugeFamily(
            "capd_tcp_connections_open", help: "TCP connections open, per listener.", labels: ["listener"])
        tcpConnectionsOpen.collect { sources.tcpOpen }
        kernelDrops = exporter.counterFamily(
            "capd_kernel_drops_total",
            help: "Datagrams the kernel dropped for a UDP listener's socket (receive buffer full), per listener.",
            labels: ["listener"])
        kernelDrops.collect { sources.kernelDrops }
        rawKernelDrops = exporter.counterFamily(
            "capd_raw_kernel_drops_total",
            help: "Packets the kernel dropped from a raw capture ring (reader behind), per interface and reader.",
            labels: ["interface", "reader"])
        rawKernelDrops.collect { sources.rawDrops.ring }
        rawInterfaceDrops = exporter.counterFamily(
            "capd_raw_interface_drops_total",
            help: "Packets the capture interface dropped (promiscuous mode only), per interface and reader.",
            labels: ["interface", "reader"])
        rawInterfaceDrops.collect { sources.rawDrops.interface }
    }
}
