import Foundation
import Testing
import TestSupport

/// The test helpers' children must not inherit this process's descriptors: SwiftNIO's listening sockets are not
/// close-on-exec, and a server a test starts would keep another test's stopped port open.
struct SpawnTests {
    @Test func childrenGetOnlyTheStandardDescriptors() throws {
        let fd = open("/dev/null", O_RDONLY)   // no O_CLOEXEC, as NIO's sockets
        #expect(fd > 2)
        defer { close(fd) }
        let result = try spawnAndWait("/bin/sh", ["-c", "ls /proc/$$/fd"])
        let inherited = Set(result.stdout.split(separator: "\n").compactMap { Int32($0) })
        #expect(!inherited.contains(fd), "the child has fd \(fd): \(inherited.sorted())")
        #expect(inherited.isSuperset(of: [0, 1, 2]))
    }
}
