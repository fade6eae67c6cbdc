import CortadoASL
import CortadoJSON
import CortadoJSONata
import CortadoPath

/// What running one state produced.
enum Control {
    case next(Int, JSON)
    case park
    case end(JSON)
    /// An error raised by the state itself: Retry and Catch apply.
    case raise(ASLError)
    /// An error that ends the frame without Retry/Catch (Fail state).
    case fail(ASLError)
}

extension Execution {
    /// Runs `f` until it parks or ends.
    func run(_ f: Frame) {
        while result == nil, !f.cancelled {
            stepsBeforeClockCheck -= 1
            if stepsBeforeClockCheck <= 0 {
                stepsBeforeClockCheck = Execution.stepsBetweenClockChecks
                if loopedPastTheTimeLimit() {
                    finish(.timedOut, output: nil, error: ASLError(.timeout, "Execution timed out."))
                    return
                }
            }
            var control: Control
            do throws(ASLError) {
                control = try step(f)
            } catch {
                // NOTE: a States.Runtime error raised while processing a state is terminal:
                // neither Retry nor Catch (not even an explicit "States.Runtime") applies.
                let e = qualify(error, f)
                if e.name == .queryEvaluationError {
                    // AWS records the failed evaluation before the state fails.
                    let state = program.headers[f.pc].name
                    emit(.evaluationFailed, f) { Execution.evaluationFailedDetails(e, state: state) }
                }
                control = e.name == .runtime ? .fail(e) : .raise(e)
            }
            if case .raise(let e) = control { control = handle(e, in: f) }
            if let i = options.inspection {
                // TestState: a Task calling its backend (no mock) waits for the answer, as
                // an execution's does; then the one state is done.
                if case .park = control, f.resume == .taskWait { return }
                // Its output is held to the payload limit, as an execution's final output is.
                switch control {
                case .next(_, let out), .end(let out):
                    if out.serializedByteCount > options.maxPayloadBytes {
                        control = .fail(Execution.outputLimitError(state: program.headers[f.pc].name))
                    }
                default: break
                }
                i.settle(control, variables: f.variables) { self.program.headers[$0].name }
                finish(.succeeded, output: .null, error: nil)
                return
            }
            if let stats = stateStats {
                if case .park = control {} else {
                    let spent = monotonicNanoseconds() &- f.statStart
                    stats.nanosSpent[f.pc] &+= spent
                    if stats.recordsVisits { stats.visits.append((pc: Int32(f.pc), nanos: spent)) }
                }
            }
            switch control {
            case .next(let pc, let output):
                f.pc = pc; f.input = output; f.resume = .enter
            case .park:
                return
            case .end(let output):
                frameEnded(f, output: output); return
            case .fail(let e), .raise(let e):
                frameFailed(f, e); return
            }
        }
    }

    /// The EvaluationFailed event AWS records before a state fails with a QueryEvaluationError
    /// (`e`, qualified), which the tape lane's record writes too (`LinearRunLog`).
    static func evaluationFailedDetails(_ e: ASLError, state: String) -> EventDetails {
        var d = Execution.errorDetails(e)
        d.name = state
        d.location = e.location
        return d
    }

    /// Adds AWS's state prefix to errors the engine raises while processing a state.
    func qualify(_ e: ASLError, _ f: Frame) -> ASLError {
        guard e.name == .runtime || e.name == .intrinsicFailure || e.name == .queryEvaluationError else { return e }
        let error: ErrorName = e.name == .queryEvaluationError ? .queryEvaluationError : .runtime
        // NOTE: TestState's causes carry no such prefix (AWS's recordings): there is no event id.
        if options.inspection != nil { return ASLError(error, e.cause, location: e.location) }
        return Execution.qualified(ASLError(error, e.cause, location: e.location), state: program.headers[f.pc].name,
                                   enteredEventID: f.enteredEventID)
    }

    /// `e`, raised while processing state `state` (entered at event `enteredEventID`), in
    /// AWS's words: its cause after the state's name and event (the tape lane's host words
    /// the errors the lane raises with it too).
    public static func qualified(_ e: ASLError, state: String, enteredEventID: Int) -> ASLError {
        ASLError(e.name, "An error occurred while executing the state '\(state)' (entered at the event id #\(enteredEventID)). \(e.cause ?? "")",
                 location: e.location)
    }

    // MARK: - One state

