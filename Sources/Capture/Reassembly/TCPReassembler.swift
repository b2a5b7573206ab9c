import HEP

/// One direction of a TCP connection.
struct FlowKey: Hashable {
    var source: IPAddress
    var destination: IPAddress
    var sourcePort: UInt16
    var destinationPort: UInt16
}

struct TCPSegment {
    var sequence: UInt32
    var flags: UInt8
    var payload: UnsafeRawBufferPointer

    static let fin: UInt8 = 0x01
    static let syn: UInt8 = 0x02
    static let rst: UInt8 = 0x04
}

/// Orders TCP segments per direction (retransmissions dropped, out-of-order held within bounds) and feeds
/// the bytes to a `SIPStreamFramer`.
struct TCPReassembler {
    private struct Direction {
        var nextSequence: UInt32?
        var pending: [(sequence: UInt32, bytes: [UInt8])] = []
        var pendingBytes = 0
        var framer: SIPStreamFramer
        var lastSeen: Int
        var finished = false
        var heldBytes: Int { pendingBytes + framer.bufferedBytes }
    }

    /// How long a direction that ended with FIN is remembered (to drop late retransmissions).
    static let closedTimeoutSeconds = 10

    let limits: StreamLimits
    private var directions: [FlowKey: Direction] = [:]
    private var heldBytes = 0
    private var lastSweep = Int.min

    init(limits: StreamLimits) { self.limits = limits }

    var flowCount: Int { directions.count }
    var bufferedBytes: Int { heldBytes }

    mutating func add(
        _ segment: TCPSegment, key: FlowKey, now: Int, stats: inout CaptureStats, emit: (StreamMessage) -> Void
    ) {
        stats.tcp.segments += 1
        expire(now: now, stats: &stats)
        if segment.flags & TCPSegment.rst != 0 {
            remove(key)
            return
        }
        guard heldBytes + segment.payload.count <= limits.maxTotalBytes else {
            stats.tcp.droppedOverLimit += 1
            return
        }
        var direction: Direction
        if let existing = directions.removeValue(forKey: key) {
            direction = existing
            heldBytes -= existing.heldBytes
        } else {
            if segment.payload.isEmpty && segment.flags & TCPSegment.syn == 0 { return }
            guard directions.count < limits.maxFlows else {
                stats.tcp.droppedOverLimit += 1
                return
            }
            direction = Direction(framer: SIPStreamFramer(limits: limits), lastSeen: now)
        }
        direction.lastSeen = now
        process(segment, &direction, stats: &stats, emit: emit)
        if segment.flags & TCPSegment.fin != 0 && direction.pending.isEmpty {
            // Keep the sequence state briefly so late retransmissions are recognised; free the bytes.
            direction.finished = true
            direction.framer.resynchronise()
        }
        heldBytes += direction.heldBytes
        directions[key] = direction
    }

    private mutating func process(
        _ segment: TCPSegment, _ direction: inout Direction, stats: inout CaptureStats, emit: (StreamMessage) -> Void
    ) {
        var sequence = segment.sequence
        if segment.flags & TCPSegment.syn != 0 {
            sequence &+= 1
            if direction.nextSequence != sequence {
                direction.nextSequence = sequence
                direction.pending = []
                direction.pendingBytes = 0
                direction.framer.resynchronise()
            }
        }
        var payload = segment.payload
        guard !payload.isEmpty else { return }
        guard let expected = direction.nextSequence else {
            // Picked up mid-stream: start here.
            direction.nextSequence = sequence &+ UInt32(truncatingIfNeeded: payload.count)
            direction.framer.append(payload, stats: &stats, emit: emit)
            return
        }
        let offset = Int(Int32(bitPattern: sequence &- expected))
        if offset < 0 {
            let overlap = -offset
            guard overlap < payload.count else {
                stats.tcp.retransmitted += 1
                stats.ignored.add(.tcpRetransmission)
                return
            }
            payload = UnsafeRawBufferPointer(rebasing: payload[overlap...])
            sequence = expected
        } else if offset > 0 {
            stats.tcp.outOfOrder += 1
            guard heldBytes + direction.heldBytes + payload.count <= limits.maxTotalBytes else {
                stats.tcp.droppedOverLimit += 1
                return
            }
            if !direction.pending.contains(where: { $0.sequence == sequence }) {
                direction.pending.append((sequence, Array(payload)))
                direction.pendingBytes += payload.count
            }
            if direction.pending.count > limits.maxPendingSegments
                || direction.pendingBytes > limits.maxMessageSize {
                skipHole(&direction, stats: &stats, emit: emit)
            }
            return
        }
        direction.nextSequence = sequence &+ UInt32(truncatingIfNeeded: payload.count)
        direction.framer.append(payload, stats: &stats, emit: emit)
        deliverPending(&direction, stats: &stats, emit: emit)
    }

    /// Delivers held segments that now continue the stream.
    private func deliverPending(_ direction: inout Direction, stats: inout CaptureStats, emit: (StreamMessage) -> Void) {
        while let expected = direction.nextSequence, !direction.pending.isEmpty {
            var progressed = false
            var index = 0
            while index < direction.pending.count {
                let piece = direction.pending[index]
                let offset = Int(Int32(bitPattern: piece.sequence &- expected))
                if offset <= 0 {
                    direction.pending.remove(at: index)
                    direction.pendingBytes -= piece.bytes.count
                    let overlap = -offset
                    if overlap < piece.bytes.count {
                        direction.nextSequence = expected &+ UInt32(truncatingIfNeeded: piece.bytes.count - overlap)
                        piece.bytes.withUnsafeBytes { raw in
                            direction.framer.append(UnsafeRawBufferPointer(rebasing: raw[overlap...]), stats: &stats, emit: emit)
                        }
                    } else {
                        stats.tcp.retransmitted += 1
                    }
                    progressed = true
                    break
                }
                index += 1
            }
            if !progressed { return }
        }
    }

    /// Gives up on the missing bytes: continues from the lowest held segment with a fresh framer.
    private func skipHole(_ direction: inout Direction, stats: inout CaptureStats, emit: (StreamMessage) -> Void) {
        guard let expected = direction.nextSequence,
              let lowest = direction.pending.min(by: {
                  Int32(bitPattern: $0.sequence &- expected) < Int32(bitPattern: $1.sequence &- expected)
              })
        else { return }
        stats.tcp.gaps += 1
        direction.framer.resynchronise()
        direction.nextSequence = lowest.sequence
        deliverPending(&direction, stats: &stats, emit: emit)
    }

    private mutating func remove(_ key: FlowKey) {
        if let existing = directions.removeValue(forKey: key) { heldBytes -= existing.heldBytes }
    }

    /// Forgets directions idle for longer than the timeout (swept at most once per capture second).
    mutating func expire(now: Int, stats: inout CaptureStats) {
        guard now != lastSweep, !directions.isEmpty else { return }
        lastSweep = now
        let closedTimeout = min(limits.idleTimeoutSeconds, Self.closedTimeoutSeconds)
        for (key, direction) in directions
        where now - direction.lastSeen > (direction.finished ? closedTimeout : limits.idleTimeoutSeconds) {
            if !direction.pending.isEmpty { stats.tcp.gaps += 1 }
            remove(key)
            stats.tcp.flowsExpired += 1
        }
    }
}
