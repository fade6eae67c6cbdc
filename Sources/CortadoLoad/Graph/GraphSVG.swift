/// The state graph drawn as a self-contained SVG: a layered layout (longest path from the
/// start, back edges routed on the right, two barycenter passes to untangle each layer),
/// Map and Parallel bodies as dashed boxes, and per-state time as the fill colour.
extension StateGraph {
    struct Layout {
        var x: [Double], y: [Double], w: [Double]
        var width: Double, height: Double
        var layer: [Int]
    }

    static let nodeHeight = 44.0, layerGap = 92.0, nodeGap = 36.0, margin = 40.0

    func layout() -> Layout {
        let n = nodes.count
        var out: [[Int]] = Array(repeating: [], count: n)
        for e in edges where e.from != e.to { out[e.from].append(e.to) }
        // Depth-first from the start (node 0), then from anything unreached: back edges are
        // those into a node still on the stack.
        var state = Array(repeating: 0, count: n)  // 0 new, 1 on stack, 2 done
        var order: [Int] = []
        var back = Set<[Int]>()
        func visit(_ v: Int) {
            state[v] = 1
            for t in out[v] {
                if state[t] == 1 { back.insert([v, t]) } else if state[t] == 0 { visit(t) }
            }
            state[v] = 2
            order.append(v)
        }
        for v in 0..<n where state[v] == 0 { visit(v) }
        var layer = Array(repeating: 0, count: n)
        for v in order.reversed() {
            for t in out[v] where !back.contains([v, t]) { layer[t] = max(layer[t], layer[v] + 1) }
        }
        // The End node goes below everything.
        if n > 1, case .end = nodes[1].kind { layer[1] = (layer.indices.filter { $0 != 1 }.map { layer[$0] }.max() ?? 0) + 1 }
        let layers = (layer.max() ?? 0) + 1
        var rows: [[Int]] = Array(repeating: [], count: layers)
        for v in order.reversed() { rows[layer[v]].append(v) }
        // Barycenter passes: order each row by the mean position of its predecessors.
        var position = Array(repeating: 0.0, count: n)
        for r in rows { for (k, v) in r.enumerated() { position[v] = Double(k) } }
        var preds: [[Int]] = Array(repeating: [], count: n)
        for e in edges where e.from != e.to && !back.contains([e.from, e.to]) { preds[e.to].append(e.from) }
        for _ in 0..<2 {
            for li in 1..<max(layers, 1) {
                rows[li].sort { a, b in
                    let pa = preds[a].isEmpty ? position[a] : preds[a].map { position[$0] }.reduce(0, +) / Double(preds[a].count)
                    let pb = preds[b].isEmpty ? position[b] : preds[b].map { position[$0] }.reduce(0, +) / Double(preds[b].count)
                    return pa < pb
                }
                for (k, v) in rows[li].enumerated() { position[v] = Double(k) }
            }
        }
        var w = Array(repeating: 0.0, count: n)
        for v in 0..<n {
            switch nodes[v].kind {
            case .start, .end: w[v] = 44
            case .state(let t): w[v] = max(120, Double(max(nodes[v].name.count, t.count + 2)) * 7.2 + 28)
            }
        }
        let rowWidths = rows.map { r in r.map { w[$0] }.reduce(0, +) + Double(max(r.count - 1, 0)) * Self.nodeGap }
        let widest = rowWidths.max() ?? 0
        var x = Array(repeating: 0.0, count: n), y = Array(repeating: 0.0, count: n)
        for (li, r) in rows.enumerated() {
            var cursor = Self.margin + (widest - rowWidths[li]) / 2
            for v in r {
                x[v] = cursor + w[v] / 2
                y[v] = Self.margin + 24 + Double(li) * Self.layerGap
                cursor += w[v] + Self.nodeGap
            }
        }
        return Layout(x: x, y: y, w: w, width: widest + 2 * Self.margin + 260,
                      height: Self.margin * 2 + 24 + Double(layers) * Self.layerGap, layer: layer)
    }

