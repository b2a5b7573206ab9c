/// The metric families of DESIGN §6, registered once at start. The pipeline looks children up once
/// (per listener, reason, rule, table, target) and keeps them, so counting a packet is one atomic add.
/// Counts other modules keep themselves are read at scrape time instead: `Counter.bind` (one series from
/// an atomic such as a relay's `counters.sent`), `MetricFamily.collect` (label sets only known at run
/// time, such as the store's rows per table family), `Gauge.bind`, `Histogram.bind`.
final class CapdMetrics: Sendable {
    let registry: MetricsRegistry

    /// Labels `listener` (e.g. `udp://127.0.0.1:9060`) and `version` (`1`, `2`, `3`, or `sip` for plain SIP).
    let packetsReceived: MetricFamily<Counter>
    /// Label `reason`: the decoder's snake_case reason (`truncated`, `chunk_overrun`, ...).
    let decodeErrors: MetricFamily<Counter>
    /// Label `reason`: why an accepted packet was not processed further (`rule`, `auth_key`, `dedup`,
    /// `queue_full`, `spool_full`, ...).
    let drops: MetricFamily<Counter>
    /// Label `rule`: the rule's name (or `ROUTE#INDEX` for unnamed rules).
    let ruleMatches: MetricFamily<Counter>
    /// Label `table`: the table family, i.e. the table template before time expansion.
    let rowsStored: MetricFamily<Counter>
    /// Label `table`: rows that could not be written and went to the dead-letter file.
    let rowsDeadLettered: MetricFamily<Counter>
    /// Rows waiting for the writer; bind it to the store's queue with `storeQueueDepth.bind { ... }`.
    let storeQueueDepth: Gauge
    /// Bytes of the rows packed in the queue's tail during a backlog.
    let storeQueuePackedBytes: Gauge
    /// Seconds per batch write; observe directly or `bind` it to the store's snapshot.
    let flushLatency: Histogram
    /// Bytes in the on-disk spool; bind it to the store.
    let spoolBytes: Gauge
    /// Label `target`: the relay target's name.
    let relaySent: MetricFamily<Counter>
    /// Label `target`.
    let relayFailed: MetricFamily<Counter>
    /// Label `result`: `ok` or `error`.
    let reloads: MetricFamily<Counter>
    let reloadsOK: Counter
    let reloadsError: Counter
    /// 1 while capture is on, 0 while off; bound to the capture switch by `CaptureSwitch.bind(to:)`.
    let captureEnabled: Gauge
    /// Label `reason`: admin requests refused by the access checks (`unauthorized`, `foreign_origin`,
    /// `unsupported_media_type`, `too_large`, `body_timeout`).
    let adminRefused: MetricFamily<Counter>
    /// 1 when the last configuration load (start or reload) succeeded, 0 after a failed reload.
    let configLastReloadSuccessful: Gauge
    /// Unix time of the last successful configuration load (start or reload).
    let configLastReloadSuccessTimestamp: Gauge

    /// Capture inputs (listeners, raw readers) whose counters are read at scrape time; see `CaptureMetricSources`.
    let captureSources = CaptureMetricSources()
    /// Label `listener`: TCP connections refused because every slot was held by a connection delivering frames.
    let tcpConnectionsRefused: MetricFamily<Counter>
    /// Labels `listener`, `reason` (`TCPCloseReason`: peer_closed, idle, frame_timeout, evicted, bad_frame, read_error).
    let tcpConnectionsClosed: MetricFamily<Counter>
    /// Label `listener`: TCP connections open now.
    let tcpConnectionsOpen: MetricFamily<Gauge>
    /// Label `listener`: datagrams the kernel dropped for a UDP listener's socket (receive buffer full).
    let kernelDrops: MetricFamily<Counter>
    /// Labels `interface`, `reader`: packets the kernel dropped from a raw capture ring (pcap_stats ps_drop).
    let rawKernelDrops: MetricFamily<Counter>
    /// Labels `interface`, `reader`: packets the interface dropped (pcap_stats ps_ifdrop; promiscuous mode only).
    let rawInterfaceDrops: MetricFamily<Counter>

