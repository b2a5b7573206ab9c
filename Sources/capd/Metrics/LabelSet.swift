/// Label names and values of one series, in declaration order.
struct LabelSet: Hashable, Sendable {
    var names: [String]
    var values: [String]

    static let empty = LabelSet(names: [], values: [])

    var isEmpty: Bool { names.isEmpty }

    func appending(_ name: String, _ value: String) -> LabelSet {
        LabelSet(names: names + [name], values: values + [value])
    }
}
