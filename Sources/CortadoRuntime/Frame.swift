import CortadoASL
import CortadoJSON
import CortadoPath

/// A thread of control inside an execution: the top-level machine, a Parallel branch or a Map iteration.
final class Frame {
    var pc: Int
    /// The current state's raw input (before InputPath).
    var input: JSON
    /// The effective input after InputPath/Parameters (kept for Wait and retries).
    var effective: JSON = .null
    var resume: Resume = .enter
    /// Per-retrier attempt counts of the current state.
    var retryCounts: [Int] = []
    /// `$$.State.RetryCount`.
    var retryCount = 0
    var enteredTime: Int64 = 0
    var enteredEventID = 0
    /// The last history event of this thread (what its next event follows).
    var lastEventID = 0
    /// Monotonic start of the current state, when state stats are kept.
    var statStart: UInt64 = 0
    var cancelled = false
    /// The Map/Parallel waiting for this frame, and this frame's result slot in it.
    let join: Join?
    let slot: Int
    /// The join this frame waits on while its Map/Parallel children run.
    var children: Join?
    /// The workflow variables this thread sees (see Assign.swift for the scoping rules).
    var variables: [String: JSON] = [:]

    init(pc: Int, input: JSON, join: Join?, slot: Int) {
        self.pc = pc; self.input = input; self.join = join; self.slot = slot
    }

    /// Bumped each time the frame parks; a timer entry from an earlier park is ignored.
    var parkSeq: UInt64 = 0
    /// Identifies the task in flight; a completion for an older one is ignored.
    var taskGen: UInt64 = 0
    /// True while a backend owes this frame an answer (`.pending`).
    var taskPending = false
    /// The answer, once it arrived.
    var taskResult: TaskOutcome?
    /// A `.after` outcome and when it is due.
    var delayed: (at: Int64, outcome: TaskOutcome)?
    var taskTimeoutAt: Int64?
    var heartbeatAt: Int64?
    var heartbeatSeconds: Int?
    /// `$$.Task.Token` of the `.waitForTaskToken` task this frame runs (nil otherwise).
    var taskToken: String?

    enum Resume { case enter, afterWait, retry, childrenDone, taskWait }
}

/// A Map or Parallel state waiting for its children.
final class Join {
    /// Strong: nothing else holds a parked parent. The cycle (parent.children -> join ->
    /// parent) is broken in `collect` and, for joins still open at the end, in `finish`.
    let parent: Frame
    var results: [JSON?]
    var remaining: Int
    /// Inputs and start pcs of children not started yet (Map with MaxConcurrency).
    var pending: [(pc: Int, input: JSON, slot: Int)]
    var running: [Frame] = []
    var failures = 0
    var toleratedCount: Int?
    var toleratedPercentage: Double?
    var error: ASLError?
    /// A Map (its children are iterations, with MapIteration events) rather than a Parallel.
    var isMap = false
    /// A Distributed Map: its iterations start without the parent's variables.
    var isDistributed = false
    /// `MapStateStarted` / `ParallelStateStarted`: what each child's first event follows.
    var startEventID = 0

    init(parent: Frame, count: Int) {
        self.parent = parent; results = Array(repeating: nil, count: count); remaining = count; pending = []
    }
}
