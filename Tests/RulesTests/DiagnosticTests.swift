import Testing
@testable import Rules

/// Each class of problem, with its exact line:column. Configs are written inline; `expectDiagnostic` asserts
/// that a diagnostic with this severity, position and message fragment exists (and, for errors, that the
/// load failed).
@Suite struct DiagnosticTests {
    func load(_ text: String) -> ConfigLoader.Result { ConfigLoader.load(text: text, path: "t.yaml") }

    func expectDiagnostic(_ text: String, _ severity: Diagnostic.Severity, line: Int, column: Int, _ fragment: String,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let result = load(text)
        let hit = result.diagnostics.first { $0.severity == severity && $0.mark.line == line && $0.mark.column == column && $0.message.contains(fragment) }
        #expect(hit != nil, "no \(severity) at \(line):\(column) containing '\(fragment)'; got:\n\(result.rendered)", sourceLocation: sourceLocation)
        if severity == .error { #expect(result.config == nil, sourceLocation: sourceLocation) }
    }

    @Test func yamlSyntaxErrorUsesLibyamlMark() {
        expectDiagnostic("routes:\n  main: [\n    - x\n", .error, line: 3, column: 5, "YAML")
        expectDiagnostic("a: b\n c: d\n", .error, line: 2, column: 3, "YAML")
    }

    @Test func unknownKeysSuggest() {
        expectDiagnostic("captur:\n  enabled: true\n", .error, line: 1, column: 1, "did you mean 'capture'")
        expectDiagnostic("store:\n  batch_row: 5\n", .error, line: 2, column: 3, "did you mean 'batch_rows'")
        expectDiagnostic("routes:\n  main:\n    - do: [capture]\n      wen: {}\n", .error, line: 4, column: 7, "did you mean 'when'")
    }

    @Test func wrongValueTypes() {
        expectDiagnostic("capture:\n  enabled: maybe\n", .error, line: 2, column: 12, "expected true or false")
        expectDiagnostic("store:\n  batch_rows: many\n", .error, line: 2, column: 15, "expected an integer")
        expectDiagnostic("store: [a]\n", .error, line: 1, column: 8, "expected a mapping for store")
        expectDiagnostic("routes:\n  main: {a: b}\n", .error, line: 2, column: 9, "must be a list of rules")
    }

    @Test func unknownFieldInWhenAndTemplate() {
        expectDiagnostic("routes:\n  main:\n    - when: { sip.methd: INVITE }\n      do: [capture]\n", .error, line: 3, column: 15, "did you mean 'sip.method'")
        expectDiagnostic("routes:\n  main:\n    - do:\n        - capture: { custom_field1: \"x ${sip.nope}\" }\n", .error,
                         line: 4, column: 40, "unknown field 'sip.nope' in template")
        expectDiagnostic("routes:\n  main:\n    - do:\n        - capture:\n            custom_field2: ab${sip.calid}\n", .error,
                         line: 5, column: 30, "did you mean 'sip.call_id'")
    }

    @Test func unknownOperatorAndAction() {
        expectDiagnostic("routes:\n  main:\n    - when: { sip.method: { prefx: INV } }\n      do: [capture]\n", .error, line: 3, column: 29, "did you mean 'prefix'")
        expectDiagnostic("routes:\n  main:\n    - do: [captur]\n", .error, line: 3, column: 12, "did you mean 'capture'")
        expectDiagnostic("routes:\n  main:\n    - when: { sip.method: { gt: 3 } }\n      do: [capture]\n", .error, line: 3, column: 33, "needs an integer field")
    }

    @Test func invalidRegexCIDRIPPortRange() {
        expectDiagnostic("routes:\n  main:\n    - when: { sip.call_id: { regex: \"a(\" } }\n      do: [capture]\n", .error, line: 3, column: 37, "invalid regex")
        expectDiagnostic("routes:\n  main:\n    - when: { src_ip: 10.0.0.0/33 }\n      do: [capture]\n", .error, line: 3, column: 23, "invalid CIDR")
        expectDiagnostic("routes:\n  main:\n    - when: { dst_ip: [10.0.0.1, 10.0.0.256] }\n      do: [capture]\n", .error, line: 3, column: 34, "invalid IP address")
        expectDiagnostic("routes:\n  main:\n    - when: { src_port: 65536 }\n      do: [capture]\n", .error, line: 3, column: 25, "invalid port '65536'")
        expectDiagnostic("routes:\n  main:\n    - when: { dst_port: { range: 5090-5060 } }\n      do: [capture]\n", .error, line: 3, column: 34, "invalid port range")
        expectDiagnostic("raw:\n  interface: eth0\n  ports: 5060-\n", .error, line: 3, column: 10, "invalid port range")
    }

    @Test func unknownListRelayRoute() {
        expectDiagnostic("lists:\n  trunks: [10.0.0.1]\nroutes:\n  main:\n    - when: { src_ip: { in: trunk } }\n      do: [capture]\n",
                         .error, line: 5, column: 29, "unknown list 'trunk' (did you mean 'trunks'?)")
        expectDiagnostic("relay:\n  central: udp://127.0.0.1:9070\nroutes:\n  main:\n    - do: [{ relay: centrl }]\n",
                         .error, line: 5, column: 21, "unknown relay target 'centrl' (did you mean 'central'?)")
        expectDiagnostic("routes:\n  main:\n    - do: [{ route: sub }]\n  subs:\n    - do: [capture]\n",
                         .error, line: 3, column: 21, "unknown route 'sub' (did you mean 'subs'?)")
        expectDiagnostic("hep_route: hep_inn\nroutes:\n  main:\n    - do: [capture]\n  hep_in:\n    - do: [resume_sip]\n",
                         .error, line: 1, column: 12, "did you mean 'hep_in'")
    }

    @Test func routeCallCycle() {
        let text = "routes:\n  main:\n    - do: [{ route: a }]\n  a:\n    - do: [{ route: b }]\n  b:\n    - do: [capture, { route: a }]\n"
        expectDiagnostic(text, .error, line: 7, column: 30, "route call cycle: a -> b -> a")
    }

    @Test func tableTemplates() {
        expectDiagnostic("store:\n  table: \"sip_%Y %m\"\n", .error, line: 2, column: 10, "contains ' '; a table name is made of")
        expectDiagnostic("routes:\n  main:\n    - do: [{ capture: { table: \"reg-%Y\" } }]\n", .error, line: 3, column: 32, "expands to 'reg-20")
        expectDiagnostic("routes:\n  main:\n    - do: [{ report: { table: \"r_%c\" } }]\n", .error, line: 3, column: 31, "uses %c, which is not supported in table names")
        #expect(load("routes:\n  main:\n    - do: [{ capture: { table: \"homer_%m_%d\" } }]\n").config != nil)
    }

    @Test func chunkEdits() {
        expectDiagnostic("routes:\n  main:\n    - do: [{ set: { chunk: proto_famly, value: 2 } }]\n", .error, line: 3, column: 28, "did you mean 'proto_family'")
        expectDiagnostic("routes:\n  main:\n    - do: [{ set: { chunk: 0x10000, value: 2 } }]\n", .error, line: 3, column: 28, "invalid chunk id")
        expectDiagnostic("routes:\n  main:\n    - do: [{ set: { chunk: 0x0030, value: 2, type: int8 } }]\n", .error, line: 3, column: 52, "unknown data type 'int8'")
        expectDiagnostic("routes:\n  main:\n    - do: [{ set: { chunk: proto_family, value: 10 } }]\n", .error, line: 3, column: 28, "cannot be set")
        expectDiagnostic("routes:\n  main:\n    - do: [{ set: { chunk: timestamp_us, value: 10 } }]\n", .error, line: 3, column: 28, "cannot be set")
        expectDiagnostic("routes:\n  main:\n    - do: [{ del: 0x0009 }]\n", .error, line: 3, column: 19, "cannot be changed")
        expectDiagnostic("routes:\n  main:\n    - do: [{ set: { chunk: 0x0030, value: 300, type: uint8 } }]\n", .error, line: 3, column: 43, "invalid uint8")
        expectDiagnostic("routes:\n  main:\n    - do: [{ set: { chunk: src_ip, value: 10.0.0.999 } }]\n", .error, line: 3, column: 43, "invalid IP address")
    }

    @Test func warningsForUnreachableAndUnused() {
        let always = "routes:\n  main:\n    - do: [capture, stop]\n    - when: { sip.method: INVITE }\n      do: [capture]\n"
        expectDiagnostic(always, .warning, line: 4, column: 7, "can never run")
        let covered = "routes:\n  main:\n    - when: { sip.method: [INVITE, BYE] }\n      do: [drop]\n    - when: { sip.method: BYE, src_port: 5060 }\n      do: [capture]\n"
        expectDiagnostic(covered, .warning, line: 5, column: 7, "can never run")
        #expect(load(covered).config != nil)
        let notCovered = "routes:\n  main:\n    - when: { sip.method: [INVITE, BYE] }\n      do: [drop]\n    - when: { sip.method: [BYE, ACK] }\n      do: [capture]\n"
        #expect(load(notCovered).warnings.isEmpty, "\(load(notCovered).rendered)")
        let unused = "lists:\n  spare: [a]\nroutes:\n  main:\n    - do: [capture]\n  orphan:\n    - do: [drop]\n"
        expectDiagnostic(unused, .warning, line: 2, column: 3, "list 'spare' is never used")
        expectDiagnostic(unused, .warning, line: 6, column: 3, "route 'orphan' is never used")
    }

    @Test func everyProblemAtOnceAndRendering() {
        let text = "captur: 1\nstore:\n  schema: homer9\nroutes:\n  main:\n    - do: [dropp]\n"
        let result = load(text)
        #expect(result.errors.count == 3)
        let rendered = result.rendered
        #expect(rendered.contains("t.yaml:1:1: error: unknown key 'captur'"))
        #expect(rendered.contains("t.yaml:3:11: error: store.schema must be homer5 or homer7, found 'homer9'\n  schema: homer9\n          ^"))
        #expect(rendered.contains("t.yaml:6:12: error: unknown action 'dropp'"))
    }
}
