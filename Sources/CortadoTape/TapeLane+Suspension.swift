import CortadoASL
import CortadoJSON
import CortadoPath

// Parking on the lane (a `.parking` clock): a line that waits in its top machine (a Wait, a
// Task's Retry back-off) ends its run with `.waits`. The host copies out what the line
// still needs (`suspend`: the state it waits in, that state's input and the variables as
// JSON text, its record so far) and lets the worker go on; once the time has come, any
// worker's lane of the same program parses the line and that text again (`resume`) and runs
// the state from its entry. A parked line holds no borrow of the lane's buffers, only of its
// own line, which its batch keeps until every line of it has ended.
extension TapeLane {
    /// A parked line: what its run needs to go on. Made by `suspend`, used once by `resume`.
    public final class Suspension: @unchecked Sendable {
        /// How long it waits (milliseconds).
        public let milliseconds: Int
        /// The state it parked in (run again from its entry), that entry, how many of the
        /// state's waits it has waited with this one, and the time waited when it entered.
        let pc: Int32
        let entry: Int
        let waits: Int
        let enteredWaitedMs: Int
        /// The JSON text of the state's input (nil: the line itself) and of each variable
        /// (`variableRanges[slot]`: a range of `text`, nil: not set).
        let input: Range<Int>?
        let variableRanges: [Range<Int>?]
        let text: [UInt8]
        /// The line's record before that state (`trail`, `trailTimes`, Map counts and failed
        /// children, for the host's counts and the words of a later error).
        let states: [Int32]
        let times: [UInt64]
        let entryNanos: UInt64
        let timed: Bool
        let timeScale: Int
        let mapCounts: [Int32]
        let mapLimits: [(entry: Int, limit: Int)]
        let failedChildren: [FailedChild]
        /// The answers of the Tasks called in the state it parked in, in order (`TapeLane+Calls`),
        /// and the attempts of those called before it.
        let callOutcomes: [(delayMs: Int, outcome: Result<JSONPayload, ASLError>)]
        let callAttempts: [(entry: Int, failed: [ASLError], succeeded: Bool)]
        /// The call it waits for the answer of (its host resumes it when that comes, or at
        /// `milliseconds`, whichever is first: `AwaitedCall.arm`, `claimForTimer`), and every
        /// call of a real backend it made.
        public let awaiting: AwaitedCall?
        let awaitedCalls: [AwaitedCall]
        /// The calls the line made before it parked (`TapeLane.madeCalls`).
        public var madeCalls: [AwaitedCall] { awaitedCalls }
        let failure: Int32
        let failedWith: ASLError?
        let sawFailure: Bool
        let workMark: Int
        let stepCount: Int
        let lineStartMs: Int64
        let lineNumber: Int
        /// A logged line's record (`recordsValues`): each entry before the state's input,
        /// output, parameters, result and assigned variables (`trailValues`), and each later
        /// attempt's parameters, as indexes of `recordedRanges` (-1: none, -2: the line
        /// itself); where its waits were (`waitMarks`).
        let recorded: [Int32]
        let recordedAttempts: [(entry: Int32, value: Int32)]
        let recordedRanges: [Range<Int>]
        let waitMarks: [(entry: Int, before: Int, waitedMs: Int)]

        init(_ lane: TapeLane, input: Int32) {
            milliseconds = lane.parkedMs
            let entry = lane.enteredEntry
            self.entry = entry
            pc = lane.trailStates[entry]
            waits = lane.parkedWaits
            enteredWaitedMs = lane.enteredWaitedMs
            var text = UnsafeVec<UInt8>(capacity: 64)
            defer { text.free() }
            func keep(_ v: Int32) -> Range<Int> {
                let start = text.count
                lane.write(v, into: &text)
                return start..<text.count
            }
            self.input = input == lane.lineValue ? nil : keep(input)
            variableRanges = (0..<lane.variableCount).map { k in
                lane.variables[k] >= 0 ? keep(lane.variables[k]) : nil
            }
            var recorded: [Int32] = [], attempts: [(entry: Int32, value: Int32)] = [], ranges: [Range<Int>] = []
            if lane.recordsValues {
                // Each value once (a state's output is often the next one's input).
                var kept: [Int32: Int32] = [:]
                func index(_ v: Int32) -> Int32 {
                    if v < 0 { return -1 }
                    if v == lane.lineValue { return -2 }
                    if let i = kept[v] { return i }
                    ranges.append(keep(v))
                    kept[v] = Int32(ranges.count - 1)
                    return Int32(ranges.count - 1)
                }
                recorded.reserveCapacity(entry * 5)
                for k in 0..<entry {
                    let v = lane.trailValues(k)
                    for x in [v.input, v.output, v.parameters, v.result, lane.assignedVariables(k)] { recorded.append(index(x)) }
                }
                let a = lane.trailAttemptParameters
                for i in stride(from: 0, to: a.count, by: 2) where Int(a[i]) < entry { attempts.append((a[i], index(a[i + 1]))) }
            }
            (self.recorded, recordedAttempts, recordedRanges) = (recorded, attempts, ranges)
            waitMarks = lane.waitMarks
            self.text = Array(text.buffer)
            states = Array(lane.trail.prefix(entry))
            times = Array(lane.trailTimes.prefix(entry))
            // (The state's own entry time: kept for it when it runs again.)
            entryNanos = entry < lane.trailTimes.count ? lane.trailTimes[entry] : 0
            timed = lane.timeStates
            timeScale = lane.timeScale
            var counts: [Int32] = []
            let c = lane.trailMapCounts
            for k in stride(from: 0, to: c.count, by: 2) where Int(c[k]) < entry { counts.append(c[k]); counts.append(c[k + 1]) }
            mapCounts = counts
            mapLimits = lane.trailMapLimits.filter { $0.entry < entry }
            failedChildren = lane.failedChildren.filter { $0.entry < entry }
            callOutcomes = lane.callOutcomes
            callAttempts = lane.callAttempts.filter { $0.entry < entry }
            awaiting = lane.awaiting
            awaitedCalls = lane.awaitedCalls
            failure = lane.failure
            failedWith = lane.failedWith
            sawFailure = lane.sawFailure
            workMark = lane.workMark
            stepCount = lane.stepCount
            // (Read now if not yet: `$$.Execution.StartTime` after the wait is the line's.)
            lineStartMs = lane.lineStart()
            lineNumber = lane.lineNumber
        }
    }

