import CortadoJSON

/// Per-state time from a metrics line of `cortado run` (`"states": {"Name": {"entered",
/// "total_ms", "avg_ms"}}`) or a `cortado load` report (the same `states` member), as a
/// colour per node: the state that took the most time is red, states that took none white.
public struct StateHeat: Sendable {
    public struct Entry: Sendable {
        public var entered: Int
        public var totalMs: Double
        public var avgMs: Double
    }

    public private(set) var byName: [String: Entry] = [:]

    public init(_ entries: [String: Entry] = [:]) { byName = entries }

    /// Reads the last JSON object in `text` (one object, or JSON lines) that has `states`.
    /// - Throws: `GraphError` when none has.
    public init(metricsText text: String) throws(GraphError) {
        var found: JSONObject?
        for line in text.split(separator: "\n").reversed() {
            guard case .object(let o)? = try? JSON.parse(Array(line.utf8)), case .object(let s)? = o["states"] else { continue }
            found = s
            break
        }
        if found == nil, case .object(let o)? = try? JSON.parse(Array(text.utf8)), case .object(let s)? = o["states"] {
            found = s
        }
        guard let states = found else {
            throw GraphError("no metrics line or report with a \"states\" object was found")
        }
        for (name, v) in states.members {
            byName[name] = Entry(entered: v["entered"]?.numberValue?.int ?? 0,
                                 totalMs: v["total_ms"]?.numberValue?.double ?? 0,
                                 avgMs: v["avg_ms"]?.numberValue?.double ?? 0)
        }
    }

    var maxTotal: Double { byName.values.map(\.totalMs).max() ?? 0 }

    /// `#rrggbb`: white for no time, through yellow to red for the most time.
    public func color(for name: String) -> String? {
        guard let e = byName[name] else { return nil }
        let top = maxTotal
        let share = top > 0 ? min(1, max(0, e.totalMs / top)) : 0
        return Self.color(share: share)
    }

    static func color(share: Double) -> String {
        // white (255,255,255) -> yellow (255,214,102) -> red (214,48,49)
        let (r, g, b): (Double, Double, Double)
        if share < 0.5 {
            let t = share / 0.5
            (r, g, b) = (255, 255 - 41 * t, 255 - 153 * t)
        } else {
            let t = (share - 0.5) / 0.5
            (r, g, b) = (255 - 41 * t, 214 - 166 * t, 102 - 53 * t)
        }
        func hex(_ v: Double) -> String {
            let n = Int(v.rounded())
            let digits = Array("0123456789abcdef")
            return String([digits[n / 16], digits[n % 16]])
        }
        return "#" + hex(r) + hex(g) + hex(b)
    }

    /// A tooltip line for the state: entries and time.
    func summary(for name: String) -> String? {
        guard let e = byName[name] else { return nil }
        return "\(e.entered) entered, \(Self.ms(e.totalMs)) ms in all, \(Self.ms(e.avgMs)) ms each"
    }

    static func ms(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// A problem drawing a graph (unreadable metrics).
public struct GraphError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
