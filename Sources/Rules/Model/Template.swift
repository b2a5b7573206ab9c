/// A string with `${field}` references, split into segments once at load time.
public struct Template: Sendable, CustomStringConvertible {
    public enum Segment: Sendable {
        case literal([UInt8])
        case field(Field)
    }
    public let segments: [Segment]
    public let source: String

    public init(segments: [Segment], source: String) {
        self.segments = segments
        self.source = source
    }

    public var description: String { source }
    public var isEmpty: Bool { segments.isEmpty }

    /// Appends the expansion to `out` (absent fields expand to nothing). Integer and address fields render
    /// as decimal / textual addresses.
    public func render<S: RuleSubject>(_ subject: S, into out: inout [UInt8]) {
        for segment in segments {
            switch segment {
            case .literal(let bytes):
                out.append(contentsOf: bytes)
            case .field(let field):
                switch field.kind {
                case .text:
                    if let value = subject.bytes(field) { out.append(contentsOf: value) }
                case .integer:
                    if let value = subject.integer(field) { Template.appendDecimal(value, to: &out) }
                case .ip:
                    if let value = subject.ip(field) { out.append(contentsOf: value.description.utf8) }
                }
            }
        }
    }

    public func render<S: RuleSubject>(_ subject: S) -> String {
        var out: [UInt8] = []
        render(subject, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(raw[i]) }
        }
    }
}
