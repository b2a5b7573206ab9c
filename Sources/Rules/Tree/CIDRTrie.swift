import HEP

/// Binary trie over address bits (one root for IPv4, one for IPv6); each node may carry the rules whose
/// prefix ends there. A lookup walks at most 32/128 nodes collecting posting ranges.
@usableFromInline
struct CIDRTrie: Sendable {
    /// Children (-1: none) and the posting range (empty: none) of each node, in one array.
    @usableFromInline struct Node: Sendable {
        @usableFromInline var zero: Int32 = -1
        @usableFromInline var one: Int32 = -1
        @usableFromInline var begin: Int32 = 0
        @usableFromInline var end: Int32 = 0
        init() {}
    }
    @usableFromInline var nodes: [Node] = []
    @usableFromInline var roots: (v4: Int32, v6: Int32) = (0, 1)
    var nodeCount: Int { nodes.count }

    init(prefixes: [(CIDR, Int32)], postingsStore: inout [Int32]) {
        for _ in 0..<2 { newNode() }
        var perNode: [Int32: [Int32]] = [:]
        for (cidr, rule) in prefixes {
            var node = cidr.address.isIPv6 ? roots.v6 : roots.v4
            for i in 0..<cidr.prefixLength {
                let bit = cidr.address.bit(i)
                let next = bit == 0 ? nodes[Int(node)].zero : nodes[Int(node)].one
                if next >= 0 {
                    node = next
                } else {
                    let created = newNode()
                    if bit == 0 { nodes[Int(node)].zero = created } else { nodes[Int(node)].one = created }
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
            nodes[Int(node)].begin = begin
            nodes[Int(node)].end = Int32(postingsStore.count)
        }
    }

    @discardableResult
    private mutating func newNode() -> Int32 {
        nodes.append(Node())
        return Int32(nodes.count - 1)
    }

    @inlinable
    func forEachMatch(_ ip: IPAddress, _ body: (Range<Int32>) -> Void) {
        nodes.withUnsafeBufferPointer { nodes in
            var node = Int(ip.isIPv6 ? roots.v6 : roots.v4)
            let bits = ip.bitCount
            var i = 0
            while node >= 0 && node < nodes.count {
                let current = nodes[node]
                if current.begin < current.end { body(current.begin..<current.end) }
                if i == bits { return }
                node = Int(ip.bit(i) == 0 ? current.zero : current.one)
                i += 1
            }
        }
    }
}
