/// One row of the HOMER 5 `sip_capture` table family (opensips-sipcapture-behaviour.md §7, plus `diversion`).
public struct SIPCaptureRow: Sendable, Equatable {
    /// Table name template as written in the capture action (`sip_capture`, `sip_capture_call_%Y%m%d`, ...).
    public var table: String
    /// `micro_ts`: the packet's capture time, UTC epoch microseconds. `date` is derived from it.
    public var microTimestamp: Int64
    /// When capd received the packet (UTC epoch µs); names the table when the agent clock is off by > 10 min.
    public var receiveMicroTimestamp: Int64

    public var method = ""
    public var replyReason = ""
    public var ruri = ""
    public var ruriUser = ""
    public var ruriDomain = ""
    public var fromUser = ""
    public var fromDomain = ""
    public var fromTag = ""
    public var toUser = ""
    public var toDomain = ""
    public var toTag = ""
    public var pidUser = ""
    public var contactUser = ""
    public var authUser = ""
    public var callID = ""
    public var callIDALeg = ""
    public var via1 = ""
    public var via1Branch = ""
    public var cseq = ""
    public var diversion = ""
    public var reason = ""
    public var contentType = ""
    public var auth = ""
    public var userAgent = ""
    public var sourceIP = ""
    public var sourcePort: Int32 = 0
    public var destinationIP = ""
    public var destinationPort: Int32 = 0
    public var contactIP = ""
    public var contactPort: Int32 = 0
    public var originatorIP = ""
    public var originatorPort: Int32 = 0
    public var proto: Int32 = 0
    public var family: Int16? = nil
    public var rtpStat = ""
    public var type: Int32 = 0
    public var node = ""
    public var correlationID = ""
    public var customField1 = ""
    public var customField2 = ""
    public var customField3 = ""
    /// The SIP message bytes (`msg`, bytea).
    public var msg: [UInt8] = []

    public init(table: String, microTimestamp: Int64, receiveMicroTimestamp: Int64? = nil) {
        self.table = table
        self.microTimestamp = microTimestamp
        self.receiveMicroTimestamp = receiveMicroTimestamp ?? microTimestamp
    }
}

/// One row of the HOMER 5 report table family (`rtcp_capture`, `report_capture`, `logs_capture`; §8.2, §9).
public struct ReportRow: Sendable, Equatable {
    public var table: String
    public var microTimestamp: Int64
    public var receiveMicroTimestamp: Int64
    public var correlationID = ""
    public var sourceIP = ""
    public var sourcePort: Int32 = 0
    public var destinationIP = ""
    public var destinationPort: Int32 = 0
    public var proto: Int32 = 0
    public var family: Int16? = nil
    public var type: Int32 = 0
    public var node = ""
    /// Payload text (`msg`, VARCHAR(1500): longer payloads are cut at 1500 characters).
    public var msg = ""

    public init(table: String, microTimestamp: Int64, receiveMicroTimestamp: Int64? = nil) {
        self.table = table
        self.microTimestamp = microTimestamp
        self.receiveMicroTimestamp = receiveMicroTimestamp ?? microTimestamp
    }
}

/// One row of a HOMER 7 `hep_proto_*` table (homer7-schema.md §3).
public struct HomerSevenRow: Sendable, Equatable {
    /// Parent table, e.g. `hep_proto_1_call` (see `HomerSeven.table(payloadType:cseqMethod:)`).
    public var table: String
    public var sid: String
    /// `create_date`, UTC epoch microseconds (HEP time; receive time when it is 0).
    public var createDate: Int64
    public var receiveMicroTimestamp: Int64
    /// JSON object text (`HomerSeven.protocolHeader(...)`).
    public var protocolHeader: String
    /// JSON object text (`HomerSeven.sipDataHeader(...)` / `nonSIPDataHeader(...)`).
    public var dataHeader: String
    public var raw: String

    public init(table: String, sid: String, createDate: Int64, receiveMicroTimestamp: Int64? = nil,
                protocolHeader: String, dataHeader: String, raw: String) {
        self.table = table
        self.sid = sid
        self.createDate = createDate
        self.receiveMicroTimestamp = receiveMicroTimestamp ?? createDate
        self.protocolHeader = protocolHeader
        self.dataHeader = dataHeader
        self.raw = raw
    }
}

/// Anything the store can write.
public enum StoreRow: Sendable, Equatable {
    case sip(SIPCaptureRow)
    case report(ReportRow)
    case homerSeven(HomerSevenRow)

    /// The metrics label of the table family this row belongs to.
    public var family: RowFamily {
        switch self {
        case .sip: .sipCapture
        case .report: .report
        case .homerSeven: .homerSeven
        }
    }

    var tableTemplate: String {
        switch self {
        case .sip(let r): r.table
        case .report(let r): r.table
        case .homerSeven(let r): r.table
        }
    }

    /// The row's `date` (HOMER 7: `create_date`), which picks its partition.
    var dateMicroTimestamp: Int64 {
        switch self {
        case .sip(let r): r.microTimestamp
        case .report(let r): r.microTimestamp
        case .homerSeven(let r): r.createDate
        }
    }

    /// Time that names the table: capture time, or receive time when they differ by more than 10 minutes.
    var namingMicroTimestamp: Int64 {
        let (capture, receive): (Int64, Int64)
        switch self {
        case .sip(let r): (capture, receive) = (r.microTimestamp, r.receiveMicroTimestamp)
        case .report(let r): (capture, receive) = (r.microTimestamp, r.receiveMicroTimestamp)
        case .homerSeven(let r): (capture, receive) = (r.createDate, r.receiveMicroTimestamp)
        }
        return Self.namingMicroTimestamp(capture: capture, receive: receive)
    }

    /// The capture time, or the receive time when the two differ by more than 10 minutes (an agent clock off).
    static func namingMicroTimestamp(capture: Int64, receive: Int64) -> Int64 {
        let skew = capture > receive ? capture &- receive : receive &- capture
        return skew > 600_000_000 ? receive : capture
    }
}

public enum RowFamily: String, Sendable, CaseIterable {
    case sipCapture = "sip_capture"
    case report = "report"
    case homerSeven = "homer7"
}
