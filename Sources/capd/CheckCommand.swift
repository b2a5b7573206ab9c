import ArgumentParser
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// `capd check [-c] FILE [--bpf] [--tree]`: exit 0 valid (warnings allowed), 1 invalid, 2 usage.
/// Arguments are parsed here (not by ArgumentParser's validator) so that usage errors exit with 2.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse, validate and compile a configuration file.",
        discussion: """
            Usage: capd check [-c] FILE [--bpf] [--tree]
            Prints errors and warnings as FILE:LINE:COL: error: message (with the line and a caret).
            --bpf  print the generated raw-capture filter (and prove that libpcap compiles it)
            --tree print the compiled decision tree
            Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error.
            """
    )

    @Argument(parsing: .captureForPassthrough, help: "[-c] FILE [--bpf] [--tree]")
    var arguments: [String] = []

    func run() throws {
        var file: String?
        var bpf = false, tree = false
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--bpf": bpf = true
            case "--tree": tree = true
            case "-c", "--config":
                guard let value = iterator.next(), file == nil else { throw usage("-c needs exactly one FILE") }
                file = value
            case "-h", "--help":
                print(CheckCommand.helpMessage())
                return
            default:
                if argument.hasPrefix("-") && argument != "-" { throw usage("unknown option '\(argument)'") }
                guard file == nil else { throw usage("only one FILE may be checked") }
                file = argument
            }
        }
        guard let file else { throw usage("missing FILE") }

        let result = ConfigLoader.load(path: file)
        if !result.diagnostics.isEmpty { printError(result.rendered) }
        guard let config = result.config else {
            printError("\(file): \(result.errors.count) error(s), \(result.warnings.count) warning(s)")
            throw ExitCode(1)
        }
        if tree { print(config.program.treeDescription) }
        if bpf {
            let expression = BPFGenerator.expression(for: config)
            if let problem = BPFGenerator.compileError(expression) {
                printError("\(file): generated BPF filter does not compile: \(problem)\n\(expression)")
                throw ExitCode(1)
            }
            print(expression)
        }
        if !tree && !bpf { print("\(file): OK" + (result.warnings.isEmpty ? "" : " (\(result.warnings.count) warning(s))")) }
    }

    private func usage(_ message: String) -> ExitCode {
        printError("capd check: \(message)\nusage: capd check [-c] FILE [--bpf] [--tree]")
        return ExitCode(2)
    }

    private func printError(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
