import CortadoASL
import CortadoJSON
import CortadoPath

// The context object's times on the lane: `$$.Execution.StartTime` is when the line started
// (`lineStartMs`, read when first needed) and `$$.State.EnteredTime` that plus what the
// line has waited, formatted as the interpreter formats them (`Timestamp.iso8601`). On the
// virtual clock that is the interpreter's time exactly where no Map or Parallel child waits
// (the interpreter's children wait side by side, the lane's add up), so a program with
// such children reads EnteredTime on the general engine. On a real clock the lane never
// waits, and a state's time is the line's start: the line runs within microseconds.
extension TapeCompiler {
    /// A read of the whole context object in the state being compiled (`item`: in its
    /// ItemSelector), or nil where the lane cannot build it as the interpreter does: without
    /// the run's constants. (A Task's RetryCount is the lane's `taskRetryCount`.)
    mutating func wholeContext(item: Bool) -> TContextRead? {
        guard let k = runConstants, namesExecutions else { return nil }
        readsWholeContext = true
        code.readsEnteredTime = true
        code.contextConstants = k
        if code.contextInputSteps.count == 0 {
            code.contextInputSteps = Span(start: Int32(code.steps.count), count: 2)
            code.steps.append(contentsOf: [.name(key("Execution")), .name(key("Input"))])
        }
        return TContextRead(kind: .whole, state: statePC, item: item)
    }

    /// `$$.Execution.StartTime` or `$$.State.EnteredTime`; nil for another path.
    mutating func timeValue(_ p: JSONPath) -> TValue? {
        guard let plain = p.plainSteps, plain.count == 2 else { return nil }
        switch (plain[0], plain[1]) {
        case (.name("Execution"), .name("StartTime")): return .executionStartTime
        case (.name("State"), .name("EnteredTime")):
            code.readsEnteredTime = true
            return .stateEnteredTime
        default: return nil
        }
    }
}

extension TapeLane {
    /// When the line started (epoch ms), read the first time it is needed.
    @inline(__always)
    func lineStart() -> Int64 {
        if lineStartMs == 0 { lineStartMs = Timestamp.nowMilliseconds() }
        return lineStartMs
    }

    func startTimeNode() -> Int32 {
        if times.start < 0 { times.start = timeText(lineStart()) }
        return times.start
    }

    func enteredTimeNode() -> Int32 {
        // (A Wait or a retried Task entered before its waits.)
        let ms = lineStart() + Int64(enteredWaitedMs)
        if times.entered < 0 || times.enteredMs != ms { times = (times.start, timeText(ms), ms) }
        return times.entered
    }

    /// A text node of instant `ms` in ISO 8601 (no byte of it needs an escape).
    private func timeText(_ ms: Int64) -> Int32 {
        let t = tape, start = t.scratch.count
        var text = Timestamp(milliseconds: ms).iso8601
        text.withUTF8 { t.scratch.append($0) }
        return t.newText(from: start, plain: true)
    }
}

extension TapeLane {
    /// The context object `read` reads, as JSON (nil for none).
    func contextJSON(_ read: TContextRead) throws(Bail) -> JSON {
        switch read.kind {
        case .none: return .null
        case .executionInput: return ["Execution": ["Input": try tape.materialize(lineValue)]]
        case .whole:
            var o = try contextObject(state: read.state)
            if read.item { o.members.append(("Map", try mapItemContext())) }
            return .object(o)
        }
    }

    /// The context object `read` reads, as a node: `contextJSON`'s, but with the line itself
    /// put in as `$$.Execution.Input` (not copied out as JSON and parsed back).
    func contextNode(_ read: TContextRead) throws(Bail) -> Int32 {
        guard read.kind == .whole, !read.item else { return try tape.adopt(try contextJSON(read)) }
        // (As `materialize` would: a line with duplicate keys goes back.)
        try tape.checkKeysDeep(lineValue)
        var node = try tape.adopt(.object(try contextObject(state: read.state, lineInput: .null)))
        let s = code.contextInputSteps
        guard try ResultPath.assign(tree, lineValue, into: &node, Int(s.start), Int(s.start &+ s.count)) == nil else { throw Bail() }
        return node
    }

    /// `$$.Map` in an ItemSelector: the item being selected and its index.
    func mapItemContext() throws(Bail) -> JSON {
        guard selectorItem >= 0 else { throw Bail() }
        return ["Item": ["Index": .number(JSONNumber(selectorIndex)), "Value": try tape.materialize(selectorItem)]]
    }

    /// The context object for state `state`, shaped by `ContextObject` as the interpreter's
    /// (`Execution.contextBase`), of the line's values: its ARN, input, name and times, the
    /// run's constants. A Map item is the caller's.
    /// `lineInput`: what stands for the line as `$$.Execution.Input` (nil: the line, copied out).
    func contextObject(state: Int32, lineInput: JSON? = nil) throws(Bail) -> JSONObject {
        guard let k = code.contextConstants,
              case .string(let id) = try tape.materialize(try read(.executionId, -1, -1, 0)),
              case .string(let start) = try tape.materialize(startTimeNode()),
              case .string(let name) = try tape.materialize(try read(.executionName, -1, -1, 0)),
              case .string(let entered) = try tape.materialize(enteredTimeNode()) else { throw Bail() }
        let input: JSON
        if let lineInput { input = lineInput } else { input = try tape.materialize(lineValue) }
        let execution = ContextObject.execution(id: id, input: input, startTime: start, name: name,
                                                roleArn: k.roleArn, redriveCount: k.redriveCount)
        var retryCount: Int? = nil
        switch states[state] {
        case .task, .jsonataTask, .call: retryCount = taskRetryCount
        default: break
        }
        return ContextObject.object(execution: execution, stateName: code.stateNames[Int(state)], enteredTime: entered,
                                    retryCount: retryCount, stateMachine: ContextObject.stateMachine(id: k.stateMachineArn, name: k.stateMachineName),
                                    taskToken: nil)
    }
}
