import CortadoASL

// Waiting on the lane: on a virtual clock a Wait (or a Retry back-off) changes nothing the
// lane can see but the time the line has used, which is held to its time limit. On a
// parking clock the line parks (`TapeLane+Suspension`). In a Map iteration or Parallel
// branch a wait is the child's own; its state waits until the last child ends.
extension TapeLane {
    /// Counts `ms` of waiting against the line's time limit (past it the general engine
    /// decides whether the execution times out).
    /// On a `.parking` clock the line parks instead (`park`); in a child, the child's own
    /// (`childWait`).
    @inline(__always)
    func wait(_ ms: Int) throws(Bail) {
        if childDepth > 0 { return childWait(ms) }
        if parks { return try park(ms) }
        waitedMs = waitedMs > Int.max - ms ? Int.max : waitedMs + ms
        guard waitedMs < waitBudgetMs || ms == 0 else { throw Bail() }
        if recordsValues { markWait() }
    }

    /// A wait in a Map iteration or Parallel branch: the child's own time (`childWaitedMs`).
    /// Children run side by side in the interpreter; their state waits until the last ends
    /// (`SideBySide.end`, `childrenWait`).
    @inline(never)
    func childWait(_ ms: Int) {
        childWaitedMs = childWaitedMs > Int.max - ms ? Int.max : childWaitedMs + ms
    }

    /// The children of a Map or Parallel ran, each waiting `durations` (nil: none waited),
    /// `limit` at a time (0: all): the state waits until the last would have ended, side by
    /// side (`SideBySide.end`).
    func childrenWait(_ durations: [Int]?, limit: Int) throws(Bail) {
        guard let durations else { return }
        let ms = durations.withUnsafeBufferPointer { SideBySide.end(of: $0, limit: limit) }
        // (Held to the line's time limit by `wait`, as any of the line's waits.)
        if ms > 0 { try wait(ms) }
    }

    /// A wait of the top machine is over: the time the events after it show (`eventTime`).
    @inline(never)
    func markWait() {
        waitMarks.append((enteredEntry, trailStates.count, waitedMs))
    }

    /// When trail entry `k`'s events after its first `phase` waits happened (epoch ms; phase
    /// 0: its entered event; past its last wait: after that one): the line's start plus what
    /// it had waited then, by the marks its waits left. For a host that logs the line
    /// (`LinearRunLog.record`), when it waited (`waited`).
    public func eventTime(_ k: Int, phase: Int) -> Int64 {
        var ms = 0, seen = 0
        for m in waitMarks {
            if m.before <= k {
                ms = m.waitedMs
            } else if m.entry == k && seen < phase {
                ms = m.waitedMs
                seen += 1
            } else if m.entry > k {
                break
            }
        }
        return lineStart() + Int64(ms)
    }

    /// The line last run waited in its top machine (with `recordsValues`: its events have
    /// their times, `eventTime`).
    public var waited: Bool { !waitMarks.isEmpty }

    /// A wait on a `.parking` clock: ends the run with `parkedMs` where the line may park (in
    /// its top machine, a second clear of its time limit, as a timestamp is held: the general
    /// engine could not decide otherwise). A resumed line runs the state it parked in again
    /// from its entry (its work before each wait is pure: a Map's or Parallel's failed
    /// children fail again), and that state's waits up to the one it parked for pass at once
    /// (the time since the line started is then what it has waited).
    @inline(never)
    func park(_ ms: Int) throws(Bail) {
        let replaying = resumeEntry >= 0 && resumeEntry == enteredEntry && resumeWaitsLeft > 0
        guard ms > 0 else {
            // (A wait of nothing: its mark, unless the line had it before it parked.)
            if recordsValues && !replaying { markWait() }
            return
        }
        var waited = 0
        if resumeEntry >= 0 {
            if resumeEntry == enteredEntry {
                waited = resumeWaits
                if resumeWaitsLeft > 0 {
                    resumeWaitsLeft -= 1
                    if resumeWaitsLeft == 0 {
                        // (The state entered before it parked.)
                        if timeStates, resumeEntry < trailClock.count { trailClock.base[resumeEntry] = resumeEntryNanos }
                        waitedMs = max(waitedMs, Int(Timestamp.nowMilliseconds() - lineStart()))
                        // (The marks of the waits before it came with the line: `Suspension`.)
                        if recordsValues { markWait() }
                    }
                    return
                }
            } else {
                resumeEntry = -1
            }
        }
        guard childDepth == 0, ms < waitBudgetMs - Int(Self.timestampMarginMs) - waitedMs else { throw Bail() }
        parkedMs = ms
        parkedWaits = waited + 1
        throw Bail()
    }

