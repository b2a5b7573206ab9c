import Dispatch

/// Runs the admin server's tasks on Dispatch threads instead of Swift's cooperative pool.
///
/// The cooperative pool has one thread per core (two here), and the daemon's callers — and Swift
/// Testing's synchronous tests — block threads of it while they wait for `AdminServer.start()`. With the
/// server's own tasks on that pool, start-up could wait for a thread that is busy waiting for it. A
/// Dispatch queue grows when its threads block, so the admin plane never depends on the pool.
@available(macOS 15.0, *)
final class AdminTaskExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "capd.admin", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        queue.async { unowned.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
