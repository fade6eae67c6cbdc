import CortadoASL
import CortadoJSON
import CortadoPath

/// How the lane compiles what can end a line FAILED: Fail states, and Tasks whose backend
/// answers each attempt with a constant (a mock's Return or Throw), whose Retry and Catch
/// therefore have one outcome for every line, found here by the interpreter's rules
/// (`ResultProcessing.retry`, `catcher(for:)`, `ErrorOutput`).
extension TapeCompiler {
    /// At most this many attempts of one Task are played ahead; a Retry that would go on
    /// longer stays the general engine's.
    static let maxAttemptsPlayed = 1_000

    /// A Fail state: of literal (or absent) Error and Cause (in a JSONata state: plain
    /// strings) a constant error; paths, intrinsics and expressions are read when it runs
    /// (`TFailFields`).
    mutating func fail(_ s: FailState) -> TState {
        guard handlesFailures else { return .bail }
        func literal(_ f: FailField) -> String?? {
            switch f {
            case .none: return .some(nil)
            case .literal(let t): return .some(t)
            case .expression(let e):
                if case .literal(.string(let t)) = e { return .some(t) }
                return nil
            default: return nil
            }
        }
        guard let error = literal(s.error), let cause = literal(s.cause) else { return failFields(s) }
        return .fail(failure(ASLError(error.map(ErrorName.init), cause)))
    }

    /// A Fail state whose Error or Cause is read when it runs: the variables its JSONata
    /// expressions read are given to the evaluator; one reading `$$` needs the whole context
    /// object (without the run's constants, reaching the state hands the line back).
    mutating func failFields(_ s: FailState) -> TState {
        var readsContext = false
        for f in [s.error, s.cause] {
            switch f {
            case .none, .literal: break
            case .path(let p): readsContext = readsContext || p.isContextPath
            case .intrinsic(let c): readsContext = readsContext || Self.readsContext(c)
            case .expression(let t):
                guard case .expression(let slot) = t else { continue }
                readsContext = readsContext || slot.readsContext
                registerVariables(slot.expression)
            }
        }
        var context: TContextRead? = nil
        if readsContext {
            guard let whole = wholeContext(item: false) else { return .bail }
            context = whole
        }
        code.failFields.append(TFailFields(state: s, jsonata: program.headers[Int(statePC)].language == .jsonata, context: context))
        return .failFields(Int32(code.failFields.count - 1))
    }

    mutating func failure(_ e: ASLError) -> Int32 {
        code.errors.append(e)
        return Int32(code.errors.count - 1)
    }

    /// A Task's attempts compiled: the first attempt's result (a constant node), or, when it
    /// failed, its attempts (`TapeCode.retries`); nil when reaching the state hands the line back.
    mutating func taskAttempts(_ name: String, _ s: TaskState) throws(Unsupported) -> (result: Int32, retries: Int32)? {
        // A backend that must really be called needs the general engine. Timeouts read from
        // the input are checked as the interpreter reads them (a constant answer never times out).
        try plainTask(name, s)
        code.taskLimits[Int(statePC)] = try taskLimits(s)
        guard let (outcome, waits, attempts) = try taskOutcome(name, s) else { return nil }
        if case .result(let r) = outcome, attempts.count == 0 { return (r, none) }
        let span = Span(start: Int32(code.retryWaits.count), count: Int32(waits.count))
        code.retryWaits.append(contentsOf: waits)
        code.retries.append(TRetries(outcome: outcome, waits: span, failedAttempts: attempts))
        return (none, Int32(code.retries.count - 1))
    }

    /// Token and .sync tasks and credentials need the general engine, whatever the backend.
    func plainTask(_ name: String, _ s: TaskState) throws(Unsupported) {
        guard !s.waitsForToken, !s.runsSync, s.credentials == nil
        else { throw Unsupported("Task state '\(name)' with a token, .sync or credentials") }
    }

    /// A Task's attempts (`retries`, -1: one attempt) whose Parameters or Arguments, just
    /// compiled, read the whole context object: each attempt builds them again with its own
    /// RetryCount (`TRetries.argumentsPerAttempt`), and a logged run writes each attempt's
    /// in its TaskScheduled event (`TapeLane.attemptParameters`).
    mutating func argumentsReadContext(_ retries: Int32) {
        guard retries >= 0, readsWholeContext else { return }
        code.retries[Int(retries)].argumentsPerAttempt = true
    }

