/// Binary trie over address bits (one root for IPv4, one for IPv6); each node may carry the rules whose
/// prefix ends there. A lookup walks at most 32/128 nodes collecting posting ranges.
@usableFromInline
struct CIDRTrie: Sendable {
    @usableFromInline var zero: [Int32] = []
    @usableFromInline var one: [Int32] = []
    @usableFromInline var postings: [Range<Int32>?] = []
    @usableFromInline var roots: (v4: Int32, v6: Int32) = (0, 1)
    var nodeCount: Int { zero.count }

    init(prefixes: [(CIDR, Int32)], postingsStore: inout [Int32]) {
        for _ in 0..<2 { newNode() }
        var perNode: [Int32: [Int32]] = [:]
        for (cidr, rule) in prefixes {
            var node = cidr.address.isIPv6 ? roots.v6 : roots.v4
            for i in 0..<cidr.prefixLength {
                let bit = cidr.address.bit(i)
                let next = bit == 0 ? zero[Int(node)] : one[Int(node)]
                if next >= 0 {
                    node = next
                } else {
                    let created = newNode()
                    if bit == 0 { zero[Int(node)] = created } else { one[Int(node)] = created }
                    node = created
                }
            }
            perNode[node, default: []].append(rule)
        }
        for (node, rules) in perNode {
            var sorted = rules.sorted()
            sorted = sorted.enumerated().filter { $0.offset == 0 || sorted[$0.offset - 1] != $0.element }.map(\.element)
            let begin = Int32(postingsStore.count)
            postingsStore.append(contentsOf: sorted)
            postings[Int(node)] = begin..<Int32(postingsStore.count)
        }
    }

    @discardableResult
    private mutating func newNode() -> Int32 {
        zero.append(-1)
        one.append(-1)
        postings.append(nil)
        return Int32(zero.count - 1)
    }

    @inlinable
    func forEachMatch(_ ip: RuleIP, _ body: (Range<Int32>) -> Void) {
        var node = ip.isIPv6 ? roots.v6 : roots.v4
        let bits = ip.bitCount
        var i = 0
        while true {
            if let p = postings[Int(node)] { body(p) }
            if i == bits { return }
            let next = ip.bit(i) == 0 ? zero[Int(node)] : one[Int(node)]
            if next < 0 { return }
            node = next
            i += 1
        }
    }
}
