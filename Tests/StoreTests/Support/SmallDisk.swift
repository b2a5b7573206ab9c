import Foundation
import TestSupport
import Glibc

/// A tmpfs of a few megabytes mounted for one test (needs root, or CAP_SYS_ADMIN): a disk that really fills.
struct SmallDisk {
    let path: String

    /// Whether this process may mount a tmpfs (checked once by mounting and unmounting one).
    static let available: Bool = {
        guard let probe = try? TestDirectories.fresh("tmpfs-probe") else { return false }
        guard run(["/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]) else { return false }
        _ = run(["/bin/umount", probe])
        return true
    }()

    init(_ name: String, size: String = "2m") throws {
        path = try TestDirectories.fresh(name)
        guard Self.run(["/bin/mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path]) else {
            throw TestFailure("mount -t tmpfs at \(path) failed")
        }
    }

    func unmount() { _ = Self.run(["/bin/umount", "-l", path]) }

    /// Free bytes on the disk now.
    var free: Int {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return -1 }
        return Int(st.f_bavail) * Int(st.f_frsize)
    }

    /// Fills the disk with a file until at most `leaving` bytes are free.
    func fill(leaving: Int) {
        let fd = open(path + "/filler", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        while free > leaving {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
        }
    }

    /// Frees the space the filler took.
    func empty() { unlink(path + "/filler") }

    @discardableResult
    static func run(_ words: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: words[0])
        process.arguments = Array(words.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        let exitStatus = process.waitUntilExitReliably()
        return exitStatus == 0
    }
}

/// CPU seconds used so far by this process's threads whose name ends with `suffix` (from /proc).
func threadCPUSeconds(suffix: String) -> Double? {
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return nil }
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    var total = 0.0
    var found = false
    for task in tasks {
        guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
              comm.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(suffix),
              let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: state is field 3 of the full line, utime 14 and stime 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
        total += (user + system) / ticks
        found = true
    }
    return found ? total : nil
}
