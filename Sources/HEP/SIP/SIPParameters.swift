/// `;name=value` parameter lists (URI parameters and header parameters), LWS tolerated around `;` and `=`.
enum SIPParameters {
    /// Calls `body(name, value)` for each parameter until it returns false; `value` is nil for a flag
    /// parameter, and has surrounding double quotes removed (escapes kept).
    static func forEach(in list: ArraySlice<UInt8>,
                        _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>?) -> Bool) {
        var i = list.startIndex
        while i < list.endIndex {
            let end = list.sipFirstIndex(of: SIPByte.semicolon, from: i) ?? list.endIndex
            let item = list[i..<end]
            if let eq = item.firstIndex(of: SIPByte.equals) {
                let name = item[item.startIndex..<eq].sipTrimmed
                var value = item[(eq + 1)...].sipTrimmed
                if value.count >= 2, value.first == SIPByte.quote, value.last == SIPByte.quote {
                    value = value.dropFirst().dropLast()
                }
                if !name.isEmpty, !body(name, value) { return }
            } else {
                let name = item.sipTrimmed
                if !name.isEmpty, !body(name, nil) { return }
            }
            i = end + 1
        }
    }

    /// Value of the first parameter named `lowered` (ASCII lower-case literal); empty for a flag parameter.
    static func value(_ lowered: StaticString, in list: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var found: ArraySlice<UInt8>? = nil
        forEach(in: list) { name, value in
            guard name.sipEqualsLowercase(lowered) else { return true }
            found = value ?? name[name.endIndex...]
            return false
        }
        return found
    }

    /// Value of the first parameter with this name (ASCII case-insensitive); empty for a flag parameter.
    static func value(named wanted: some StringProtocol, in list: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var found: ArraySlice<UInt8>? = nil
        forEach(in: list) { name, value in
            guard name.sipEqualsIgnoringCase(wanted.utf8) else { return true }
            found = value ?? name[name.endIndex...]
            return false
        }
        return found
    }
}

/// A header value followed by `;name=value` parameters: a name-addr (From, To, Contact, ...) or a Via.
public protocol SIPParameterized {
    /// The parameters without the leading `;`; nil when there are none.
    var parameters: ArraySlice<UInt8>? { get }
}

extension SIPParameterized {
    /// A parameter (`tag`, `received`, `rport`, ...; ASCII case-insensitive name); empty for a flag parameter.
    public func param(_ name: some StringProtocol) -> ArraySlice<UInt8>? {
        guard let parameters else { return nil }
        return SIPParameters.value(named: name, in: parameters)
    }
}
