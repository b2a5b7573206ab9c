#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The one shape of every long-running loop in capd: a named, joinable POSIX thread with a stop flag and a
/// wake-up. The loop runs `while !isStopping { ...; waitForWake(timeout:) }` (a loop with a timer), or polls
/// `wakeDescriptor.readEnd` next to its sockets (a loop that sleeps in `poll`); producers call `wake()` when
/// there is work; `stop()` sets the flag and wakes the loop, so a stop never waits out a timer or a receive
/// timeout. `join` waits for the loop to end, once, optionally bounded.
///
///     let service = ServiceThread(name: "relay-9060")
///     try service.start { [self] in while !service.isStopping { ...; service.waitForWake(timeout: .seconds(1)) } }
///     service.wake()            // from producers
///     service.stop(); service.join()
public final class ServiceThread: Sendable {
    /// What `join` found.
    public enum JoinOutcome: Equatable, Sendable {
        /// The loop has ended (now, or at an earlier join).
        case ended
        /// A bounded join gave up while the loop still ran; a later join may still end it.
        case timedOut
        /// `start` was never called (or refused): there is nothing to wait for.
        case notStarted
    }

    private enum Lifecycle {
        case idle
        case running(pthread_t)
        /// The handle was joined or detached; `ended` says when the body has returned.
        case released
    }

    /// The thread's name as `top -H` and `/proc/PID/task/*/comm` show it (the kernel keeps 15 bytes).
    public let name: String
    /// Loops that sleep in `poll`: poll `readEnd` too; `wake` and `stop` make it readable.
    public let wakeDescriptor: WakeDescriptor?
    private let stackBytes: Int?
    private let wakeSignal = WakeSignal()
    private let endSignal = WakeSignal()
    private let stopping = Atomic<Bool>(false)
    private let lifecycle = Mutex<Lifecycle>(.idle)

    /// A thread not yet started. `stackBytes` nil keeps the system's default stack size.
    public init(name: String, wakeDescriptor: WakeDescriptor? = nil, stackBytes: Int? = nil) {
        self.name = name
        self.wakeDescriptor = wakeDescriptor
        self.stackBytes = stackBytes
    }

    deinit {
        // Never joined: let the system reclaim the thread when it ends. (While it runs, the thread itself
        // holds this object, so this only happens once the body has returned, or when it never started.)
        if case .running(let handle) = lifecycle.withLock({ $0 }) { pthread_detach(handle) }
    }

    /// Starts the thread running `body`, once: returns false (and runs nothing) when it was started before or
    /// was stopped first. Throws when the system refuses the thread (a later `start` may try again).
    @discardableResult
    public func start(_ body: @escaping @Sendable () -> Void) throws(ServiceThreadError) -> Bool {
        var refusal: Int32 = 0
        let started = lifecycle.withLock { state -> Bool in
            guard case .idle = state, !isStopping else { return false }
            let context = Unmanaged.passRetained(Launch(service: self, body: body)).toOpaque()
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            if let stackBytes { _ = pthread_attr_setstacksize(&attributes, stackBytes) }
            var handle = pthread_t()
            let status = pthread_create(&handle, &attributes, { context in
                guard let context else { return nil }
                Unmanaged<Launch>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, context)
            guard status == 0 else {
                Unmanaged<Launch>.fromOpaque(context).release()
                refusal = status   // stays idle: a later start may succeed
                return false
            }
            state = .running(handle)
            return true
        }
        if refusal != 0 { throw .cannotStart(name: name, errno: refusal) }
        return started
    }

    /// True once `stop` was called; the loop checks it at the top of every round.
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// True once the body has returned.
    public var hasEnded: Bool { endSignal.isLatched }

    /// Wakes the loop: its `waitForWake` returns (or the next one does), its poll sees `wakeDescriptor`.
    public func wake() {
        wakeSignal.signal()
        wakeDescriptor?.notify()
    }

    /// The loop's sleep: returns true when woken (`wake`, `stop`), false when `timeout` passed first; nil
    /// sleeps until woken. Takes the pending wake-up.
    @discardableResult
    public func waitForWake(timeout: Duration? = nil) -> Bool {
        if isStopping { return true }
        return wakeSignal.wait(timeout: timeout)
    }

    /// As `waitForWake(timeout:)`, up to a point in time.
    @discardableResult
    public func waitForWake(until deadline: ContinuousClock.Instant) -> Bool {
        if isStopping { return true }
        return wakeSignal.wait(until: deadline)
    }

    /// A poll loop woken through `wakeDescriptor`: forgets the wake-up, so that the next poll sleeps.
    public func clearWake() {
        wakeDescriptor?.drain()
        wakeSignal.clear()
    }

    /// Asks the loop to end and wakes it; returns at once (see `join`).
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wakeSignal.latch()
        wakeDescriptor?.notify()
    }

    /// Waits until the loop has ended: without `timeout` for as long as it takes; with one, at most that long
    /// (`.timedOut` if the loop still runs). Safe to call more than once and from several threads; a thread
    /// joining itself does not wait.
    @discardableResult
    public func join(timeout: Duration? = nil) -> JoinOutcome {
        enum Step { case none, reap(pthread_t), awaitEnd, ownThread }
        let step = lifecycle.withLock { state -> Step in
            switch state {
            case .idle: return .none
            case .released: return .awaitEnd
            case .running(let handle):
                if pthread_equal(handle, pthread_self()) != 0 {
                    pthread_detach(handle)
                    state = .released
                    return .ownThread
                }
                // A bounded join only takes the handle once the body has returned (pthread_join cannot give up).
                if timeout != nil && !endSignal.isLatched { return .awaitEnd }
                state = .released
                return .reap(handle)
            }
        }
        switch step {
        case .none: return .notStarted
        case .ownThread: return .ended
        case .reap(let handle):
            pthread_join(handle, nil)
            return .ended
        case .awaitEnd:
            guard let timeout else {
                endSignal.wait()
                return .ended
            }
            guard endSignal.wait(timeout: timeout) else { return .timedOut }
            // Ended: reap the thread if nobody has (the handle is still ours when the wait was bounded).
            return join()
        }
    }

    /// `stop`, then `join`.
    @discardableResult
    public func stopAndJoin(timeout: Duration? = nil) -> JoinOutcome {
        stop()
        return join(timeout: timeout)
    }

    fileprivate func bodyEnded() { endSignal.latch() }
}

/// What a new thread runs: names itself, runs the body, says it ended. Holds the service while it runs.
private final class Launch {
    let service: ServiceThread
    let body: @Sendable () -> Void

    init(service: ServiceThread, body: @escaping @Sendable () -> Void) {
        self.service = service
        self.body = body
    }

    func run() {
        ThreadName.setCurrent(service.name)
        body()
        service.bodyEnded()
    }
}

/// Names the calling thread (`/proc/thread-self/comm`, at most 15 bytes; Glibc's module leaves out
/// pthread_setname_np).
public enum ThreadName {
    public static func setCurrent(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}