    func step(_ f: Frame) throws(ASLError) -> Control {
        let h = program.headers[f.pc]
        if f.resume == .enter {
            if let stats = stateStats {
                stats.enteredCounts[f.pc] += 1
                f.statStart = monotonicNanoseconds()
            }
            f.enteredTime = now
            f.retryCount = 0
            f.retryCounts = []
            let input = f.input
            f.enteredEventID = emit(EventType.entered(program.code[f.pc]), f) { h.enteredDetails(.json(input)) }
            inspect("input", input)
        }
        switch program.code[f.pc] {
        case .pass(let s):
            if h.language == .jsonata { return try finishJSONata(f, h, result: nil, output: h.output, assign: h.assign) }
            var eff = try select(f.input, h.inputPath, f)
            // NOTE: with a fixed Result, AWS's TestState reports neither afterInputPath nor afterParameters.
            if s.result == nil { inspect("afterInputPath", eff) }
            if let p = s.processing.parameters {
                eff = try p.evaluate(input: eff, variables: f.variables, context: { self.context(f) })
            }
            if let r = s.result { inspect("result", r) } else { inspect("afterParameters", eff) }
            let result = s.result ?? eff
            inspect("afterResultSelector", result)
            if s.resultByteCount > options.maxPayloadBytes {
                return .fail(Execution.outputLimitError(state: h.name))
            }
            let values = try assignments(h.assign, f, jsonPathInput: result, scope: scope(f, input: f.input))
            return try exit(f, h, result: result, s.processing.resultPath, assigned: values)

        case .succeed:
            if h.language == .jsonata { return try finishJSONata(f, h, result: nil, output: h.output, assign: nil) }
            let eff = try select(f.input, h.inputPath, f)
            inspect("afterInputPath", eff)
            return try exit(f, h, output: eff)

        case .fail(let s):
            if h.language != .jsonata { inspect("afterInputPath", f.input) }
            return .fail(try s.failure(jsonata: h.language == .jsonata, input: f.input, variables: f.variables,
                                       context: { self.context(f) }, scope: self.scope(f, input: f.input)))

        case .choice(let s):
            if h.language == .jsonata { return try choiceJSONata(f, h, s) }
            let eff = try select(f.input, h.inputPath, f)
            inspect("afterInputPath", eff)
            var lazyContext: JSON? = nil
            let variables = f.variables
            for c in s.choices {
                guard let rule = c.rule else { continue }
                // A closure literal, not a stored one: it captures `lazyContext` on the stack
                // (a stored closure boxed it and allocated its context for every Choice).
                let matched = try rule.evaluate { p in
                    if let name = p.variable { return variables[name].flatMap { p.evaluate($0) } }
                    if p.isContextPath {
                        if lazyContext == nil { lazyContext = self.context(f) }
                        return p.evaluate(lazyContext!)
                    }
                    return p.evaluate(eff)
                }
                if matched { return try leaveChoice(f, h, eff, c.assign, next: Int(c.next)) }
            }
            if let d = s.defaultNext { return try leaveChoice(f, h, eff, h.assign, next: Int(d)) }
            throw ASLError(.runtime, "No Choice Rules matched and no Default is specified.")
            // NOTE: AWS reports States.NoChoiceMatched as States.Runtime.

        case .wait(let s):
            if f.resume == .afterWait {
                if h.language == .jsonata { return try finishJSONata(f, h, result: nil, output: h.output, assign: h.assign) }
                let values = try assignments(h.assign, f, jsonPathInput: f.effective, scope: scope(f, input: f.input))
                return try exit(f, h, output: f.effective, assigned: values)
            }
            let eff = try select(f.input, h.inputPath, f)
            if h.language != .jsonata { inspect("afterInputPath", eff) }
            f.effective = eff
            let until = try waitDeadline(s.duration, eff, f)
            // TestState does not wait; the duration is still read, so a bad one fails.
            if until <= now || options.inspection != nil { f.resume = .afterWait; return try step(f) }
            f.resume = .afterWait
            f.parkSeq &+= 1
            timers.push((f, f.parkSeq), at: until)
            return .park

        case .task(let s):
            if f.resume == .taskWait { return try taskResumed(f, h, s) }
            let stateInput = try select(f.input, h.inputPath, f)
            let completion = TaskCompletion()
            f.taskGen &+= 1
            completion.execution = self
            completion.frame = f
            completion.gen = f.taskGen
            if s.waitsForToken {
                // The token exists before Parameters, which usually pass `$$.Task.Token` on.
                f.taskToken = options.taskTokens?.issueToken(execution: self, stateName: h.name, completion: completion)
                    ?? UUID4.random()
            } else if s.runsSync {
                f.taskToken = UUID4.random()
            }
            let eff: JSON, timeout: Int?, heartbeat: Int?
            do {
                if h.language == .jsonata {
                    eff = try s.processing.arguments?.evaluate(scope(f, input: stateInput)) ?? stateInput
                    inspect("afterArguments", eff)
                } else {
                    inspect("afterInputPath", stateInput)
                    eff = try applyParameters(s.processing, stateInput, f)
                    inspect("afterParameters", eff)
                }
                timeout = try taskSeconds(s.timeoutSeconds, stateInput, f, field: "TimeoutSecondsPath")
                heartbeat = try taskSeconds(s.heartbeatSeconds, stateInput, f, field: "HeartbeatSecondsPath")
            } catch {
                endToken(f, timedOut: false)
                throw error
            }
            var request = TaskRequest(
                resource: s.resource, input: eff, stateName: h.name, attempt: f.retryCount,
                executionName: options.executionName, stateMachineName: options.stateMachineName,
                executionArn: executionArn, timeoutSeconds: timeout, heartbeatSeconds: heartbeat,
                completion: completion)
            if s.waitsForToken { request.taskToken = f.taskToken }
            emit(s.scheduledEvent, f) { s.scheduledDetails(.json(eff)) }
            emit(s.startedEvent, f) { s.startedDetails() }
            var outcome = options.backend.invoke(request)
            if case .delivered = outcome, !s.waitsForToken {
                outcome = .failure(TaskOutcome.deliveredWithoutToken(resource: s.resource))
            }
            switch outcome {
            case .success, .failure:
                return try taskFinished(outcome, f, h, s)
            case .pending, .after, .delivered:
                // Park until the answer, the timeout or a missed heartbeat, whichever is first,
                // counted from now: on a real clock the time read when this step began may be
                // stale by a stall, and the task's heartbeats count from its start.
                if options.clock == .real { now = max(now, wallClockMilliseconds()) }
                f.resume = .taskWait
                f.parkSeq &+= 1
                f.taskTimeoutAt = timeout.map { instant(now, plusSeconds: $0) }
                f.heartbeatSeconds = heartbeat
                f.heartbeatAt = heartbeat.map { instant(now, plusSeconds: $0) }
                f.taskResult = nil
                f.delayed = nil
                if case .after(let seconds, let o) = outcome {
                    f.taskGen &+= 1  // the completion handle is not used
                    f.delayed = (now + TaskOutcome.milliseconds(afterSeconds: seconds), o)
                    timers.push((f, f.parkSeq), at: f.delayed!.at)
                } else {
                    f.taskPending = true
                    pendingTasks += 1
                }
                for t in [f.taskTimeoutAt, f.heartbeatAt] { if let t { timers.push((f, f.parkSeq), at: t) } }
                return .park
            }

        case .parallel(let s):
            if f.resume == .childrenDone { return try collect(f, h, s.processing) }
            let eff: JSON
            if h.language == .jsonata {
                eff = try s.processing.arguments?.evaluate(scope(f, input: f.input)) ?? f.input
            } else {
                eff = try taskInput(f, h, s.processing)
            }
            // NOTE: AWS's TestState reports neither afterInputPath nor afterParameters for a Parallel.
            if let i = options.inspection {
                return try inspectedChildren(i, f, h, s.processing, itemCount: s.branches.count, tolerated: nil)
            }
            let join = Join(parent: f, count: s.branches.count)
            join.startEventID = emit(.parallelStateStarted, f) { EventDetails() }
            join.pending = s.branches.enumerated().map { (Int($0.element.start), eff, $0.offset) }
            return startChildren(f, join, limit: 0)

        case .map(let s):
            if f.resume == .childrenDone { return try collect(f, h, s.processing) }
            let eff = try select(f.input, h.inputPath, f)
            if let i = options.inspection { return try inspectMap(i, f, h, s, eff) }
            if let run = s.run { return try runDistributed(f, h, s, run, eff) }
            let items = try mapItems(s, h, eff, f)
            let limit = try mapInt(s.maxConcurrency, eff, f, field: "MaxConcurrencyPath")
            let join = Join(parent: f, count: items.count)
            (join.toleratedCount, join.toleratedPercentage) = try toleratedFailures(s, eff, f)
            join.isMap = true
            join.isDistributed = s.distributed
            join.startEventID = emit(.mapStateStarted, f) { .mapStarted(length: items.count) }
            var inputs: [(pc: Int, input: JSON, slot: Int)] = []
            inputs.reserveCapacity(items.count)
            // A JSONata selector's `$states.input` is the same for every item: converted once
            // (and not at all when no expression of it reads `$states`).
            var effValue: JSONataValue? = nil
            if case .jsonata(let sel)? = s.itemSelector, sel.readsStates, !items.isEmpty {
                effValue = JSONataValue(eff, projection: program.inputReads[f.pc])
            }
            for (i, item) in items.enumerated() {
                let childInput = try s.itemSelector.map { (sel) throws(ASLError) in try selectItem(sel, i, item, eff, f, effValue: effValue) } ?? item
                inputs.append((Int(s.processor.start), childInput, i))
            }
            join.pending = inputs
            return startChildren(f, join, limit: limit)
        }
    }

