// libFuzzer target: random bytes as a configuration file through the loader, validator, compiler, BPF
// generator and diagnostic renderer. Built by scripts/fuzz-rules.sh with the Rules sources compiled in.
import HEP
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func rulesConfigFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // A path whose includes cannot resolve to real files.
    // IP literals only: the fuzzer must not send DNS queries for the host names it invents.
    let result = ConfigLoader.load(text: text, path: "/nonexistent-capd-fuzz/config.yaml", resolver: .numericOnly)
    _ = result.rendered
    if let config = result.config {
        _ = config.program.treeDescription
        let expression = BPFGenerator.expression(for: config)
        if BPFGenerator.compileError(expression) != nil {
            fatalError("generated BPF does not compile: \(expression)")
        }
        // Evaluate every route once on an empty packet (absent fields) to exercise the tree.
        var scratch = config.program.makeScratch()
        for route in config.program.routes.indices {
            var subject = FuzzSubject()
            var executor = FuzzExecutor()
            let a = config.program.evaluate(route: route, subject: &subject, executor: &executor, scratch: &scratch)
            var subject2 = FuzzSubject()
            var executor2 = FuzzExecutor()
            let b = config.program.evaluateLinear(route: route, subject: &subject2, executor: &executor2)
            if a != b || executor.count != executor2.count { fatalError("tree and linear interpreter disagree") }
        }
    }
    return 0
}

struct FuzzSubject: RuleSubject {
    func bytes(_ field: Field) -> ArraySlice<UInt8>? { field == .sipMethod ? Array("INVITE".utf8)[...] : nil }
    func integer(_ field: Field) -> Int? { field == .srcPort ? 5060 : nil }
    func ip(_ field: Field) -> IPAddress? { field == .srcIP ? IPAddress(ipv4: 0x0A00_0001) : nil }
}

struct FuzzExecutor: RuleExecutor {
    var count = 0
    mutating func ruleMatched(_ rule: RuleRef) { count += 1 }
    mutating func perform(_ action: RuleAction, rule: RuleRef, subject: inout FuzzSubject) -> Bool {
        count += 1
        return true
    }
}
