import CortadoASL
import CortadoJSON
import CortadoPath

// A line's run on the lane: the line parsed over what the one before left, its top machine
// run to its end (a value, a failure, or a wait it parks for), its output written.
extension TapeLane {
    /// Runs one line. On success returns the output's JSON, valid until the next `run`.
    /// - Throws: `Bail` when the general engine must run this line (also a failed execution,
    ///   which only `run(line:appendingTo:)` reports, and one that would park).
    public func run(line: UnsafeBufferPointer<UInt8>) throws(Bail) -> UnsafeBufferPointer<UInt8> {
        let result = try execute(line)
        guard result != failedLine, result != waitingLine else { throw Bail() }
        tape.write(result)
        return tape.out.buffer
    }

    /// How a line's run on the lane ended.
    public enum LineEnd: Equatable, Sendable {
        case succeeded
        /// With `lastFailure` (only on a lane made with `handlesFailures`).
        case failed
        /// It parks for this long, on a `.parking` clock: `suspend` it now, `resume` it then.
        case waits(milliseconds: Int)
    }

    /// Runs one line and appends the output's JSON to `buffer` when it succeeded (nothing
    /// else: when it throws, failed, or waits).
    public func run(line: UnsafeBufferPointer<UInt8>, appendingTo buffer: inout UnsafeVec<UInt8>) throws(Bail) -> LineEnd {
        end(try execute(line), appendingTo: &buffer)
    }

    func end(_ result: Int32, appendingTo buffer: inout UnsafeVec<UInt8>) -> LineEnd {
        if result == failedLine { return .failed }
        if result == waitingLine { return .waits(milliseconds: parkedMs) }
        swap(&tape.out, &buffer)
        tape.write(result)
        swap(&tape.out, &buffer)
        return .succeeded
    }

    /// The error the line last run failed with (when it ended `.failed`).
    public var lastFailure: ASLError {
        failedByState ? raised ?? ASLError(.runtime, nil) : failedWith ?? code.errors[Int(failure)]
    }

    @inline(__always)
    func execute(_ line: UnsafeBufferPointer<UInt8>) throws(Bail) -> Int32 {
        try conclude(start, try begin(line))
    }

    /// Forgets the line before and parses `line`: its root node.
    @inline(__always)
    func begin(_ line: UnsafeBufferPointer<UInt8>) throws(Bail) -> Int32 {
        let t = tape
        t.reset()
        trailStates.truncate(to: 0)
        trailClock.truncate(to: 0)
        trailInputs.truncate(to: 0)
        trailOutputs.truncate(to: 0)
        trailParameters.truncate(to: 0)
        trailResults.truncate(to: 0)
        trailMapCounts.truncate(to: 0)
        trailAttemptParameters.truncate(to: 0)
        if !trailMapLimits.isEmpty { trailMapLimits.removeAll(keepingCapacity: true) }
        trailAssigned.truncate(to: 0)
        assigned.truncate(to: 0)  // (values a line that went back left built and not stored)
        if variableCount > 0 { variables.initialize(repeating: -1, count: variableCount) }
        generalScope = nil
        generalInput = nil
        stepCount = 0
        sawFailure = false
        // (`childDepth` is back to 0 after every line: `runChild` counts down as it leaves.)
        if raised != nil { raised = nil }
        if failedWith != nil { failedWith = nil }
        if childRaised != nil { childRaised = nil }
        if lastChildRaised != nil { lastChildRaised = nil }
        if !failedChildren.isEmpty { failedChildren.removeAll(keepingCapacity: true) }
        if !callAttempts.isEmpty { callAttempts.removeAll(keepingCapacity: true) }
        if !awaitedCalls.isEmpty {
            awaitedCalls.removeAll()
            awaiting = nil
            unanswered = nil
        }
        if !waitMarks.isEmpty { waitMarks.removeAll(keepingCapacity: true) }
        failedByState = false
        failedOnEntry = false
        workMark = -1
        waitedMs = 0
        enteredWaitedMs = 0
        parkedMs = 0
        resumeEntry = -1
        lineStartMs = 0
        executionNameNode = -1
        executionIdNode = -1
        times = (-1, -1, 0)
        guard let root = t.parseLine(line) ?? t.parseCanonicalLine(line) else { throw Bail() }
        lineValue = root
        return root
    }

    /// Runs the top machine from state `pc` with `input` to the line's result: its value,
    /// `failedLine` or `waitingLine`.
    @inline(__always)
    func conclude(_ pc: Int32, _ input: Int32) throws(Bail) -> Int32 {
        let t = tape
        let result: Int32
        do {
            result = try runMachine(pc, input)
        } catch {
            if parkedMs > 0 {
                resultValue = waitingLine
                return waitingLine
            }
            // A top-level state raised a States.Runtime error: the line fails with it.
            guard raised != nil else { throw error }
            failedByState = true
            failedOnEntry = !raisedAfterWork
            sawFailure = true
            resultValue = failedLine
            return failedLine
        }
        resultValue = result
        if result == failedLine { return result }
        guard Int(t.nodes[Int(result)].size) <= payloadLimit else { throw Bail() }
        try t.checkKeysDeep(result)
        return result
    }
}
