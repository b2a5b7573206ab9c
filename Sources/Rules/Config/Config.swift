import Affinity
import HEP
import Tables
import TLS

/// The whole configuration file, typed and validated. Defaults are those of DESIGN §4.
public struct Config: Sendable {
    public var capture = CaptureSettings()
    /// HEP listeners; empty = no HEP input.
    public var listen: [Endpoint] = []
    /// Connection limits and timeouts of the TCP listeners (and of the TLS ones).
    public var tcp = TCPSettings()
    /// Certificate and client-certificate policy of the `tls://` listeners; nil without a `tls:` section.
    public var tls: TLSSettings?
    /// HEPv3 packets without this 0x000e chunk are counted and dropped.
    public var authKey: String?
    public var raw: RawSettings?
    public var store = StoreSettings()
    /// Named relay targets (`relay:`), by name.
    public var relay: [String: RelayTarget] = [:]
    /// Named relay groups (`relay:` entries whose `to` is a list), by name.
    public var relayGroups: [String: RelayGroup] = [:]
    public var admin = AdminSettings()
    public var hepRoute: HEPRouteMode = .sip
    /// Compiled routes (`lists`, `routes` and everything included).
    public var program: RuleProgram
    /// Path of the main file as given to the loader.
    public var path: String

    public init(program: RuleProgram, path: String) {
        self.program = program
        self.path = path
    }
}

public struct CaptureSettings: Sendable, Equatable {
    /// capture_on: initial state of the runtime switch.
    public var enabled = true
    /// capture_node: HEP rows store "<node>:<capture id>".
    public var node = "homer01"
}

public struct RawSettings: Sendable, Equatable {
    public enum Mode: String, Sendable { case mirror, ipip }
    public var mode: Mode = .mirror
    public var interface: String?
    public var promiscuous = false
    /// raw_sock_children
    public var readers = 1
    /// raw_socket_listen ports; empty = no port restriction of its own.
    public var ports: [ClosedRange<UInt16>] = []
    /// Kernel capture ring per reader, in MiB (`raw.buffer_mb`).
    public var bufferMegabytes = 32
}

/// The `store:` section: one model with its documented defaults, shared with the store (`Tables.StoreSection`).
public typealias StoreSettings = StoreSection

public struct AdminSettings: Sendable, Equatable {
    /// `admin.listen` (HOST:PORT, served over TCP).
    public var listen = Endpoint(transport: .tcp, host: "127.0.0.1", port: 9096)
    /// false when `admin: { listen: off }`.
    public var enabled = true
    /// `admin.token`: a bearer token `POST /mi` requires when set.
    public var token: String?

    /// True for `localhost`, 127.0.0.0/8 and ::1.
    public var isLoopback: Bool { listen.isLoopbackHost }
}

public enum HEPRouteMode: Sendable, Equatable {
    /// Store every SIP HEP packet directly into `store.table` (no rules).
    case none
    /// Enter the `main` route with SIP parsed.
    case sip
    /// Run this route (index into `RuleProgram.routes`) before SIP parsing; it drops the packet unless it
    /// reaches `resume_sip`, which continues into `main`.
    case route(Int)
}
