#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Service
import Synchronization

/// Why signal handling could not be set up.
enum SignalWatcherError: Error, Equatable, Sendable, CustomStringConvertible {
    case pipeFailed(errno: Int32)
    case sigactionFailed(signal: Int32, errno: Int32)
    case threadFailed(ServiceThreadError)

    var description: String {
        switch self {
        case .pipeFailed(let code): return "cannot create the signal pipe: \(String(cString: strerror(code)))"
        case .sigactionFailed(let signal, let code):
            return "cannot install a handler for signal \(signal): \(String(cString: strerror(code)))"
        case .threadFailed(let error): return "cannot start the signal thread: \(error)"
        }
    }
}

/// Turns POSIX signals into ordinary callbacks on a dedicated thread (the self-pipe pattern): the C-level
/// handler only writes the signal number to a non-blocking pipe, which is async-signal-safe; a thread reads
/// the pipe and runs the Swift callback. The watcher thread unblocks every signal, so process-directed
/// signals (`kill`, the operator's SIGHUP/SIGTERM) are taken even when all other threads block them, as
/// dispatch worker threads do. Signals are process-wide, so there is one watcher; its service thread
/// (`capd-signals`) lives as long as the process, asleep in `read` on the pipe (the pipe is its wake-up).
final class SignalWatcher: Sendable {
    static let shared = SignalWatcher()

    private struct State: @unchecked Sendable {      // sigaction holds a C function pointer union
        var started = false
        var readFD: Int32 = -1
        var handlers: [Int32: @Sendable (Int32) -> Void] = [:]
        var previous: [Int32: sigaction] = [:]
    }

    private let state = Mutex<State>(State())
    private let service = ServiceThread(name: "capd-signals")

    private init() {}

    /// Calls `handler` (on the watcher thread) each time `signal` arrives, replacing any earlier handler
    /// for it.
    func install(_ signal: Int32, handler: @escaping @Sendable (Int32) -> Void) throws(SignalWatcherError) {
        let result: Result<Void, SignalWatcherError> = state.withLock { state in
            if !state.started {
                var fds: [Int32] = [-1, -1]
                guard pipe(&fds) == 0 else { return .failure(.pipeFailed(errno: errno)) }
                for fd in fds {
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                }
                _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
                let readFD = fds[0]
                do throws(ServiceThreadError) {
                    try service.start { [self] in self.readLoop(readFD) }
                } catch {
                    close(fds[0])
                    close(fds[1])
                    return .failure(.threadFailed(error))
                }
                signalPipeWriteFD = fds[1]
                state.readFD = readFD
                state.started = true
            }
            state.handlers[signal] = handler
            if state.previous[signal] == nil {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = capdSignalHandler
                sigemptyset(&action.sa_mask)
                action.sa_flags = SA_RESTART
                var old = sigaction()
                guard sigaction(signal, &action, &old) == 0 else {
                    state.handlers[signal] = nil
                    return .failure(.sigactionFailed(signal: signal, errno: errno))
                }
                state.previous[signal] = old
            }
            return .success(())
        }
        if case .failure(let error) = result { throw error }
    }

    /// Stops watching `signal` and restores the disposition it had before `install`.
    func remove(_ signal: Int32) {
        state.withLock { state in
            state.handlers[signal] = nil
            if var old = state.previous.removeValue(forKey: signal) {
                _ = sigaction(signal, &old, nil)
            }
        }
    }

    private func readLoop(_ fd: Int32) {
        // Threads inherit the creator's signal mask, and dispatch worker threads block nearly every signal.
        // Unblock them here so a process-directed signal always has a thread that takes it.
        var all = sigset_t()
        sigfillset(&all)
        _ = pthread_sigmask(SIG_UNBLOCK, &all, nil)
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n == 1 {
                let signal = Int32(byte)
                let handler = state.withLock { $0.handlers[signal] }
                handler?(signal)
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}

/// Write end of the signal pipe; set once before any handler is installed, then only read by the handler.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

private func capdSignalHandler(_ signal: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriteFD, &byte, 1)
    errno = saved
}
