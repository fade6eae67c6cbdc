// Waiting on the lane: on a virtual clock a Wait (or a Retry back-off) changes nothing the
// lane can see but the time the line has used, which is held to its time limit.
extension TapeLane {
    /// Counts `ms` of waiting against the line's time limit (past it the general engine
    /// decides whether the execution times out).
    @inline(__always)
    func wait(_ ms: Int) throws(Bail) {
        waitedMs = waitedMs > Int.max - ms ? Int.max : waitedMs + ms
        guard waitedMs < waitBudgetMs else { throw Bail() }
    }

    /// A SecondsPath's (or a JSONata Seconds expression's) value as seconds: a plain
    /// non-negative integer literal of at most nine digits; anything else (missing,
    /// negative, fractional, a string, an exponent) is the general engine's to refuse in
    /// AWS's words.
    func waitSeconds(_ v: Int32) throws(Bail) -> Int {
        guard v >= 0 else { throw Bail() }
        let t = tape
        let n = t.nodes[Int(v)]
        guard n.kind == .number, n.end - n.start <= 9 else { throw Bail() }
        var s = 0
        for c in UnsafeBufferPointer(start: t.base(n.src) + Int(n.start), count: Int(n.end - n.start)) {
            guard c >= 0x30 && c <= 0x39 else { throw Bail() }
            s = s * 10 + Int(c - 0x30)
        }
        return s
    }
}
