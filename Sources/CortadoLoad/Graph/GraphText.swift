/// The state graph as Mermaid (`flowchart TD`) and Graphviz DOT text.
extension StateGraph {
    /// Mermaid flowchart: Choice states as diamonds, terminal states as stadiums, Map and
    /// Parallel bodies as subgraphs, Catch and Retry edges dashed, hot states filled.
    public func mermaid(heat: StateHeat? = nil) -> String {
        var out = "flowchart TD\n"
        func node(_ i: Int) -> String {
            let n = nodes[i]
            let label = Self.mermaidEscape(n.name)
            switch n.kind {
            case .start, .end: return "\(n.id)((\"\(label)\"))"
            case .state("Choice"): return "\(n.id){\"\(label)\"}"
            case .state("Succeed"), .state("Fail"): return "\(n.id)([\"\(label)\"])"
            case .state(let t): return "\(n.id)[\"\(label)<br/><small>\(t)</small>\"]"
            }
        }
        emitClusters(nil, indent: "  ", into: &out, node: node,
                     open: { "subgraph \($0.id)[\"\(Self.mermaidEscape($0.label))\"]" }, close: "end")
        for e in edges {
            let arrow = e.kind == .catcher || e.kind == .retry || e.kind == .iteration ? "-.->" : "-->"
            let label = e.label.map { "|\"\(Self.mermaidEscape($0))\"|" } ?? ""
            out += "  \(nodes[e.from].id) \(arrow)\(label) \(nodes[e.to].id)\n"
        }
        if let heat {
            for n in nodes { if let c = heat.color(for: n.name) { out += "  style \(n.id) fill:\(c)\n" } }
        }
        return out
    }

    /// Graphviz DOT: clusters for Map and Parallel bodies, dashed Catch and Retry edges,
    /// hot states filled (render with `dot -Tsvg`).
    public func dot(heat: StateHeat? = nil) -> String {
        var out = "digraph StateMachine {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n"
        func node(_ i: Int) -> String {
            let n = nodes[i]
            var attrs: [String] = []
            switch n.kind {
            case .start, .end: attrs = ["shape=circle", "label=\"\(Self.dotEscape(n.name))\""]
            case .state(let t):
                attrs = ["label=\"\(Self.dotEscape(n.name))\\n(\(t))\""]
                if t == "Choice" { attrs.append("shape=diamond") }
                if let c = heat?.color(for: n.name) { attrs.append("fillcolor=\"\(c)\"") }
                if let s = heat?.summary(for: n.name) { attrs.append("tooltip=\"\(Self.dotEscape(s))\"") }
            }
            return "\(n.id) [\(attrs.joined(separator: ", "))];"
        }
        emitClusters(nil, indent: "  ", into: &out, node: node,
                     open: { "subgraph cluster_\($0.id) { label=\"\(Self.dotEscape($0.label))\"; style=dashed;" }, close: "}")
        for e in edges {
            var attrs: [String] = []
            if let l = e.label { attrs.append("label=\"\(Self.dotEscape(l))\"") }
            if e.kind == .catcher || e.kind == .retry || e.kind == .iteration { attrs.append("style=dashed") }
            let a = attrs.isEmpty ? "" : " [\(attrs.joined(separator: ", "))]"
            out += "  \(nodes[e.from].id) -> \(nodes[e.to].id)\(a);\n"
        }
        return out + "}\n"
    }

    static func mermaidEscape(_ s: String) -> String { escape(s, ["\"": "#quot;", "<": "#lt;", ">": "#gt;", "\n": " "]) }

    static func dotEscape(_ s: String) -> String { escape(s, ["\"": "\\\"", "\\": "\\\\", "\n": "\\n"]) }

    /// Writes the nodes of `cluster`, then each cluster inside it between `open` and `close`
    /// lines, indented by depth (Mermaid's subgraphs and DOT's clusters alike).
    func emitClusters(_ cluster: Int?, indent: String, into out: inout String, node: (Int) -> String,
                      open: (Cluster) -> String, close: String) {
        for i in nodes.indices where nodes[i].cluster == cluster { out += indent + node(i) + "\n" }
        for c in clusters.indices where clusters[c].parent == cluster {
            out += indent + open(clusters[c]) + "\n"
            emitClusters(c, indent: indent + "  ", into: &out, node: node, open: open, close: close)
            out += indent + close + "\n"
        }
    }
}
