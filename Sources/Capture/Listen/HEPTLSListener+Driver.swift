#if canImport(Glibc)
import Glibc
#endif
import HEP
import TLS

/// The TLS side of the poll loop: handshake first (with its deadline and failure counting), then
/// `TLSSession.read` into the frame splitter.
extension HEPTLSListener: StreamListenerDriver {
    /// Why a connection is closed: after the handshake a TCP close reason, during it a handshake failure.
    enum Closing {
        case tcp(TCPCloseReason)
        case handshake(TLSFailure)
    }

    struct Logs: StreamListenerLogs {
        var events: RateLimitedEvents
        var failures: PeerRateLimitedLog
    }

    var tcpConfiguration: TCPListenerConfiguration { configuration.tcp }

    func open(_ descriptor: Int32, peer: SocketEndpoint, now: Double) -> TLSStreamConnection? {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        guard let session = try? TLSSession(context: currentContext, descriptor: descriptor) else {
            Glibc.close(descriptor)
            handshakes.countFailure(.other)
            return nil
        }
        let splitter = HEPFrameSplitter(maxFrameSize: configuration.tcp.maxFrameSize,
                                        maxBufferedBytes: configuration.tcp.maxBufferedBytesPerConnection)
        return TLSStreamConnection(descriptor: descriptor, peer: peer, session: session, splitter: splitter, now: now)
    }

    func deadline(of connection: TLSStreamConnection) -> (time: Double, reason: Closing)? {
        if connection.established {
            return connection.state.deadline(configuration.tcp).map { ($0.time, .tcp($0.reason)) }
        }
        let failure = TLSFailure(reason: .timeout, detail: "handshake not finished within \(configuration.handshakeTimeoutSeconds) s")
        return (connection.state.connectedAt + max(0.001, configuration.handshakeTimeoutSeconds), .handshake(failure))
    }

    func close(_ connection: TLSStreamConnection, _ reason: Closing, open: Int, now: Double, logs: inout Logs) {
        switch reason {
        case .tcp(let reason):
            if reason != .peerClosed && reason != .readError { connection.session.shutdown() }
            countClose(reason, peer: connection.peer, open: open, now: now, events: &logs.events)
        case .handshake(let failure):
            handshakes.countFailure(failure.reason)
            logs.failures.record(connection.peer.address, now: now,
                                 detail: "reason=\(failure.reason.rawValue) last_port=\(connection.peer.port) detail=\"\(failure.detail)\"")
        }
        Glibc.close(connection.descriptor)
    }

    func evict(_ connection: TLSStreamConnection, open: Int, now: Double, logs: inout Logs) {
        if connection.established {
            close(connection, .tcp(.evicted), open: open, now: now, logs: &logs)
        } else {
            let failure = TLSFailure(reason: .timeout, detail: "evicted by a new connection before finishing the handshake")
            connections.countClose(.evicted)
            close(connection, .handshake(failure), open: open, now: now, logs: &logs)
        }
    }

    /// Moves the handshake on, or reads what is available; why to close the connection, or nil.
    func advance(
        _ connection: inout TLSStreamConnection, buffer: UnsafeMutableRawBufferPointer, now: CaptureTimestamp,
        monotonic: Double, into batch: inout [ReceivedDatagram]
    ) -> Closing? {
        connection.moreToRead = false
        connection.wantsWrite = false
        if !connection.established {
            switch connection.session.handshake() {
            case .done:
                connection.established = true
                handshakes.completed.add(1, ordering: .relaxed)
            case .wantRead: return nil
            case .wantWrite:
                connection.wantsWrite = true
                return nil
            case .closed:
                return .handshake(TLSFailure(reason: .peerClosed, detail: "connection closed during the handshake"))
            case .failed(let failure):
                return .handshake(failure)
            }
        }
        return read(connection, buffer: buffer, now: now, monotonic: monotonic, into: &batch)
    }

    /// Reads up to `readsPerRound` times from the established session into the frame splitter.
    private func read(
        _ connection: TLSStreamConnection, buffer: UnsafeMutableRawBufferPointer, now: CaptureTimestamp,
        monotonic: Double, into batch: inout [ReceivedDatagram]
    ) -> Closing? {
        let net = NetInfo(source: connection.peer, destination: localEndpoint, transport: .tls)
        var frames = 0
        var reads = 0
        defer {
            connection.state.didRead(frames: frames, buffered: connection.splitter.bufferedByteCount, now: monotonic)
        }
        while true {
            if reads == configuration.readsPerRound {
                connection.moreToRead = true
                return nil
            }
            reads += 1
            switch connection.session.read(into: buffer) {
            case .done(let count):
                guard splitFrames(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), &connection.splitter,
                                  net: net, now: now, frames: &frames, into: &batch)
                else { return .tcp(.badFrame) }
            case .wantRead:
                return nil
            case .wantWrite:
                connection.wantsWrite = true
                return nil
            case .closed:
                return .tcp(.peerClosed)
            case .failed:
                return .tcp(.readError)
            }
        }
    }
}
