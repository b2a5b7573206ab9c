import Foundation
import Glibc
import Synchronization
import Testing
@testable import capd

@Suite("Admin endpoint stops cleanly while clients keep connecting", .serialized)
struct AdminServerStopTests {
    /// Stopping cancelled the server task while connections kept arriving: NIO then dropped an accepted
    /// connection's async channel unserved and trapped ("Deinited NIOAsyncWriter without calling finish()"),
    /// taking the whole process down. `stop()` now closes the listening channel first.
    @Test("15 stops, each under a stream of new connections: the process survives and the port is released")
    func stopUnderConnectionStorm() throws {
        for _ in 0..<15 {
            let fixture = try AdminFixture()
            let port = fixture.address.port
            let stopFlag = Atomic<Bool>(false)
            let connects = Atomic<Int>(0)
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                let deadline = Date().addingTimeInterval(5)
                while !stopFlag.load(ordering: .relaxed), Date() < deadline {
                    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                    var address = sockaddr_in()
                    address.sin_family = sa_family_t(AF_INET)
                    address.sin_port = port.bigEndian
                    address.sin_addr.s_addr = inet_addr("127.0.0.1")
                    let rc = withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                    if rc == 0 { connects.add(1, ordering: .relaxed) }
                    close(fd)
                }
                done.signal()
            }
            thread.start()
            while connects.load(ordering: .relaxed) < 20 { usleep(500) }
            fixture.server.stop()
            stopFlag.store(true, ordering: .relaxed)
            #expect(done.wait(timeout: .now() + 10) == .success)
            #expect(fixture.server.boundAddress == nil)
        }
    }
}
