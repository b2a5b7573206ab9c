/// A YAML node with the position it started at. Scalars keep whether they were plain (unquoted), so
/// `5060` and `"5060"` can be told apart where that matters.
public struct YAMLNode: Sendable {
    public indirect enum Kind: Sendable {
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }
    public var kind: Kind
    public var mark: SourceMark

    public var scalar: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }
    /// A plain `~`, `null` or empty scalar.
    public var isNull: Bool {
        if case .scalar(let text, let plain) = kind, plain {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }
    var kindName: String {
        switch kind {
        case .scalar: return isNull ? "null" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
}
