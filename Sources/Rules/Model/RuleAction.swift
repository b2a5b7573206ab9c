import HEP
import Tables
import TLS

/// What a matching rule does. Control actions (`drop`, `stop`, `route`, `resume_sip`) are carried out by the
/// evaluator; the others are handed to the daemon's `RuleExecutor` in order.
public enum RuleAction: Sendable {
    case capture(CaptureAction)
    case report(ReportAction)
    case setChunk(ChunkEdit)
    case deleteChunk(ChunkRef)
    case relay(RelayTarget)
    /// Relay to the member of a relay group that owns the packet's call.
    case relayGroup(RelayGroup)
    /// Drop copies of an identical payload seen within the window.
    case dedup(windowMilliseconds: Int)
    case drop
    case stop
    /// Index into `RuleProgram.routes`.
    case route(Int)
    case resumeSIP

    /// Whether this action keeps (stores or forwards) the packet: used for BPF generation.
    var keepsPacket: Bool {
        switch self {
        case .capture, .report, .relay, .relayGroup: return true
        default: return false
        }
    }
    var terminates: Bool {
        switch self {
        case .drop, .stop, .resumeSIP: return true
        default: return false
        }
    }
}

/// `capture` (sip_capture): table template (nil = store.table) and custom_field1..3.
public struct CaptureAction: Sendable {
    public var table: TableTemplate?
    public var customField1: Template?
    public var customField2: Template?
    public var customField3: Template?

    /// Defaults: `store.table`, empty custom fields.
    public init(table: TableTemplate? = nil, customField1: Template? = nil, customField2: Template? = nil,
                customField3: Template? = nil) {
        self.table = table
        self.customField1 = customField1
        self.customField2 = customField2
        self.customField3 = customField3
    }
}

/// `report` (report_capture): correlation id (default `${hep.correlation_id}`), table (nil = store.report_table),
/// proto type written to the `type` column (nil = the packet's HEP proto type).
public struct ReportAction: Sendable {
    public var correlationID: Template
    public var table: TableTemplate?
    public var protoType: Int?
}

/// A chunk named by `set`/`del`. `vendor` nil on `del` means any vendor (first chunk with that type id).
public struct ChunkRef: Sendable, Hashable {
    public var type: UInt16
    public var vendor: UInt16?
}

public enum ChunkDataType: String, Sendable, CaseIterable {
    case uint8, uint16, uint32, inet4, inet6, utf8, octet
}

/// `set` (hep_set). Built-in chunks (0x0002...0x000C, 0x000F) take the value form OpenSIPS accepts; the value
/// is already typed. Text values may be templates.
public struct ChunkEdit: Sendable {
    public enum Value: Sendable {
        case uint8(UInt8)
        case uint16(UInt16)
        case uint32(UInt32)
        case inet4(IPAddress)
        case inet6(IPAddress)
        case utf8(Template)
        case octet(Template)
    }
    public var type: UInt16
    public var vendor: UInt16
    public var value: Value
}

/// A HEP relay destination (named in `relay:` or given inline as a URL).
public struct RelayTarget: Sendable, Hashable {
    /// Name under `relay:`, or the URL for an inline target.
    public var name: String
    /// Transport, host as configured and port.
    public var endpoint: Endpoint
    public var version: Int
    /// Where packets go: the first address `host` resolved to when the configuration was loaded (IPv4-mapped
    /// IPv6 unmapped), so that `capd run` sends to what `capd check` checked.
    public var address: IPAddress
    /// `tls://` targets: the CA to check the server with (nil: system trust store) and an optional client
    /// certificate; nil for other transports.
    public var tls: TLSClientFiles?
    /// Tells senders apart: targets with the same URL but other TLS files or HEP version are different
    /// senders (two names for one destination with different client certificates, say).
    public var senderKey: String {
        guard let tls else { return "\(url) v\(version)" }
        return "\(url) v\(version) ca=\(tls.ca ?? "-") cert=\(tls.certificate ?? "-") key=\(tls.privateKey ?? "-") min=\(tls.minimumVersion.rawValue)"
    }
    public var url: String { endpoint.description }

    public init(name: String, endpoint: Endpoint, version: Int, address: IPAddress) {
        self.name = name
        self.endpoint = endpoint
        self.version = version
        self.address = address
    }
}
