import CortadoASL
import CortadoJSON
import CortadoPath

// Map and Parallel on the lane: children run one after another over the same tape, their
// outputs form the state's result; a failed child goes to the state's Retriers (the state
// runs again, from its input, after the back-off) and Catchers.
extension TapeLane {
    /// - Returns: the state's output and next state, or `failedLine` when an iteration
    ///   failed and no Catcher took it.
    /// `entry`: the Map's trail entry, whose item count is recorded with its values.
    func map(_ s: TMap, _ raw: Int32, pc: Int32, entry: Int) throws(Bail) -> (Int32, Int32) {
        var retries: [Int] = []
        while true {
            let eff = try filter(raw, s.input)
            let list = try filter(eff, s.items)
            // (The items first, then the limits, as the interpreter reads them.)
            guard tree.isArray(list) else { throw code.itemsNotAnArray[pc].map { runtimeError($0) } ?? Bail() }
            let results = try items(list, eff, s.selector, s.processor, s.limits, tolerates: s.tolerates, pc: pc, entry: entry)
            if results == failedLine {
                if let end = try childFailed(pc, raw, entry: entry, retries: &retries) { return end }
                continue
            }
            return (try finish(raw, results, s.resultSelector, s.resultPath, s.output, assigns[pc], entry: entry), s.next)
        }
    }

    func jsonataMap(_ s: TJSONataMap, _ input: Int32, pc: Int32, entry: Int) throws(Bail) -> (Int32, Int32) {
        var retries: [Int] = []
        while true {
            let list = s.items == none ? input : try evaluate(s.items, input, -1, 0)
            guard tree.isArray(list) else {
                guard let m = code.jsonataMaps[pc], let v = json(list) else { throw Bail() }
                throw evaluationError(m.jsonataItemsNotAnArray(v), pc: pc)
            }
            let results = try items(list, input, s.selector, s.processor, s.limits, tolerates: s.tolerates, pc: pc, entry: entry)
            if results == failedLine {
                if let end = try childFailed(pc, input, entry: entry, retries: &retries) { return end }
                continue
            }
            return (try finishJSONata(input, results, s.output, pc: pc, entry: entry), s.next)
        }
    }

    /// A Map's items (`list`, an array) after its limits are read from `eff` (its input;
    /// `limits`, a tolerance where it `tolerates` failures): `iterations`, its children's
    /// work (`workMark`).
    func items(_ list: Int32, _ eff: Int32, _ selector: Int32, _ processor: Int32, _ limits: Span, tolerates: Bool,
               pc: Int32, entry: Int) throws(Bail) -> Int32 {
        let read = try limits.count > 0 ? checkLimits(limits, eff, entry: entry) : TLimitsRead()
        let tolerance = tolerates ? tolerance(pc, read) : nil
        workMark = entry
        var durations: [Int]? = nil
        let results = try iterations(list, eff, selector, processor, tolerance, entry: entry,
                                     waits: code.childrenMayWait[Int(pc)], durations: &durations)
        workMark = trailStates.count - 1
        if durations != nil, results != failedLine {
            // (Its MaxConcurrency: constant, or read now.)
            let limit = code.concurrency[pc] ?? trailMapLimits.last.flatMap { $0.entry == entry ? $0.limit : nil } ?? 0
            try childrenWait(durations, limit: limit)
        }
        return results
    }

    /// The tolerance of the Map at `pc` (which has one): its constants, or the values its
    /// Path or JSONata forms `read`; nil where the lane does not count its failures.
    func tolerance(_ pc: Int32, _ read: TLimitsRead) -> TTolerance? {
        guard var t = code.tolerances[pc] else { return nil }
        if let n = read.count { t.count = n }
        if let p = read.percentage { t.percentage = p }
        return t
    }

    /// Runs the processor on each item of `list` (which must be an array), through the
    /// selector (read with `eff`, the Map's input); returns the array of their outputs, or
    /// `failedLine` when one failed (with `tolerance`: when the failures exceed it; the error
    /// output of each failed item tolerated takes its place, as `ToleratedFailures` has it).
    /// `entry`: the Map's trail entry, whose item count is recorded with its values.
    /// `durations`: each iteration's waits, once one waited, where they may (`waits`,
    /// `childrenWait`).
    func iterations(_ list: Int32, _ eff: Int32, _ selector: Int32, _ processor: Int32, _ tolerance: TTolerance?,
                    entry: Int, waits: Bool, durations: inout [Int]?) throws(Bail) -> Int32 {
        let t = tape
        let kind = t.nodes[Int(list)].kind
        guard kind == .array || kind == .builtArray else { throw Bail() }
        let results = t.newArray(count: Int(t.nodes[Int(list)].count))
        trailMapCounts.append(Int32(truncatingIfNeeded: entry))
        trailMapCounts.append(t.nodes[Int(list)].count)
        let at = Int(t.nodes[Int(results)].first)
        var k = 0
        var size = 2 &+ max(0, Int(t.nodes[Int(list)].count) &- 1)
        var stopped = false
        var failures = 0
        try t.forEachElement(list) { (item) throws(Bail) in
            if stopped { return }
            var input = item
            if selector != none {
                selectorItem = item; selectorIndex = k
                defer { selectorItem = -1 }
                input = try evaluate(selector, eff, item, k)
            }
            var r = waits ? try timedChild(processor, input, k, &durations) : try runChild(processor, input)
            if r == failedLine {
                guard let tolerance else { noteFailedChild(tolerated: false); stopped = true; return }
                failures += 1
                if ToleratedFailures.exceeds(failures: failures, of: Int(t.nodes[Int(results)].count),
                                             count: tolerance.count, percentage: tolerance.percentage) {
                    noteFailedChild(tolerated: false)
                    failed(tolerance.exceeded)
                    stopped = true
                    return
                }
                noteFailedChild(tolerated: true)
                r = try failureOutput()
            }
            t.links[at + k] = r
            size &+= Int(t.nodes[Int(r)].size)
            k += 1
        }
        if stopped { return failedLine }
        t.nodes[Int(results)].size = Int32(clamping: size)
        return results
    }

