// libFuzzer entry for the SIP view: parses the input and reads every accessor and every homer5 column.
// Built by scripts/fuzz.sh against the instrumented HEP library (public API only), with the homer5 row's
// SIP derivation (Store/Rows/SIPCaptureRow+SIPMessage.swift) compiled in.

import HEP

@_cdecl("LLVMFuzzerTestOneInput")
public func sipParseFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Parse at an offset as well, so slice indices differ from buffer offsets.
    for payload in [bytes[...], ([0x20] + bytes)[1...]] {
        guard let message = try? SIPMessage(parsing: payload) else { continue }
        var total = 0
        func add(_ s: ArraySlice<UInt8>?) {
            guard let s else { return }
            precondition(s.startIndex >= payload.startIndex && s.endIndex <= payload.endIndex)
            total &+= s.count
        }
        for name in SIPField.names where name != "is_request" { add(SIPField(name: name)?.value(in: message)) }
        total &+= SIPField.isRequest.value(in: message)?.count ?? 0  // a constant, not a view into the payload
        add(message.header("X-Unknown")); add(message.header("s")); add(message.header(SIPHeaderName("Route")))
        add(message.version); add(message.headerBlock); add(message.body)
        for field in message.headerFields { add(field.name); add(field.value) }
        for value in message.headerValues("Route") { add(value) }
        for via in message.vias {
            add(via.protocolName); add(via.protocolVersion); add(via.transport); add(via.host)
            add(via.branch); add(via.param("received")); total &+= via.port ?? 0
        }
        for contact in message.contacts {
            add(contact.displayName); add(contact.uriBytes); add(contact.tag); add(contact.param("expires"))
            let uri = contact.uri
            add(uri.user); add(uri.password); add(uri.host); add(uri.parameters); add(uri.headers); add(uri.opaque)
            total &+= uri.port ?? 0
        }
        for address in [message.from, message.to, message.pAssertedIdentity, message.pPreferredIdentity] {
            if let address { add(address.uri.user); add(address.uri.host); add(address.tag) }
        }
        if let uri = message.requestURI {
            add(uri.scheme); add(uri.user); add(uri.host); add(uri.param("transport")); total &+= uri.port ?? 0
        }
        add(message.authorizationUsername)
        total &+= Int(message.cseqNumber ?? 0) &+ (message.declaredContentLength ?? 0)
        total &+= message.contentLengthMismatch ? 1 : 0
        var row = SIPCaptureRow(table: "", microTimestamp: 0)
        row.fillSIPColumns(from: message)
        total &+= row.method.utf8.count &+ Int(row.contactPort) &+ Int(row.originatorPort) &+ Int(row.type)
        total &+= row.via1.utf8.count &+ row.authUser.utf8.count &+ row.originatorIP.utf8.count
        if total == -1 { print(total) }
    }
    return 0
}