    /// The outcome of Task `name`'s attempts, played ahead: each attempt's constant answer
    /// from the host's backend, Retry while a Retrier takes the error, then Catch.
    /// - Returns: the outcome, each Retry back-off before it (milliseconds) and the errors of
    ///   the attempts that failed (`TRetries`), or nil when
    ///   reaching the state must hand the line back (a result over the size limit, an
    ///   error without a name).
    /// - Throws: `Unsupported` for a backend that must really be called, or a Retry that
    ///   waits on a real clock.
    mutating func taskOutcome(_ name: String, _ s: TaskState) throws(Unsupported) -> (TOutcome, [(seconds: Double, retrier: Retrier)], Span)? {
        let p = s.processing
        var counts: [Int] = []
        var waits: [(seconds: Double, retrier: Retrier)] = []
        var failed: [Int32] = []
        func attempts(_ code: TapeCode) -> Span {
            let span = Span(start: Int32(code.attemptErrors.count), count: Int32(failed.count))
            code.attemptErrors.append(contentsOf: failed)
            return span
        }
        for attempt in 0..<Self.maxAttemptsPlayed {
            guard let answer = taskResults?(name, s.resource, attempt) else {
                throw Unsupported("Task state '\(name)' without a constant (mocked) result")
            }
            let e: ASLError
            switch answer {
            case .success(let v):
                if v.serializedByteCount > payloadLimit { return nil }  // States.DataLimitExceeded
                return (.result(constant(v)), waits, attempts(code))
            case .failure(let error):
                e = error
            }
            guard handlesFailures else { throw Unsupported("Task state '\(name)' fails, and the host takes no failures from the lane") }
            // (An error without a name is left to the general engine.)
            guard e.name != nil else { return nil }
            let index = failure(e)
            failed.append(index)
            if let (i, seconds) = p.retry(e, counts: &counts) {
                guard canWait else { throw Unsupported("Task state '\(name)' retries after a wait, on a real clock") }
                waits.append((seconds, p.retry[i]))
                continue
            }
            if let k = p.catcher(for: e) {
                let c = p.catchers[k]
                return (.caught(errorOutput: constant(ErrorOutput.object(e)), resultPath: try resultPath(c.resultPath),
                                next: Int32(c.next), output: try jsonataTemplate(c.output), assign: try assign(c.assign)),
                        waits, attempts(code))
            }
            return (.failed(index), waits, attempts(code))
        }
        throw Unsupported("Task state '\(name)' retries more than \(Self.maxAttemptsPlayed) times")
    }

    /// A logged program: the host writes a line's events from the lane's record, one state
    /// after another. Where children wait (a Wait, a Retry back-off), the interpreter
    /// interleaves their events, so a failed child sends its line back then
    /// (`compileChildFailures` gives no Map or Parallel its `TChildFailure`), and a Task in a
    /// child whose attempt fails keeps the program general. Where none waits, failed
    /// children stay on the lane too.
    func noFailuresInChildren() throws(Unsupported) {
        guard firstWithWaitingChildren(code, startingChildren: false) != nil else { return }
        for (pc, inChild) in code.inChildren.enumerated() where inChild {
            switch code.states[pc] {
            case .task(let t) where t.retries >= 0: break
            case .jsonataTask(let t) where t.retries >= 0: break
            default: continue
            }
            throw Unsupported("Task state '\(program.headers[pc].name)' in a Map or Parallel fails, in a logged run with children that wait")
        }
    }

    /// Gives each Map and Parallel whose failed children the lane may take its
    /// `TChildFailure`, once every state is compiled (children sit after their parent); in a
    /// logged program only where all children run one after another, as the host's record
    /// has them (`TapeCode.childrenInOrder`, `FailedChild`).
    mutating func compileChildFailures() {
        let logged = self.logged && !code.childrenInOrder
        // A tolerating Map's failed iteration: its error output takes the item's place, or the
        // Map fails past the tolerance. Counted in the lane's order, which is the
        // interpreter's where no iteration waits (then no other runs meanwhile).
        for pc in code.states.indices where !logged {
            guard case .map(let s) = program.code[pc], s.toleratesFailures, !waits(from: Int32(s.processor.start)) else { continue }
            var count: Int? = nil, percentage: Double? = nil
            if case .constant(let n)? = s.toleratedFailureCount { count = n }
            if case .constant(let p)? = s.toleratedFailurePercentage { percentage = p }
            code.tolerances[Int32(pc)] = TTolerance(count: count, percentage: percentage, exceeded: failure(ToleratedFailures.exceeded))
        }
        for e in code.errors { code.errorOutputs.append(constant(ErrorOutput.object(e))) }
        for pc in code.states.indices where !logged {
            stateName = program.headers[pc].name  // (`$$.State.Name` in a Catcher's Assign)
            statePC = Int32(pc)
            switch program.code[pc] {
            case .map(let s) where !waits(from: Int32(s.processor.start)):
                code.onFailure[pc] = childFailure(s.processing, jsonata: program.headers[pc].language == .jsonata)
            case .parallel(let s) where !s.branches.contains(where: { waits(from: Int32($0.start)) }):
                code.onFailure[pc] = childFailure(s.processing, jsonata: program.headers[pc].language == .jsonata)
            default:
                break
            }
        }
    }