    /// The line last run, which ended `.waits`, copied out for `resume`.
    public func suspend() -> Suspension {
        precondition(resultValue == waitingLine, "suspend: the line does not wait")
        // (It parked in a state of the top machine: `enteredInput` is that state's.)
        return Suspension(self, input: enteredInput)
    }

    /// Goes on with a parked line (`line`: its bytes, as first run; `parked`: from `suspend`
    /// on this lane or another of the same program) and appends the output's JSON to
    /// `buffer` when it succeeded, as `run(line:appendingTo:)`. Its per-state times are
    /// kept, and weighed (`timeStates`, `timeScale`), as they were when it started.
    public func resume(_ parked: Suspension, line: UnsafeBufferPointer<UInt8>,
                       appendingTo buffer: inout UnsafeVec<UInt8>) throws(Bail) -> LineEnd {
        timeStates = parked.timed
        timeScale = parked.timeScale
        let t = tape
        let root = try begin(line)
        func adopt(_ r: Range<Int>) throws(Bail) -> Int32 {
            try parked.text.withUnsafeBufferPointer { b throws(Bail) in try t.adopt(UnsafeBufferPointer(rebasing: b[r])) }
        }
        let input = try parked.input.map(adopt) ?? root
        for (slot, r) in parked.variableRanges.enumerated() { variables[slot] = try r.map(adopt) ?? -1 }
        // The state runs again from its entry, which records it (and its children) again.
        for pc in parked.states { trailStates.append(pc) }
        for ns in parked.times { trailClock.append(ns) }
        if recordsValues {
            var values: [Int32] = []
            values.reserveCapacity(parked.recordedRanges.count)
            for r in parked.recordedRanges { values.append(try adopt(r)) }
            func value(_ i: Int32) -> Int32 { i == -2 ? root : i < 0 ? -1 : values[Int(i)] }
            let v = parked.recorded
            for k in stride(from: 0, to: v.count, by: 5) {
                trailInputs.append(value(v[k]))
                trailOutputs.append(value(v[k + 1]))
                trailParameters.append(value(v[k + 2]))
                trailResults.append(value(v[k + 3]))
                trailAssigned.append(value(v[k + 4]))
            }
            for (entry, i) in parked.recordedAttempts {
                trailAttemptParameters.append(entry)
                trailAttemptParameters.append(value(i))
            }
        }
        // (On a virtual clock the state's own waits mark again as it runs again; a parking
        // clock's pass at once, `park`.)
        waitMarks = parks ? parked.waitMarks : parked.waitMarks.filter { $0.entry < parked.entry }
        resumeEntry = parked.entry
        resumeEntryNanos = parked.entryNanos
        (resumeWaits, resumeWaitsLeft) = (parked.waits, parked.waits)
        for v in parked.mapCounts { trailMapCounts.append(v) }
        trailMapLimits = parked.mapLimits
        failedChildren = parked.failedChildren
        callOutcomes = parked.callOutcomes
        callAttempts = parked.callAttempts
        awaitedCalls = parked.awaitedCalls
        if let call = parked.awaiting { resumed(awaiting: call) }
        failure = parked.failure
        failedWith = parked.failedWith
        sawFailure = parked.sawFailure
        workMark = parked.workMark
        stepCount = parked.stepCount
        waitedMs = parked.enteredWaitedMs
        lineStartMs = parked.lineStartMs
        lineNumber = parked.lineNumber
        return end(try conclude(parked.pc, input), appendingTo: &buffer)
    }
}
