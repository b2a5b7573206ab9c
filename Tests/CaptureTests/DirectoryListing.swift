#if canImport(Glibc)
import Glibc
#endif

struct DirectoryError: Error { var path: String }

/// File names in a directory (no Foundation in the test target).
func directoryListing(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else { throw DirectoryError(path: path) }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}