    func parallel(_ s: TParallel, _ raw: Int32, pc: Int32, entry: Int) throws(Bail) -> (Int32, Int32) {
        var retries: [Int] = []
        while true {
            var eff = try filter(raw, s.input)
            if s.parameters != none { eff = try evaluate(s.parameters, eff, -1, 0) }
            workMark = entry
            let results = try branches(s.branches, eff, waits: code.childrenMayWait[Int(pc)])
            workMark = trailStates.count - 1
            if results == failedLine {
                if let end = try childFailed(pc, raw, entry: entry, retries: &retries) { return end }
                continue
            }
            return (try finish(raw, results, s.resultSelector, s.resultPath, s.output, assigns[pc], entry: entry), s.next)
        }
    }

    func jsonataParallel(_ s: TJSONataParallel, _ input: Int32, pc: Int32, entry: Int) throws(Bail) -> (Int32, Int32) {
        var retries: [Int] = []
        while true {
            let eff = s.arguments == none ? input : try evaluate(s.arguments, input, -1, 0)
            workMark = entry
            let results = try branches(s.branches, eff, waits: code.childrenMayWait[Int(pc)])
            workMark = trailStates.count - 1
            if results == failedLine {
                if let end = try childFailed(pc, input, entry: entry, retries: &retries) { return end }
                continue
            }
            return (try finishJSONata(input, results, s.output, pc: pc, entry: entry), s.next)
        }
    }

    /// Runs each branch (first pcs in `items`) on `input`, one after another; returns the
    /// array of their outputs, or `failedLine` when one failed. Where they may wait
    /// (`waits`), the state waits until the last would have ended (`childrenWait`).
    func branches(_ span: Span, _ input: Int32, waits: Bool) throws(Bail) -> Int32 {
        let t = tape
        let n = Int(span.count)
        let results = t.newArray(count: n)
        let at = Int(t.nodes[Int(results)].first)
        var size = 2 &+ max(0, n &- 1)
        var durations: [Int]? = nil
        for k in 0..<n {
            let first = items[Int(span.start) + k]
            let r = waits ? try timedChild(first, input, k, &durations) : try runChild(first, input)
            if r == failedLine { noteFailedChild(tolerated: false); return failedLine }
            t.links[at + k] = r
            size &+= Int(t.nodes[Int(r)].size)
        }
        t.nodes[Int(results)].size = Int32(clamping: size)
        try childrenWait(durations, limit: 0)
        return results
    }

    /// Runs child `k` (from 0; `first`, on `input`) of a state whose children may wait, and
    /// keeps how long it waited in `durations` once one of it and its siblings did. (A
    /// child that goes back leaves the line: what it waited is of no more use.)
    func timedChild(_ first: Int32, _ input: Int32, _ k: Int, _ durations: inout [Int]?) throws(Bail) -> Int32 {
        let outer = childWaitedMs
        childWaitedMs = 0
        let r = try runChild(first, input)
        let waited = childWaitedMs
        childWaitedMs = outer
        if waited > 0 || durations != nil {
            if durations == nil { durations = Array(repeating: 0, count: k) }
            durations!.append(waited)
        }
        return r
    }

    /// The Map iteration or Parallel branch that just ended failed (the trail's last entry is
    /// the state it failed in), and its Map `tolerated` it: recorded for the line's log and
    /// the numbering of later events (`FailedChild`; its state's Retrier or Catcher marks it
    /// `retried` or `caught`).
    @inline(never)
    func noteFailedChild(tolerated: Bool) {
        let raised = lastChildRaised
        lastChildRaised = nil
        failedChildren.append(FailedChild(entry: trailStates.count - 1, raised: raised,
                                          afterWork: raised != nil && childRaisedAfterWork, tolerated: tolerated))
    }
}

/// A Map iteration or Parallel branch that failed, as the host logs it (`LinearRunLog`).
public struct FailedChild: Sendable {
    /// The trail entry of the state it failed in.
    public let entry: Int
    /// The error that state raised itself (States.Runtime, States.QueryEvaluationError), if
    /// it did (nil: a Fail state's error, a Task's).
    public let raised: ASLError?
    /// That error came after the state's Task call (its task events come first).
    public let afterWork: Bool
    /// Its Map tolerated the failure and went on.
    public let tolerated: Bool
    /// Else its state failed with it (or with States.ExceedToleratedFailureThreshold), and a
    /// Retrier of the state took that error (the state ran again), or a Catcher did.
    public internal(set) var retried = false
    public internal(set) var caught = false
}
