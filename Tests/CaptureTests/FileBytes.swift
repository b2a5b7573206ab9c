#if canImport(Glibc)
import Glibc
#endif

struct FileBytes {
    struct ReadError: Error { var path: String }
    let bytes: [UInt8]

    init(path: String) throws {
        guard let file = fopen(path, "rb") else { throw ReadError(path: path) }
        defer { fclose(file) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            result += chunk[0..<count]
        }
        bytes = result
    }
}

struct FileWriterForTest {
    struct WriteError: Error { var path: String }
    let path: String
    init(path: String) throws { self.path = path }
    func write(_ bytes: [UInt8]) throws {
        guard let file = fopen(path, "wb") else { throw WriteError(path: path) }
        defer { fclose(file) }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw WriteError(path: path) }
    }
}