    /// The Map's or Parallel's rules for a failed child (its Catchers compiled), or -1 when
    /// a Catcher cannot run here.
    mutating func childFailure(_ p: ResultProcessing, jsonata: Bool) -> Int32 {
        guard let span = catchers(p, jsonata: jsonata) else { return -1 }
        code.childFailures.append(TChildFailure(processing: p, catches: span))
        return Int32(code.childFailures.count - 1)
    }

    /// A state's Catchers compiled into `TapeCode.catches`, or nil when one cannot run here
    /// (an Output, Assign or path the lane does not take).
    mutating func catchers(_ p: ResultProcessing, jsonata: Bool) -> Span? {
        var compiled: [TCatch] = []
        for c in p.catchers {
            guard let target = try? resultPath(c.resultPath), let output = try? jsonataTemplate(c.output),
                  let assign = try? assign(c.assign) else { return nil }
            compiled.append(TCatch(resultPath: target, next: Int32(c.next), output: output, assign: assign, jsonata: jsonata))
        }
        let span = Span(start: Int32(code.catches.count), count: Int32(compiled.count))
        code.catches.append(contentsOf: compiled)
        return span
    }

    /// Whether a state reachable from `start` parks in the general engine (a Wait of some
    /// Seconds, a Task's Retry back-off) or starts children of its own (Map, Parallel): the
    /// general engine then runs its siblings meanwhile, and which failure comes first is
    /// its scheduling's, not the lane's order.
    /// With `startingChildren` false, a Map or Parallel counts only where its own children
    /// wait: the interpreter then runs them in an order its host can follow (`LinearRunLog`).
    func waits(from start: Int32, startingChildren: Bool = true) -> Bool {
        var seen = Set<Int32>(), todo = [start]
        // A Task's attempts: whether they wait (Retry back-off), and a Catcher's Next.
        func attemptsWait(_ retries: Int32) -> Bool {
            guard retries >= 0 else { return false }
            let r = code.retries[Int(retries)]
            if case .caught(_, _, let next, _, _) = r.outcome { todo.append(next) }
            return code.retryWaits[Int(r.waits.start)..<Int(r.waits.start + r.waits.count)].contains { Retrier.milliseconds($0.seconds) > 0 }
        }
        while let pc = todo.popLast() {
            guard pc >= 0, seen.insert(pc).inserted else { continue }
            switch code.states[Int(pc)] {
            case .pass(let s): todo.append(s.next)
            case .choice(let s):
                todo.append(s.defaultNext)
                for k in 0..<Int(s.choices.count) { todo.append(code.choices[Int(s.choices.start) + k].next) }
            case .wait(_, _, let seconds, let secondsPath, let until, let next):
                if seconds > 0 || secondsPath >= 0 || until >= 0 { return true }
                todo.append(next)
            case .task(let t):
                todo.append(t.next)
                if attemptsWait(t.retries) { return true }
            case .jsonataTask(let t):
                todo.append(t.next)
                if attemptsWait(t.retries) { return true }
            case .jsonataPass(_, let next): todo.append(next)
            case .jsonataWait(let seconds, let expression, let until, _, let next):
                if seconds > 0 || expression != none || until >= 0 { return true }
                todo.append(next)
            case .map(let m):
                if startingChildren { return true }
                todo.append(m.processor); todo.append(m.next)
            case .jsonataMap(let m):
                if startingChildren { return true }
                todo.append(m.processor); todo.append(m.next)
            case .parallel(let p):
                if startingChildren { return true }
                for k in 0..<Int(p.branches.count) { todo.append(code.items[Int(p.branches.start) + k]) }
                todo.append(p.next)
            case .jsonataParallel(let p):
                if startingChildren { return true }
                for k in 0..<Int(p.branches.count) { todo.append(code.items[Int(p.branches.start) + k]) }
                todo.append(p.next)
            case .call:
                // (Its answer may come after a delay.)
                return true
            case .succeed, .fail, .failFields, .bail: break
            }
        }
        return false
    }

    /// The first Map or Parallel state whose children may wait or (unless not
    /// `startingChildren`) start children of their own.
    func firstWithWaitingChildren(_ code: TapeCode, startingChildren: Bool = true) -> Int? {
        code.states.indices.first { pc in childStarts(code, pc).contains { waits(from: $0, startingChildren: startingChildren) } }
    }

    /// The first states of state `pc`'s children: a Map's processor, a Parallel's branches
    /// (none for another state).
    func childStarts(_ code: TapeCode, _ pc: Int) -> [Int32] {
        switch code.states[pc] {
        case .map(let m): return [m.processor]
        case .jsonataMap(let m): return [m.processor]
        case .parallel(let p): return (0..<Int(p.branches.count)).map { code.items[Int(p.branches.start) + $0] }
        case .jsonataParallel(let p): return (0..<Int(p.branches.count)).map { code.items[Int(p.branches.start) + $0] }
        default: return []
        }
    }
}
