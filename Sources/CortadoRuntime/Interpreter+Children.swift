import CortadoASL
import CortadoJSON
import CortadoPath

extension Execution {
    // MARK: - Children (Map iterations, Parallel branches)

    func startChildren(_ f: Frame, _ join: Join, limit: Int) -> Control {
        openJoins.append(join)
        f.children = join
        f.resume = .childrenDone
        let n = Execution.launchedAtStart(limit: limit, count: join.pending.count)
        let first = Array(join.pending.prefix(n))
        join.pending.removeFirst(n)
        for c in first { launch(c, join) }
        if join.remaining == 0 { runQueue.append(f) }  // no items: resume at once with []
        return .park
    }

    /// How many of `count` children start at once under a MaxConcurrency of `limit` (0: all);
    /// each that ends starts the next (`SideBySide`).
    public static func launchedAtStart(limit: Int, count: Int) -> Int {
        SideBySide.launchedAtStart(limit: limit, count: count)
    }

    func launch(_ c: (pc: Int, input: JSON, slot: Int), _ join: Join) {
        let child = Frame(pc: c.pc, input: c.input, join: join, slot: c.slot)
        if !join.isDistributed { child.variables = join.parent.variables }
        if join.isMap {
            let parent = join.parent
            child.lastEventID = emit(.mapIterationStarted, previous: join.startEventID) {
                .mapIteration(self.program.headers[parent.pc].name, index: c.slot)
            }
        } else {
            child.lastEventID = join.startEventID
        }
        join.running.append(child)
        runQueue.append(child)
    }

    func frameEnded(_ f: Frame, output: JSON) {
        guard let join = f.join else {
            finishTop(output); return
        }
        guard join.error == nil, !join.parent.cancelled else { return }
        if join.isMap { emitIterationEnd(.mapIterationSucceeded, f, join) }
        join.parent.lastEventID = f.lastEventID
        join.results[f.slot] = output
        childDone(join)
    }

    func finishTop(_ output: JSON) {
        if !options.hostChecksOutputLimit || eventSink != nil, output.serializedByteCount > options.maxPayloadBytes {
            finish(.failed, output: nil, error: Execution.outputLimitError(program))
            return
        }
        finish(.succeeded, output: output, error: nil)
    }

    func frameFailed(_ f: Frame, _ e: ASLError) {
        guard let join = f.join else {
            finish(.failed, output: nil, error: e); return
        }
        guard join.error == nil, !join.parent.cancelled else { return }
        if join.isMap { emitIterationEnd(.mapIterationFailed, f, join) }
        join.parent.lastEventID = f.lastEventID
        if join.toleratedCount != nil || join.toleratedPercentage != nil {
            join.failures += 1
            if ToleratedFailures.exceeds(failures: join.failures, of: join.results.count,
                                         count: join.toleratedCount, percentage: join.toleratedPercentage) {
                failJoin(join, ToleratedFailures.exceeded)
                return
            }
            join.results[f.slot] = ErrorOutput.object(e)
            childDone(join)
            return
        }
        failJoin(join, e)
    }

    func failJoin(_ join: Join, _ e: ASLError) {
        join.error = e
        for c in join.running { cancel(c) }
        join.pending.removeAll()
        runQueue.append(join.parent)
    }

    func cancel(_ f: Frame) {
        f.cancelled = true
        if f.taskPending { f.taskPending = false; f.taskGen &+= 1; pendingTasks -= 1 }
        if let j = f.children { for c in j.running { cancel(c) } }
    }

    /// `MapIterationSucceeded` / `MapIterationFailed` of the iteration `f`.
    func emitIterationEnd(_ type: EventType, _ f: Frame, _ join: Join) {
        let parent = join.parent
        emit(type, f) { .mapIteration(self.program.headers[parent.pc].name, index: f.slot) }
    }

    func childDone(_ join: Join) {
        join.remaining -= 1
        if !join.pending.isEmpty {
            launch(join.pending.removeFirst(), join)
        }
        if join.remaining == 0 { runQueue.append(join.parent) }
    }

    /// Map/Parallel resume: all children finished (or one failed).
    func collect(_ f: Frame, _ h: StateHeader, _ p: ResultProcessing) throws(ASLError) -> Control {
        guard let join = f.children else { return .raise(ASLError(.runtime, "internal: no children")) }
        f.children = nil
        join.running.removeAll()
        if let e = join.error {
            f.resume = .retry
            emit(join.isMap ? .mapStateFailed : .parallelStateFailed, f) { EventDetails() }
            return .raise(e)
        }
        emit(join.isMap ? .mapStateSucceeded : .parallelStateSucceeded, f) { EventDetails() }
        return try finishResult(f, h, p, JSON.array(join.results.map { $0 ?? .null }))
    }

    /// The end of a Map or Parallel with its result: JSONata Output/Assign, or ResultSelector,
    /// Assign, ResultPath and OutputPath.
    func finishResult(_ f: Frame, _ h: StateHeader, _ p: ResultProcessing, _ value: JSON) throws(ASLError) -> Control {
        var result = value
        if h.language == .jsonata { return try finishJSONata(f, h, result: result, output: h.output, assign: h.assign) }
        if let sel = p.resultSelector {
            result = try sel.evaluate(input: result, variables: f.variables, context: { self.context(f) })
        }
        inspect("afterResultSelector", result)
        let values = try assignments(h.assign, f, jsonPathInput: result, scope: scope(f, input: f.input))
        return try exit(f, h, result: result, p.resultPath, assigned: values)
    }
}
