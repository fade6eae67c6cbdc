import CortadoJSON

/// The state graph of a definition, for drawing: every state of every (sub-)machine as a node,
/// Map iterations and Parallel branches as clusters, and the transitions as labelled edges
/// (Next, Choice rules and Default, Catch, Retry). Built from the definition's JSON, so
/// Choice rules are shown as they are written.
public struct StateGraph: Sendable {
    public enum NodeKind: Sendable, Equatable { case start, end, state(String) }

    public struct Node: Sendable {
        /// A short identifier safe in Mermaid, DOT and SVG (`n0`, `n1`, ...).
        public let id: String
        /// The state's name (for start and end: "Start", "End").
        public let name: String
        public let kind: NodeKind
        /// The innermost cluster holding the node; nil at the top level.
        public let cluster: Int?
    }

    public struct Cluster: Sendable {
        public let id: String
        public let label: String
        public let parent: Int?
    }

    public enum EdgeKind: Sendable, Equatable { case next, choice, defaultChoice, catcher, retry, iteration }

    public struct Edge: Sendable {
        public let from: Int
        public let to: Int
        public let label: String?
        public let kind: EdgeKind
    }

    public private(set) var nodes: [Node] = []
    public private(set) var clusters: [Cluster] = []
    public private(set) var edges: [Edge] = []

    /// The graph of `definition` (a state machine object). States whose transitions name
    /// missing states keep those edges out; validation reports them.
    public init(definition: JSON) {
        guard case .object(let top) = definition else { return }
        let start = add(name: "Start", kind: .start, cluster: nil)
        let end = add(name: "End", kind: .end, cluster: nil)
        if let first = machine(top, cluster: nil, end: end) { edges.append(Edge(from: start, to: first, label: nil, kind: .next)) }
    }

    /// The node index of a state, by the name of its innermost match (nested machines may
    /// reuse names; metrics name states alone too).
    public func nodes(named name: String) -> [Int] {
        nodes.indices.filter { nodes[$0].name == name && nodes[$0].kind != .start && nodes[$0].kind != .end }
    }

    // MARK: - Building

    private mutating func add(name: String, kind: NodeKind, cluster: Int?) -> Int {
        nodes.append(Node(id: "n\(nodes.count)", name: name, kind: kind, cluster: cluster))
        return nodes.count - 1
    }

    /// Adds a machine's states; returns the node of its StartAt state. `end` receives the
    /// top machine's terminal transitions (nested machines end inside their cluster).
    private mutating func machine(_ m: JSONObject, cluster: Int?, end: Int?) -> Int? {
        guard case .object(let states)? = m["States"] else { return nil }
        var index: [String: Int] = [:]
        for (name, s) in states.members {
            let type = s["Type"]?.stringValue ?? "?"
            index[name] = add(name: name, kind: .state(type), cluster: cluster)
        }
        for (name, s) in states.members {
            guard let from = index[name], case .object(let state) = s else { continue }
            let type = state["Type"]?.stringValue ?? ""
            if let next = state["Next"]?.stringValue, let to = index[next] {
                edges.append(Edge(from: from, to: to, label: nil, kind: .next))
            } else if let end, state["End"]?.boolValue == true || type == "Succeed" || type == "Fail" {
                edges.append(Edge(from: from, to: end, label: nil, kind: .next))
            }
            if type == "Choice" {
                for rule in state["Choices"]?.arrayValue ?? [] {
                    guard case .object(let r) = rule, let next = r["Next"]?.stringValue, let to = index[next] else { continue }
                    edges.append(Edge(from: from, to: to, label: ChoiceLabel.text(r), kind: .choice))
                }
                if let d = state["Default"]?.stringValue, let to = index[d] {
                    edges.append(Edge(from: from, to: to, label: "default", kind: .defaultChoice))
                }
            }
            for retry in state["Retry"]?.arrayValue ?? [] {
                guard case .object(let r) = retry else { continue }
                let attempts = r["MaxAttempts"]?.numberValue?.int ?? 3
                edges.append(Edge(from: from, to: from, label: "retry \(Self.errors(r)) ×\(attempts)", kind: .retry))
            }
            for c in state["Catch"]?.arrayValue ?? [] {
                guard case .object(let r) = c, let next = r["Next"]?.stringValue, let to = index[next] else { continue }
                edges.append(Edge(from: from, to: to, label: "catch \(Self.errors(r))", kind: .catcher))
            }
            nested(state, type: type, name: name, node: from, cluster: cluster)
        }
        guard let startAt = m["StartAt"]?.stringValue else { return nil }
        return index[startAt]
    }

    /// Map's item processor and Parallel's branches, each a cluster entered from the state.
    private mutating func nested(_ state: JSONObject, type: String, name: String, node: Int, cluster: Int?) {
        var machines: [(JSONObject, String)] = []
        if type == "Map", case .object(let p)? = state["ItemProcessor"] ?? state["Iterator"] {
            machines.append((p, "Map \(name): each item"))
        } else if type == "Parallel" {
            for (k, b) in (state["Branches"]?.arrayValue ?? []).enumerated() {
                if case .object(let o) = b { machines.append((o, "Parallel \(name): branch \(k + 1)")) }
            }
        }
        for (m, label) in machines {
            clusters.append(Cluster(id: "c\(clusters.count)", label: label, parent: cluster))
            if let first = machine(m, cluster: clusters.count - 1, end: nil) {
                edges.append(Edge(from: node, to: first, label: nil, kind: .iteration))
            }
        }
    }

    static func errors(_ r: JSONObject) -> String {
        let names = (r["ErrorEquals"]?.arrayValue ?? []).compactMap(\.stringValue)
        return names.isEmpty ? "" : names.joined(separator: ", ")
    }
}
