// capd-bench SUITE [ARGS...]: runs one benchmark suite; `make bench` runs them all.
import Foundation
let suites: [(name: String, run: ([String]) throws -> Void)] = [
    ("hep", hepBench), ("rules", rulesBench), ("store", storeBench), ("capture", captureBench),
    ("blast", blastBench), ("sqlite-ceiling", sqliteCeilingBench),
    ("metrics", metricsBench),
]
let arguments = Array(CommandLine.arguments.dropFirst())
let wanted = arguments.first ?? "all"
var ran = false
for suite in suites where (wanted == "all" && suite.name != "blast" && suite.name != "sqlite-ceiling") || wanted == suite.name {
    do {
        try suite.run(Array(arguments.dropFirst()))
    } catch {
        // A bad command line or a run that cannot be measured: say why and exit 2 (a trap is not an answer).
        FileHandle.standardError.write(Data("capd-bench \(suite.name): \(error)\n".utf8))
        exit(2)
    }
    ran = true
}
if !ran {
    print("usage: capd-bench [all|" + suites.map(\.name).joined(separator: "|") + "] [ARGS...]")
}