    /// The same bounds the store records its flush latency with.
    static let flushLatencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    init(registry: MetricsRegistry = MetricsRegistry()) throws(MetricsError) {
        self.registry = registry
        packetsReceived = try registry.counterFamily(
            "capd_packets_received_total", help: "Packets received, per listener and HEP version.",
            labels: ["listener", "version"])
        decodeErrors = try registry.counterFamily(
            "capd_decode_errors_total", help: "Packets that failed to decode, per reason.", labels: ["reason"])
        drops = try registry.counterFamily(
            "capd_drops_total", help: "Packets dropped, per reason.", labels: ["reason"])
        ruleMatches = try registry.counterFamily(
            "capd_rule_matches_total", help: "Rule matches, per rule.", labels: ["rule"])
        rowsStored = try registry.counterFamily(
            "capd_rows_stored_total", help: "Rows written to the database, per table family.", labels: ["table"])
        rowsDeadLettered = try registry.counterFamily(
            "capd_rows_dead_lettered_total", help: "Rows the database refused, parked in the dead-letter file.",
            labels: ["table"])
        storeQueueDepth = try registry.gauge(
            "capd_store_queue_depth", help: "Rows accepted and waiting to be written.")
        storeQueuePackedBytes = try registry.gauge(
            "capd_store_queue_packed_bytes", help: "Bytes of the queued rows kept packed in memory during a backlog.")
        flushLatency = try registry.histogram(
            "capd_store_flush_seconds", help: "Time to write one batch to the database.",
            buckets: Self.flushLatencyBounds)
        spoolBytes = try registry.gauge(
            "capd_spool_bytes", help: "Size of the on-disk spool of rows waiting for the database.")
        relaySent = try registry.counterFamily(
            "capd_relay_sent_total", help: "HEP packets relayed, per target.", labels: ["target"])
        relayFailed = try registry.counterFamily(
            "capd_relay_failed_total", help: "HEP packets that could not be relayed, per target.",
            labels: ["target"])
        reloads = try registry.counterFamily(
            "capd_reloads_total", help: "Configuration reloads, per result.", labels: ["result"])
        reloadsOK = reloads.labels("ok")
        reloadsError = reloads.labels("error")
        captureEnabled = try registry.gauge(
            "capd_capture_enabled", help: "1 when SIP capture is switched on, 0 when off.")
        adminRefused = try registry.counterFamily(
            "capd_admin_refused_total", help: "Admin requests refused by the access checks, per reason.",
            labels: ["reason"])
        configLastReloadSuccessful = try registry.gauge(
            "capd_config_last_reload_successful",
            help: "1 when the last configuration load (start or reload) succeeded, 0 when the last reload failed.")
        configLastReloadSuccessTimestamp = try registry.gauge(
            "capd_config_last_reload_success_timestamp_seconds",
            help: "Unix time of the last successful configuration load (start or reload).")

        let sources = captureSources
        tcpConnectionsRefused = try registry.counterFamily(
            "capd_tcp_connections_refused_total",
            help: "TCP connections refused: every slot was held by a connection delivering frames.", labels: ["listener"])
        tcpConnectionsRefused.collect { sources.tcpRefused }
        tcpConnectionsClosed = try registry.counterFamily(
            "capd_tcp_connections_closed_total", help: "TCP connections closed, per listener and reason.",
            labels: ["listener", "reason"])
        tcpConnectionsClosed.collect { sources.tcpClosed }
        tcpConnectionsOpen = try registry.gaugeFamily(
            "capd_tcp_connections_open", help: "TCP connections open, per listener.", labels: ["listener"])
        tcpConnectionsOpen.collect { sources.tcpOpen }
        kernelDrops = try registry.counterFamily(
            "capd_kernel_drops_total",
            help: "Datagrams the kernel dropped for a UDP listener's socket (receive buffer full), per listener.",
            labels: ["listener"])
        kernelDrops.collect { sources.kernelDrops }
        rawKernelDrops = try registry.counterFamily(
            "capd_raw_kernel_drops_total",
            help: "Packets the kernel dropped from a raw capture ring (reader behind), per interface and reader.",
            labels: ["interface", "reader"])
        rawKernelDrops.collect { sources.rawDrops.ring }
        rawInterfaceDrops = try registry.counterFamily(
            "capd_raw_interface_drops_total",
            help: "Packets the capture interface dropped (promiscuous mode only), per interface and reader.",
            labels: ["interface", "reader"])
        rawInterfaceDrops.collect { sources.rawDrops.interface }
    }
}
