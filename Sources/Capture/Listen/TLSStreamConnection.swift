#if canImport(Glibc)
import Glibc
#endif
import HEP
import TLS

/// A TLS listener's connection: its OpenSSL session, whether the handshake is done, and what the session's
/// last step asked of the poll.
final class TLSStreamConnection: StreamConnection {
    let descriptor: Int32
    let peer: SocketEndpoint
    let session: TLSSession
    var established = false
    /// The session's last step asked for a writable socket.
    var wantsWrite = false
    /// Reading stopped at the per-round limit (or with decrypted bytes pending): poll without waiting.
    var moreToRead = false
    var splitter: HEPFrameSplitter
    var state: TCPConnectionState

    init(descriptor: Int32, peer: SocketEndpoint, session: TLSSession, splitter: HEPFrameSplitter, now: Double) {
        self.descriptor = descriptor
        self.peer = peer
        self.session = session
        self.splitter = splitter
        state = TCPConnectionState(connectedAt: now)
    }

    var pollEvents: Int16 { wantsWrite ? Int16(POLLOUT) : Int16(POLLIN) }
    var hasPendingInput: Bool { moreToRead }
}
