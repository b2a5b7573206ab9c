extension Condition {
    @inlinable
    func matches<S: RuleSubject>(_ subject: S) -> Bool {
        switch self {
        case .always: return true
        case .test(let test): return test.matches(subject)
        case .all(let parts):
            for part in parts where !part.matches(subject) { return false }
            return true
        case .any(let parts):
            for part in parts where part.matches(subject) { return true }
            return false
        case .not(let inner): return !inner.matches(subject)
        }
    }
}

extension FieldTest {
    @inlinable
    func matches<S: RuleSubject>(_ subject: S) -> Bool {
        switch op {
        case .exists(let wanted):
            let present: Bool
            switch field.kind {
            case .text: present = subject.bytes(field) != nil
            case .integer: present = subject.integer(field) != nil
            case .ip: present = subject.ip(field) != nil
            }
            return present == wanted
        case .equals(let values):
            guard let value = subject.bytes(field) else { return false }
            for v in values where v.count == value.count && value.elementsEqual(v) { return true }
            return false
        case .prefix(let values):
            guard let value = subject.bytes(field) else { return false }
            for v in values where value.starts(with: v) { return true }
            return false
        case .suffix(let values):
            guard let value = subject.bytes(field) else { return false }
            for v in values where v.count <= value.count && value.suffix(v.count).elementsEqual(v) { return true }
            return false
        case .contains(let values):
            guard let value = subject.bytes(field) else { return false }
            for v in values where ByteSearch.contains(value, v) { return true }
            return false
        case .regex(let regex):
            guard let value = subject.bytes(field) else { return false }
            return regex.matches(value)
        case .inRanges(let ranges):
            guard let value = subject.integer(field) else { return false }
            for r in ranges where r.contains(value) { return true }
            return false
        case .greater(let bound):
            guard let value = subject.integer(field) else { return false }
            return value > bound
        case .less(let bound):
            guard let value = subject.integer(field) else { return false }
            return value < bound
        case .inNetworks(let networks):
            guard let value = subject.ip(field) else { return false }
            for n in networks where n.contains(value) { return true }
            return false
        }
    }
}

@usableFromInline
enum ByteSearch {
    @inlinable
    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var i = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while i <= last {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
