#if canImport(Glibc)
import Glibc
import HEP
#endif

extension StreamListenerCore {
    /// The listener thread: sleeps in `poll` until a socket is ready, the next deadline is due, or `stop`
    /// wakes it; then advances the ready connections, closes the finished and overdue ones, accepts, and hands
    /// the round's frames to `consumer`. Closes every connection when stopped.
    func run<Driver: StreamListenerDriver>(
        _ driver: Driver, logs: Driver.Logs, consumer: @Sendable ([ReceivedDatagram]) -> Void
    ) {
        var logs = logs
        var connections: [Driver.Connection] = []
        var pollSet: [pollfd] = []
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer {
            readBuffer.deallocate()
            for connection in connections { close(connection.descriptor) }
            driver.counters.connectionsOpen.store(0, ordering: .relaxed)
        }
        while !isStopping {
            pollSet.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0))
            pollSet.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0))
            var nextDeadline = Double.infinity
            for connection in connections {
                pollSet.append(pollfd(fd: connection.descriptor, events: connection.pollEvents, revents: 0))
                if connection.hasPendingInput { nextDeadline = 0 }
                if let deadline = driver.deadline(of: connection) { nextDeadline = min(nextDeadline, deadline.time) }
            }
            let timeout: Int32 = nextDeadline.isFinite
                ? Int32(clamping: Int(max(0, (nextDeadline - Clock.monotonicSeconds()) * 1_000).rounded(.up)))
                : -1
            let ready = poll(&pollSet, nfds_t(pollSet.count), timeout)
            if ready < 0 { continue }   // EINTR
            if pollSet[0].revents != 0 {   // woken by stop
                service.clearWake()
                continue
            }
            let now = Clock.now()
            let monotonic = Clock.monotonicSeconds()
            var batch: [ReceivedDatagram] = []
            var closing: [(index: Int, reason: Driver.Closing)] = []
            for index in 2..<pollSet.count {
                let connectionIndex = index - 2
                if pollSet[index].revents != 0 || connections[connectionIndex].hasPendingInput,
                   let reason = driver.advance(&connections[connectionIndex], buffer: readBuffer, now: now,
                                               monotonic: monotonic, into: &batch) {
                    closing.append((connectionIndex, reason))
                } else if let deadline = driver.deadline(of: connections[connectionIndex]), deadline.time <= monotonic {
                    closing.append((connectionIndex, deadline.reason))
                }
            }
            for (index, reason) in closing.reversed() {
                let connection = connections.remove(at: index)
                // Counted before the close: whoever sees the connection closed also sees it counted.
                driver.close(connection, reason, open: connections.count, now: monotonic, logs: &logs)
            }
            if pollSet[1].revents != 0 { acceptAll(&connections, driver, monotonic: monotonic, logs: &logs) }
            driver.counters.connectionsOpen.store(connections.count, ordering: .relaxed)
            if !batch.isEmpty {
                driver.counters.batches.add(1, ordering: .relaxed)
                consumer(batch)
            }
        }
    }

    private func acceptAll<Driver: StreamListenerDriver>(
        _ connections: inout [Driver.Connection], _ driver: Driver, monotonic: Double, logs: inout Driver.Logs
    ) {
        let limit = max(1, driver.tcpConfiguration.maxConnections)
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
            let peer = SocketEndpoint(&storage) ?? SocketEndpoint(address: .unspecifiedIPv4, port: 0)
            if connections.count >= limit {
                guard let victim = evictionCandidate(connections, driver.tcpConfiguration, now: monotonic) else {
                    driver.counters.connectionsRefused.add(1, ordering: .relaxed)
                    close(client)
                    logs.events.record("refused", now: monotonic, detail: "last_peer=\(peer) open=\(connections.count)")
                    continue
                }
                let evicted = connections.remove(at: victim)
                driver.evict(evicted, open: connections.count, now: monotonic, logs: &logs)
            }
            Socket.setOption(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            guard let connection = driver.open(client, peer: peer, now: monotonic) else { continue }
            connections.append(connection)
            driver.counters.connectionsAccepted.add(1, ordering: .relaxed)
        }
    }

    /// The connection a newcomer may replace, or nil when every open connection is delivering frames.
    /// Connections that never delivered a frame (unfinished TLS handshakes among them) go first.
    private func evictionCandidate<Connection: StreamConnection>(
        _ connections: [Connection], _ configuration: TCPListenerConfiguration, now: Double
    ) -> Int? {
        var best: Int?
        for index in connections.indices where connections[index].state.isEvictable(now: now, configuration) {
            if let current = best, !connections[index].state.evictsBefore(connections[current].state) { continue }
            best = index
        }
        return best
    }
}