    /// The SVG document. With `heat`, states are filled by their share of the time and carry
    /// their entries and time as a tooltip; a legend explains the colours.
    public func svg(heat: StateHeat? = nil, title: String? = nil) -> String {
        let l = layout()
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.f(l.width))\" height=\"\(Self.f(l.height + (heat == nil ? 0 : 40)))\" viewBox=\"0 0 \(Self.f(l.width)) \(Self.f(l.height + (heat == nil ? 0 : 40)))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        s += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n"
        if let title { s += "<title>\(Self.xml(title))</title>\n" }
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        // Clusters, outermost first.
        func members(_ c: Int) -> [Int] {
            var m = nodes.indices.filter { nodes[$0].cluster == c }
            for k in clusters.indices where clusters[k].parent == c { m += members(k) }
            return m
        }
        func depth(_ c: Int) -> Int { clusters[c].parent.map { depth($0) + 1 } ?? 0 }
        for c in clusters.indices.sorted(by: { depth($0) < depth($1) }) {
            let m = members(c)
            guard !m.isEmpty else { continue }
            let pad = 14.0 - Double(depth(c)) * 2
            let x0 = m.map { l.x[$0] - l.w[$0] / 2 }.min()! - pad, x1 = m.map { l.x[$0] + l.w[$0] / 2 }.max()! + pad
            let y0 = m.map { l.y[$0] - Self.nodeHeight / 2 }.min()! - pad - 14, y1 = m.map { l.y[$0] + Self.nodeHeight / 2 }.max()! + pad
            s += "<g class=\"cluster\"><rect x=\"\(Self.f(x0))\" y=\"\(Self.f(y0))\" width=\"\(Self.f(x1 - x0))\" height=\"\(Self.f(y1 - y0))\" rx=\"8\" fill=\"#f6f8fa\" fill-opacity=\"0.6\" stroke=\"#8c959f\" stroke-dasharray=\"5,4\"/>"
            s += "<text x=\"\(Self.f(x0 + 8))\" y=\"\(Self.f(y0 + 13))\" fill=\"#57606a\" font-size=\"11\">\(Self.xml(clusters[c].label))</text></g>\n"
        }
        // Back edges go round the right of the whole drawing, each a little further out.
        let right = nodes.indices.map { l.x[$0] + l.w[$0] / 2 }.max() ?? 0
        var lane = 0
        for e in edges {
            let isBack = e.from != e.to && l.layer[e.to] <= l.layer[e.from]
            s += edge(e, l, outside: right + 30 + Double(lane) * 16)
            if isBack { lane += 1 }
        }
        for v in nodes.indices { s += node(v, l, heat) }
        if heat != nil {
            let y = l.height + 8
            s += "<defs><linearGradient id=\"heat\"><stop offset=\"0\" stop-color=\"\(StateHeat.color(share: 0))\"/><stop offset=\"0.5\" stop-color=\"\(StateHeat.color(share: 0.5))\"/><stop offset=\"1\" stop-color=\"\(StateHeat.color(share: 1))\"/></linearGradient></defs>\n"
            s += "<g class=\"legend\"><text x=\"\(Self.f(Self.margin))\" y=\"\(Self.f(y + 14))\">time in state: none</text><rect x=\"\(Self.f(Self.margin + 125))\" y=\"\(Self.f(y + 3))\" width=\"160\" height=\"14\" fill=\"url(#heat)\" stroke=\"#8c959f\"/><text x=\"\(Self.f(Self.margin + 292))\" y=\"\(Self.f(y + 14))\">most</text></g>\n"
        }
        return s + "</svg>\n"
    }

    private func node(_ v: Int, _ l: Layout, _ heat: StateHeat?) -> String {
        let n = nodes[v], x = l.x[v], y = l.y[v], w = l.w[v], h = Self.nodeHeight
        var g = "<g class=\"state\" id=\"\(n.id)\">"
        let tip = heat?.summary(for: n.name).map { "\(n.name): \($0)" } ?? n.name
        g += "<title>\(Self.xml(tip))</title>"
        switch n.kind {
        case .start, .end:
            g += "<circle cx=\"\(Self.f(x))\" cy=\"\(Self.f(y))\" r=\"18\" fill=\"\(n.kind == .start ? "#2da44e" : "#24292f")\"/>"
            g += "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y + 4))\" text-anchor=\"middle\" fill=\"#ffffff\" font-size=\"10\">\(n.name)</text>"
        case .state(let t):
            let fill = heat?.color(for: n.name) ?? "#ffffff"
            let stroke = t == "Fail" ? "#cf222e" : t == "Succeed" ? "#2da44e" : "#57606a"
            if t == "Choice" {
                let pts = [(x, y - h / 2 - 6), (x + w / 2, y), (x, y + h / 2 + 6), (x - w / 2, y)]
                g += "<polygon points=\"\(pts.map { "\(Self.f($0.0)),\(Self.f($0.1))" }.joined(separator: " "))\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
            } else {
                g += "<rect x=\"\(Self.f(x - w / 2))\" y=\"\(Self.f(y - h / 2))\" width=\"\(Self.f(w))\" height=\"\(Self.f(h))\" rx=\"10\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.5\"/>"
            }
            g += "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y - 2))\" text-anchor=\"middle\" font-weight=\"bold\">\(Self.xml(n.name))</text>"
            g += "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y + 13))\" text-anchor=\"middle\" fill=\"#57606a\" font-size=\"10\">\(Self.xml(t))</text>"
        }
        return g + "</g>\n"
    }

    private func edge(_ e: Edge, _ l: Layout, outside: Double) -> String {
        let h = Self.nodeHeight / 2
        let dashed = e.kind == .catcher || e.kind == .retry || e.kind == .iteration
        let color = e.kind == .catcher ? "#cf222e" : e.kind == .retry ? "#9a6700" : "#555555"
        let path: String, lx: Double, ly: Double
        var anchor = "middle"
        if e.from == e.to {
            let x = l.x[e.from] + l.w[e.from] / 2, y = l.y[e.from]
            path = "M\(Self.f(x)),\(Self.f(y - 8)) C\(Self.f(x + 40)),\(Self.f(y - 30)) \(Self.f(x + 40)),\(Self.f(y + 30)) \(Self.f(x)),\(Self.f(y + 8))"
            (lx, ly, anchor) = (x + 36, y + 4, "start")
        } else if l.layer[e.to] > l.layer[e.from] {
            let x0 = l.x[e.from], y0 = l.y[e.from] + h, x1 = l.x[e.to], y1 = l.y[e.to] - h - 2
            let my = (y0 + y1) / 2
            path = "M\(Self.f(x0)),\(Self.f(y0)) C\(Self.f(x0)),\(Self.f(my)) \(Self.f(x1)),\(Self.f(my)) \(Self.f(x1)),\(Self.f(y1))"
            // The label sits two thirds of the way (the cubic at t = 2/3), so the rules of
            // one Choice, which all leave from one point, do not cover each other.
            let t = 2.0 / 3, u = 1 - t
            lx = u * u * u * x0 + 3 * u * u * t * x0 + 3 * u * t * t * x1 + t * t * t * x1
            ly = u * u * u * y0 + 3 * u * u * t * my + 3 * u * t * t * my + t * t * t * y1 - 6
        } else {
            // A back (or same-layer) edge: down into the gap below its row, right to `outside`
            // (beyond every node), up to the gap above the target's row, and down into the
            // target's top: each run lies where no node is.
            let x0 = l.x[e.from], y0 = l.y[e.from] + h, tx = l.x[e.to] + l.w[e.to] / 4, ty = l.y[e.to] - h - 2
            let below = y0 + 18 + (outside - 30).truncatingRemainder(dividingBy: 16) / 4
            let above = ty - 16
            path = "M\(Self.f(x0)),\(Self.f(y0)) L\(Self.f(x0)),\(Self.f(below)) L\(Self.f(outside)),\(Self.f(below)) "
                + "L\(Self.f(outside)),\(Self.f(above)) L\(Self.f(tx)),\(Self.f(above)) L\(Self.f(tx)),\(Self.f(ty))"
            (lx, ly, anchor) = (outside + 6, (below + above) / 2, "start")
        }
        var g = "<g class=\"edge\"><path d=\"\(path)\" fill=\"none\" stroke-linejoin=\"round\" stroke=\"\(color)\" stroke-width=\"1.3\"\(dashed ? " stroke-dasharray=\"5,4\"" : "") marker-end=\"url(#arrow)\"/>"
        if let label = e.label {
            let w = Double(label.count) * 6.2 + 8
            let left = anchor == "start" ? lx - 4 : lx - w / 2
            g += "<rect x=\"\(Self.f(left))\" y=\"\(Self.f(ly - 9))\" width=\"\(Self.f(w))\" height=\"16\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>"
            g += "<text x=\"\(Self.f(lx))\" y=\"\(Self.f(ly + 3))\" text-anchor=\"\(anchor)\" font-size=\"10\" fill=\"\(color)\">\(Self.xml(label))</text>"
        }
        return g + "</g>\n"
    }

    static func f(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    static func xml(_ s: String) -> String { escape(s, ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"]) }

    /// `s` with each character found in `table` replaced (the escapes of XML, DOT, Mermaid).
    static func escape(_ s: String, _ table: [Character: String]) -> String {
        var out = ""
        for ch in s {
            if let r = table[ch] { out += r } else { out.append(ch) }
        }
        return out
    }
}