    /// A JSONata Seconds expression's value as seconds (`plainSeconds`); anything else is
    /// the evaluator's error.
    func waitSeconds(_ v: Int32) throws(Bail) -> Int {
        guard let s = plainSeconds(v) else { throw Bail() }
        return s
    }

    /// SecondsPath (`TapeCode.values` entry `k`)'s value from `input` as seconds
    /// (`plainSeconds`); a value AWS refuses fails the state in AWS's words (`WaitDelay`).
    func secondsPathValue(_ k: Int32, _ input: Int32) throws(Bail) -> Int {
        let v = try read(values[k], input, -1, 0)
        guard let s = plainSeconds(v) else { throw pathValueError(k, v, WaitDelay.seconds(fromPath:path:)) }
        return s
    }

    /// A plain non-negative integer literal of at most nine digits, or nil (missing,
    /// negative, fractional, a string, an exponent).
    func plainSeconds(_ v: Int32) -> Int? {
        guard v >= 0 else { return nil }
        let t = tape
        let n = t.nodes[Int(v)]
        guard n.kind == .number, n.end - n.start <= 9 else { return nil }
        var s = 0
        for c in UnsafeBufferPointer(start: t.base(n.src) + Int(n.start), count: Int(n.end - n.start)) {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            s = s * 10 + Int(c - 0x30)
        }
        return s
    }
}

// Waiting for a timestamp: the line's time is when it started plus what it has waited. A
// timestamp more than `timestampMarginMs` past needs no wait on any clock; any other waits on
// the virtual clock, held that margin clear of the line's time limit and of the longest
// delay AWS accepts, so that the general engine, starting the line a moment later, could
// not decide otherwise. (Its branches wait side by side where the lane's add up: the lane's
// time is never behind it.)
extension TapeCompiler {
    /// A Wait's Timestamp, TimestampPath or JSONata Timestamp expression, in
    /// `TapeCode.waitTargets`; nil for a Wait of seconds. A constant that is not a timestamp
    /// stays general (it fails there in AWS's words).
    mutating func waitTarget(_ d: WaitDuration) throws(Unsupported) -> Int32? {
        let target: TWaitTarget
        switch d {
        case .timestamp(let text):
            guard let t = Timestamp.parse(text) else { throw Unsupported("Wait with an invalid Timestamp") }
            target = .constant(t.milliseconds)
        case .timestampPath(let p):
            code.values.append(try value(p, item: false))
            code.pathSources[Int32(code.values.count - 1)] = p.source
            target = .path(Int32(code.values.count - 1))
        case .timestampExpression(let e):
            target = .expression(try jsonataTemplate(e))
        default: return nil
        }
        code.waitTargets.append(target)
        return Int32(code.waitTargets.count - 1)
    }
}

extension TapeLane {
    static let timestampMarginMs: Int64 = 1000
    /// The longest delay AWS accepts (2^31 - 1 seconds), in milliseconds.
    static let longestDelayMs: Int64 = 2_147_483_647 * 1000

    /// Waits (on the virtual clock) until the instant of `target`, read from `input`;
    /// hands the line back where the general engine might decide otherwise (see above) or
    /// the value is not a timestamp (the general engine words that).
    func waitUntil(_ target: Int32, _ input: Int32, pc: Int32) throws(Bail) {
        let until: Int64
        switch code.waitTargets[Int(target)] {
        case .constant(let ms): until = ms
        case .path(let v):
            let node = try read(values[v], input, -1, 0)
            guard let ms = timestampMs(node) else { throw pathValueError(v, node, WaitDelay.instant(fromPath:path:)) }
            until = ms
        case .expression(let e):
            let node = try evaluate(e, input, -1, 0)
            guard let ms = timestampMs(node) else {
                // A string that is no timestamp: AWS's words (another value: the evaluator's).
                guard case .string(let text)? = json(node), case .failure(let error) = WaitDelay.instant(fromExpression: text)
                else { throw Bail() }
                throw evaluationError(error, pc: pc)
            }
            until = ms
        }
        let now = lineStart() + Int64(waitedMs)
        if until <= now - Self.timestampMarginMs { return }
        // (In a child, one not long past waits until a time that depends on when its
        // siblings ended: the general engine's.)
        guard childDepth == 0 else { throw Bail() }
        let ms = max(0, until - now)
        guard ms + Self.timestampMarginMs < Int64(waitBudgetMs) - Int64(waitedMs),
              ms < Self.longestDelayMs - Self.timestampMarginMs
        else { throw Bail() }
        try wait(Int(ms))
    }

    /// A string node's instant (epoch ms); nil for anything else.
    private func timestampMs(_ v: Int32) -> Int64? {
        guard v >= 0, case .string(let text)? = json(v), let t = Timestamp.parse(text) else { return nil }
        return t.milliseconds
    }
}