    // MARK: - Input and output processing

    /// InputPath / OutputPath / ItemsPath: `$` passes, null gives `{}`, a path must match.
    func select(_ value: JSON, _ filter: PathFilter, _ f: Frame) throws(ASLError) -> JSON {
        switch filter {
        case .identity: return value
        case .empty: return .object(JSONObject())
        case .path(let p):
            return try read(p, value, f)
        }
    }

    /// InputPath then Parameters (Parallel).
    func taskInput(_ f: Frame, _ h: StateHeader, _ p: ResultProcessing) throws(ASLError) -> JSON {
        try applyParameters(p, try select(f.input, h.inputPath, f), f)
    }

    /// Parameters, when the state has them, applied to the input after InputPath.
    func applyParameters(_ p: ResultProcessing, _ input: JSON, _ f: Frame) throws(ASLError) -> JSON {
        guard let t = p.parameters else { return input }
        return try t.evaluate(input: input, variables: f.variables, context: { self.context(f) })
    }

    /// ResultPath then OutputPath, then the transition.
    func exit(_ f: Frame, _ h: StateHeader, result: JSON, _ target: ResultTarget,
              assigned: JSONObject? = nil) throws(ASLError) -> Control {
        guard case .path(let p) = target else {
            let combined = try applyResultPath(raw: f.input, result: result, target)
            inspect("afterResultPath", combined)
            return try exit(f, h, output: combined, assigned: assigned)
        }
        // Nothing reads the state's raw input after its result is in: what fails from here
        // on (ResultPath, OutputPath) is a States.Runtime error, which no Catch sees. Take
        // it from the frame, so ResultPath adds its field without copying the object.
        var raw = f.input
        f.input = .null
        do throws(ASLError) { try p.assign(result, into: &raw) } catch { f.input = raw; throw error }
        inspect("afterResultPath", raw)
        return try exit(f, h, output: raw, assigned: assigned)
    }

