import CLibYAML

/// Reads one YAML document with libyaml's event API into `YAMLNode`s carrying line and column.
/// Anchors and aliases are refused (named `lists` give reuse without the expansion risks).
enum YAMLReader {
    static let maxDepth = 64

    struct Failure: Error {
        var mark: SourceMark
        var message: String
    }

    private enum Frame {
        case sequence(mark: SourceMark, items: [YAMLNode])
        case mapping(mark: SourceMark, pairs: [YAMLPair], pendingKey: YAMLNode?)
    }

    /// Returns nil for an empty document.
    static func read(_ text: String, file: Int) throws(Failure) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw Failure(mark: SourceMark(file: file, line: 1, column: 1), message: "libyaml could not initialise")
        }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(Failure) -> YAMLNode? in
            guard let base = buffer.baseAddress else { return nil }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            return try parseEvents(&parser, file: file)
        }
    }

    private static func mark(_ m: yaml_mark_t, _ file: Int) -> SourceMark {
        SourceMark(file: file, line: Int(m.line) + 1, column: Int(m.column) + 1)
    }

    private static func parseEvents(_ parser: inout yaml_parser_t, file: Int) throws(Failure) -> YAMLNode? {
        var stack: [Frame] = []
        var root: YAMLNode?
        var documents = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                let problem = parser.problem.map { String(cString: $0) } ?? "syntax error"
                var message = "YAML: " + problem
                if let context = parser.context.map({ String(cString: $0) }) { message += " " + context }
                throw Failure(mark: mark(parser.problem_mark, file), message: message)
            }
            defer { yaml_event_delete(&event) }
            let start = mark(event.start_mark, file)
            var produced: YAMLNode?
            switch event.type {
            case YAML_STREAM_START_EVENT, YAML_STREAM_END_EVENT:
                if event.type == YAML_STREAM_END_EVENT { return root }
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 { throw Failure(mark: start, message: "only one YAML document per file") }
            case YAML_DOCUMENT_END_EVENT:
                break
            case YAML_ALIAS_EVENT:
                throw Failure(mark: start, message: "YAML aliases are not supported; use named lists")
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                if scalar.anchor != nil {
                    throw Failure(mark: start, message: "YAML anchors are not supported; use named lists")
                }
                let text: String
                if let value = scalar.value {
                    text = String(decoding: UnsafeBufferPointer(start: value, count: Int(scalar.length)), as: UTF8.self)
                } else {
                    text = ""
                }
                produced = YAMLNode(kind: .scalar(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE), mark: start)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let anchor = event.type == YAML_SEQUENCE_START_EVENT
                    ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                if anchor != nil {
                    throw Failure(mark: start, message: "YAML anchors are not supported; use named lists")
                }
                if stack.count >= maxDepth {
                    throw Failure(mark: start, message: "nesting deeper than \(maxDepth) levels")
                }
                stack.append(event.type == YAML_SEQUENCE_START_EVENT
                    ? .sequence(mark: start, items: [])
                    : .mapping(mark: start, pairs: [], pendingKey: nil))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                switch stack.popLast() {
                case .sequence(let m, let items)?: produced = YAMLNode(kind: .sequence(items), mark: m)
                case .mapping(let m, let pairs, _)?: produced = YAMLNode(kind: .mapping(pairs), mark: m)
                case nil: throw Failure(mark: start, message: "unbalanced YAML events")
                }
            default:
                break
            }
            guard let node = produced else { continue }
            switch stack.popLast() {
            case nil:
                root = node
            case .sequence(let m, var items)?:
                items.append(node)
                stack.append(.sequence(mark: m, items: items))
            case .mapping(let m, var pairs, let key)?:
                if let key {
                    pairs.append(YAMLPair(key: key, value: node))
                    stack.append(.mapping(mark: m, pairs: pairs, pendingKey: nil))
                } else {
                    stack.append(.mapping(mark: m, pairs: pairs, pendingKey: node))
                }
            }
        }
    }
}
