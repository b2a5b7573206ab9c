/// A half-open UTC time range in epoch microseconds.
public struct TimeWindow: Sendable, Equatable {
    public var from: Int64
    public var to: Int64

    public init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }
}

/// What `capd calls` searches for; empty fields match everything. A call matches when one of its SIP
/// messages in the window matches every given field.
public struct CallFilter: Sendable, Equatable {
    /// nil: every table of the configured templates, whatever its day (only with `callID`).
    public var window: TimeWindow?
    public var callID: String?
    public var fromUser: String?
    public var toUser: String?
    public var method: String?
    /// Reply status code (`486`).
    public var status: String?
    /// Source or destination address.
    public var ip: String?
    public var limit: Int

    public static let defaultLimit = 100
    public static let maxLimit = 1_000

    public init(window: TimeWindow?, callID: String? = nil, fromUser: String? = nil, toUser: String? = nil,
                method: String? = nil, status: String? = nil, ip: String? = nil, limit: Int = defaultLimit) {
        self.window = window
        self.callID = callID
        self.fromUser = fromUser
        self.toUser = toUser
        self.method = method
        self.status = status
        self.ip = ip
        self.limit = limit
    }
}

/// One stored SIP message of a call, whatever the schema it was read from.
public struct StoredMessage: Sendable, Equatable {
    public var microTimestamp: Int64
    public var callID: String
    /// Request method, or the status code of a reply (as HOMER stores it).
    public var method: String
    public var replyReason: String
    public var fromUser: String
    public var toUser: String
    public var cseq: String
    public var sourceIP: String
    public var sourcePort: Int
    public var destinationIP: String
    public var destinationPort: Int
    /// IP protocol number (17 UDP, 6 TCP, 132 SCTP).
    public var ipProtocol: Int
    public var node: String
    public var raw: [UInt8]
    public var table: String
    public var id: Int64

    public var isReply: Bool { method.first.map(\.isNumber) ?? false }
    /// `INVITE`, or `200 OK` for a reply.
    public var label: String { isReply && !replyReason.isEmpty ? method + " " + replyReason : method }
    public var cseqMethod: String { HomerSeven.cseqMethod(fromCSeq: cseq) }
}

/// An RTCP/QoS report or log line correlated to a call (correlation id = Call-ID).
public struct StoredReport: Sendable, Equatable {
    public var microTimestamp: Int64
    public var correlationID: String
    public var sourceIP: String
    public var sourcePort: Int
    public var destinationIP: String
    public var destinationPort: Int
    /// HEP payload type (5 RTCP, 35 RTCP-XR, 100 log, ...).
    public var payloadType: Int
    public var node: String
    public var text: String
    public var table: String
}

/// One line of `capd calls`.
public struct CallSummary: Sendable, Equatable {
    public var start: Int64
    public var callID: String
    public var fromUser: String
    public var toUser: String
    public var firstMethod: String
    /// The last final reply (>= 200) to the first request's method, else the last reply; "" without replies.
    public var finalStatus: String
    public var durationMicroseconds: Int64
    public var messageCount: Int
    public var nodes: [String]

    /// Summary of one call's messages (in time order); nil when there are none.
    public init?(messages: [StoredMessage]) {
        guard let first = messages.first, let last = messages.last else { return nil }
        start = first.microTimestamp
        callID = first.callID
        let request = messages.first { !$0.isReply } ?? first
        fromUser = request.fromUser
        toUser = request.toUser
        let method = request.isReply ? "" : request.method
        firstMethod = method
        let replies = messages.filter(\.isReply)
        let finals = replies.filter { (Int($0.method) ?? 0) >= 200 && $0.cseqMethod.uppercased() == method.uppercased() }
        finalStatus = (finals.last ?? replies.last)?.method ?? ""
        durationMicroseconds = last.microTimestamp - first.microTimestamp
        messageCount = messages.count
        nodes = Array(Set(messages.map(\.node).filter { !$0.isEmpty })).sorted()
    }
}

/// A call and everything stored about it.
public struct CallRecord: Sendable, Equatable {
    public var callID: String
    public var messages: [StoredMessage]
    public var reports: [StoredReport]
}
