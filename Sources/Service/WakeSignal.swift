#if canImport(Glibc)
import Glibc
#endif

/// A wake-up a thread sleeps on, with an optional deadline: a POSIX condition variable on the monotonic clock
/// and a pending flag, so a `signal` sent before the sleeper arrives is not lost. One pending wake-up at a
/// time (signals before a wait collapse into one); `latch` opens it for good (every wait, now and later,
/// returns at once).
public final class WakeSignal: @unchecked Sendable {
    // The mutex and the condition need stable addresses; both guard `pending` and `latched`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var pending = false
    private var latched = false

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Wakes the sleeper, or the next one to wait when none sleeps now.
    public func signal() {
        pthread_mutex_lock(mutex)
        pending = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Wakes every sleeper, and every later wait returns at once.
    public func latch() {
        pthread_mutex_lock(mutex)
        latched = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// True once `latch` was called.
    public var isLatched: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return latched
    }

    /// Sleeps until signalled (true) or until `timeout` has passed (false); nil sleeps without a deadline.
    /// Takes the pending wake-up.
    @discardableResult
    public func wait(timeout: Duration? = nil) -> Bool {
        wait(deadline: timeout.map { MonotonicTime.now().adding($0) })
    }

    /// Sleeps until signalled (true) or until `deadline` (false).
    @discardableResult
    public func wait(until deadline: ContinuousClock.Instant) -> Bool {
        wait(timeout: ContinuousClock.now.duration(to: deadline))
    }

    /// Forgets a pending wake-up (a loop that noticed its work another way).
    public func clear() {
        pthread_mutex_lock(mutex)
        pending = false
        pthread_mutex_unlock(mutex)
    }

    private func wait(deadline: timespec?) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !pending && !latched {
            if var deadline {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        let woken = pending || latched
        pending = false
        return woken
    }
}

/// CLOCK_MONOTONIC, the clock the condition variables wait on.
enum MonotonicTime {
    static func now() -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now
    }
}

extension timespec {
    /// This time plus `duration` (negative durations count as zero).
    func adding(_ duration: Duration) -> timespec {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return self }
        let capped = min(seconds, Int64(Int32.max))   // "no deadline" in practice, without overflow
        var result = self
        result.tv_sec += Int(capped)
        result.tv_nsec += Int(attoseconds / 1_000_000_000)
        if result.tv_nsec >= 1_000_000_000 {
            result.tv_sec += 1
            result.tv_nsec -= 1_000_000_000
        }
        return result
    }
}