    func applyResultPath(raw: JSON, result: JSON, _ target: ResultTarget) throws(ASLError) -> JSON {
        switch target {
        case .replace: return result
        case .discard: return raw
        case .path(let p): return try p.assigning(result, into: raw)
        }
    }

    /// OutputPath, then the values an Assign computed become visible, the exited event, the transition.
    func exit(_ f: Frame, _ h: StateHeader, output: JSON, next: Int? = nil,
              assigned: JSONObject? = nil) throws(ASLError) -> Control {
        let out = try select(output, h.outputPath, f)
        apply(assigned, to: f)
        emit(EventType.exited(program.code[f.pc]), f) { h.exitedDetails(.json(out), assigned: assigned) }
        if let next { return .next(next, out) }
        if let n = h.next { return .next(Int(n), out) }
        return .end(out)
    }

    /// Reads a `*Path` field (SecondsPath, MaxConcurrencyPath, TimeoutSecondsPath, ...):
    /// `$$` sees the same context object as every other field of the state.
    func read(_ p: JSONPath, _ input: JSON, _ f: Frame) throws(ASLError) -> JSON {
        try Execution.pick(p, try PathMiss.root(p, input: input, variables: f.variables, context: { self.context(f) }))
    }

    /// Reads a path that must match, with Jayway's reason in AWS's cause when it does not.
    static func pick(_ p: JSONPath, _ root: JSON) throws(ASLError) -> JSON {
        try PathMiss.select(p, root).get()
    }

    /// A Map's items from its input: `Items` (JSONata) or ItemsPath, which must give an array.
    func mapItems(_ s: MapState, _ h: StateHeader, _ eff: JSON, _ f: Frame) throws(ASLError) -> [JSON] {
        let value: JSON
        if let t = s.items { value = try t.evaluate(scope(f, input: eff)) } else {
            value = try select(eff, s.itemsPath, f)
        }
        guard case .array(let items) = value else {
            throw h.language == .jsonata ? s.jsonataItemsNotAnArray(value) : s.itemsNotAnArray
        }
        return items
    }

    /// ItemSelector (or a Map's legacy Parameters) for item `index`.
    /// `effValue`: `eff` already converted for the evaluator, when the caller selects many items.
    func selectItem(_ selector: FieldTemplate, _ index: Int, _ item: JSON, _ eff: JSON, _ f: Frame,
                    effValue: JSONataValue? = nil) throws(ASLError) -> JSON {
        switch selector {
        case .jsonPath(let sel):
            return try sel.evaluate(input: eff, variables: f.variables, context: { self.context(f, mapItem: (index, item)) })
        case .jsonata(let sel):
            return try sel.evaluate(scope(f, input: eff, inputValue: effValue, mapItem: (index, item)))
        }
    }

    func mapInt(_ v: DynamicValue<Int>, _ input: JSON, _ f: Frame, field: String) throws(ASLError) -> Int {
        switch v {
        case .constant(let n): return n
        case .expression(let e): return try e.evaluateInteger(scope(f, input: input))
        case .path(let p):
            return try MapLimits.integer(try read(p, input, f), name: field, path: p.source).get()
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
