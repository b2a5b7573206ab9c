#if canImport(Glibc)
import Glibc
#endif
import HEP
import Synchronization

public struct TCPListenerConfiguration: Sendable {
    /// Largest HEPv3 frame accepted; a bigger declared length closes the connection.
    public var maxFrameSize = 65_535
    /// Unread bytes held per connection.
    public var maxBufferedBytesPerConnection = 4 * 65_536
    /// Open connections at once; further ones are accepted and closed at once (counted).
    public var maxConnections = 256
    /// A connection silent for this long is closed (0: never).
    public var idleTimeoutSeconds = 300

    public init() {}
}

/// HEPv3 over TCP: one thread polls the listening socket and every connection, splits each stream into
/// frames (`HEPFrameSplitter`), and hands the frames of one poll round to the consumer. A connection that
/// sends anything but HEPv3 frames within the limits is closed; the others are not disturbed.
public final class HEPTCPListener: Sendable {
    public let localEndpoint: SocketEndpoint
    public let counters = ListenerCounters()
    /// Connections closed per framing error reason (`HEPFramingError.reason`).
    public let closeReasons = Mutex<[String: Int]>([:])
    private let descriptor: Int32
    private let configuration: TCPListenerConfiguration
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<CaptureThread?>(nil)

    public init(endpoint: SocketEndpoint, configuration: TCPListenerConfiguration = .init()) throws(CaptureError) {
        let descriptor = try Socket.make(family: endpoint.socketFamily, type: Int32(SOCK_STREAM.rawValue))
        try Socket.bind(descriptor, to: endpoint)
        guard listen(descriptor, 128) == 0 else {
            let code = errno
            close(descriptor)
            throw .socket(operation: "listen \(endpoint)", errno: code)
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        self.descriptor = descriptor
        self.configuration = configuration
        localEndpoint = SocketEndpoint.local(of: descriptor) ?? endpoint
    }

    deinit { close(descriptor) }

    public func start(_ consumer: @escaping @Sendable ([ReceivedDatagram]) -> Void) throws(CaptureError) {
        let started = try CaptureThread.start { [self] in pollLoop(consumer) }
        thread.withLock { $0 = started }
    }

    /// Stops accepting and reading, closes every connection, returns when the thread has ended.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        let running = thread.withLock { current -> CaptureThread? in
            defer { current = nil }
            return current
        }
        running?.join()
    }

    private struct Connection {
        var descriptor: Int32
        var peer: SocketEndpoint
        var splitter: HEPFrameSplitter
        var lastActivity: Double
    }

    private func pollLoop(_ consumer: @Sendable ([ReceivedDatagram]) -> Void) {
        var connections: [Connection] = []
        var pollSet: [pollfd] = []
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer {
            readBuffer.deallocate()
            for connection in connections { close(connection.descriptor) }
            counters.connectionsOpen.store(0, ordering: .relaxed)
        }
        var lastIdleCheck = Clock.monotonicSeconds()
        while !stopping.load(ordering: .acquiring) {
            pollSet.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
            for connection in connections {
                pollSet.append(pollfd(fd: connection.descriptor, events: Int16(POLLIN), revents: 0))
            }
            let ready = poll(&pollSet, nfds_t(pollSet.count), 100)
            guard ready > 0 else { continue }
            let now = Clock.now()
            let monotonic = Clock.monotonicSeconds()
            var batch: [ReceivedDatagram] = []
            var closing: [Int] = []
            for index in 1..<pollSet.count where pollSet[index].revents != 0 {
                let connectionIndex = index - 1
                if !read(&connections[connectionIndex], buffer: readBuffer, now: now, into: &batch) {
                    closing.append(connectionIndex)
                } else {
                    connections[connectionIndex].lastActivity = monotonic
                }
            }
            if configuration.idleTimeoutSeconds > 0, monotonic - lastIdleCheck > 1 {
                lastIdleCheck = monotonic
                for (index, connection) in connections.enumerated()
                where monotonic - connection.lastActivity > Double(configuration.idleTimeoutSeconds) && !closing.contains(index) {
                    closing.append(index)
                }
            }
            for index in closing.sorted(by: >) {
                close(connections[index].descriptor)
                connections.remove(at: index)
            }
            if pollSet[0].revents != 0 { acceptAll(&connections, monotonic: monotonic) }
            counters.connectionsOpen.store(connections.count, ordering: .relaxed)
            if !batch.isEmpty {
                counters.batches.add(1, ordering: .relaxed)
                consumer(batch)
            }
        }
    }

    private func acceptAll(_ connections: inout [Connection], monotonic: Double) {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(descriptor, $0, &length)
                }
            }
            guard client >= 0 else { return }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            guard connections.count < configuration.maxConnections else {
                counters.connectionsRefused.add(1, ordering: .relaxed)
                close(client)
                continue
            }
            Socket.setOption(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let peer = SocketEndpoint(&storage) ?? SocketEndpoint(address: .unspecifiedIPv4, port: 0)
            connections.append(Connection(
                descriptor: client, peer: peer,
                splitter: HEPFrameSplitter(
                    maxFrameSize: configuration.maxFrameSize,
                    maxBufferedBytes: configuration.maxBufferedBytesPerConnection),
                lastActivity: monotonic))
            counters.connectionsAccepted.add(1, ordering: .relaxed)
        }
    }

    /// Reads what is available; false when the connection must be closed (EOF, error, bad framing).
    private func read(
        _ connection: inout Connection, buffer: UnsafeMutableRawBufferPointer, now: CaptureTimestamp,
        into batch: inout [ReceivedDatagram]
    ) -> Bool {
        let count = recv(connection.descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
        if count == 0 { return false }
        if count < 0 {
            let code = errno
            return code == EAGAIN || code == EWOULDBLOCK || code == EINTR
        }
        let net = NetInfo(source: connection.peer, destination: localEndpoint, transport: .tcp)
        do {
            try connection.splitter.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            while let frame = try connection.splitter.nextFrame() {
                counters.received.add(1, ordering: .relaxed)
                counters.bytes.add(frame.count, ordering: .relaxed)
                batch.append(ReceivedDatagram(bytes: frame, net: net, receivedAt: now))
            }
            return true
        } catch {
            counters.connectionsClosedOnError.add(1, ordering: .relaxed)
            closeReasons.withLock { $0[error.reason, default: 0] += 1 }
            return false
        }
    }
}
