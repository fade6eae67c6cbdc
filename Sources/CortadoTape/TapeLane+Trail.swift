import CortadoASL
import CortadoPath

// What the host reads of the line last run, to write its events (`LinearRunLog`): each state's
// values, a Task's attempts, a Map's iterations, the variables a state assigned.
extension TapeLane {
    /// Each state of `trail`: the value it was entered with and the one it left with, and a
    /// Task state's effective parameters and result (-1 for other states); write them with
    /// `write(_:into:)`. Valid until the next `run`.
    public func trailValues(_ k: Int) -> (input: Int32, output: Int32, parameters: Int32, result: Int32) {
        // (A line that failed has no output (-1) for its last state.)
        (trailInputs[k], trailOutputs[k], trailParameters[k], trailResults[k])
    }

    /// The object of the workflow variables trail entry `k` assigned (names and values), or
    /// -1 when it assigned none. Valid until the next `run`.
    public func assignedVariables(_ k: Int) -> Int32 { k < trailAssigned.count ? trailAssigned[k] : -1 }

    /// How many items trail entry `k`, a Map state, ran, and with what MaxConcurrency when
    /// it was read at run time (nil: the definition's). Valid until the next `run`.
    public func iterations(_ k: Int) -> (count: Int, maxConcurrency: Int?) {
        var count = 0
        for i in stride(from: trailMapCounts.count - 2, through: 0, by: -2) where trailMapCounts[i] == Int32(truncatingIfNeeded: k) {
            count = Int(trailMapCounts[i + 1])
            break
        }
        return (count, trailMapLimits.isEmpty ? nil : trailMapLimits.last { $0.entry == k }?.limit)
    }

    /// The Parameters (or Arguments) of attempt `attempt` (from 1) of trail entry `k`, a
    /// Task, where they differ from the first's (they read the context object's RetryCount);
    /// nil: the first's. Valid until the next `run`.
    public func attemptParameters(_ k: Int, _ attempt: Int) -> Int32? {
        var seen = 0
        for i in stride(from: 0, to: trailAttemptParameters.count, by: 2) where trailAttemptParameters[i] == Int32(truncatingIfNeeded: k) {
            seen += 1
            if seen == attempt { return trailAttemptParameters[i + 1] }
        }
        return nil
    }

    /// The Map iteration or Parallel branch that failed in trail entry `k`'s state, if one
    /// did. Valid until the next `run`.
    public func failedChild(_ k: Int) -> FailedChild? {
        failedChildren.isEmpty ? nil : failedChildren.last { $0.entry == k }
    }

    /// Appends value `v`'s JSON (a value of the last line run) to `buffer`.
    public func write(_ v: Int32, into buffer: inout UnsafeVec<UInt8>) {
        swap(&tape.out, &buffer)
        tape.write(v)
        swap(&tape.out, &buffer)
    }

    /// Trail entry `k`'s attempts, when it is a Task: the errors of those that failed, in
    /// order, and whether a result came after them (no: a Catcher took the last error, or
    /// it failed the line). Valid until the next `run`.
    public func taskAttempts(_ k: Int) -> (failed: [ASLError], succeeded: Bool) {
        let index: Int32
        switch states[trailStates[k]] {
        case .task(let s): index = s.retries
        case .jsonataTask(let s): index = s.retries
        case .call: return calledAttempts(k) ?? ([], true)
        default: index = -1
        }
        guard index >= 0 else { return ([], true) }
        let r = retries[index]
        var succeeded = false
        if case .result = r.outcome { succeeded = true }
        let failed = (0..<Int(r.failedAttempts.count)).map {
            code.errors[Int(code.attemptErrors[Int(r.failedAttempts.start) + $0])]
        }
        return (failed, succeeded)
    }
}
