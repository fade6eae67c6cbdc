import CortadoASL
import CortadoJSON

// Making a lane: the program compiled for it (`TapeCompiler`) under what the host asks of
// it (its clock, constant task results, names, logs, failures), or why it cannot run there.
extension TapeLane {
    /// The lane for `program`, or why it cannot run on the lane.
    /// - Parameters:
    ///   - clock: Wait states of constant Seconds run here on a virtual clock; on a
    ///     `.parking` one, a line that waits ends its run with `.waits` (`suspend`,
    ///     `resume`); a Map's or Parallel's children wait side by side, their state until
    ///     the last ends (`childrenWait`).
    ///   - taskResults: Tasks whose every attempt has a constant outcome run here (nil: no
    ///     Task does).
    ///   - taskCalls: Tasks whose backend answers at once and without side effects are called
    ///     here, in a line not logged (`TapeLane+Calls`).
    ///   - executionNamePrefix: executions are named this prefix and `lineNumber` (nil: a
    ///     program that reads `$$.Execution.Name` stays on the general engine).
    ///   - constants: the run's ARNs, names and role (nil: a program that reads them stays
    ///     on the general engine).
    ///   - logsEveryState: the host logs every state's events (level ALL) from `trail` and
    ///     `trailValues` in the interpreter's order, so the lane takes only programs whose
    ///     Map and Parallel children do not wait (the interpreter orders those by time).
    ///   - handlesFailures: lines may end FAILED here (`run(line:appendingTo:)` returns
    ///     false, the error is `lastFailure`): Fail states and Tasks whose attempts end in an
    ///     error, with their Retry and Catch, and failed Map or Parallel children their
    ///     state's Catchers take.
    ///   - logged: the host writes each line's events from the lane's record (`trail`,
    ///     `taskAttempts`, `failedChild`; `LinearRunLog`), at any level: failures in Map
    ///     iterations and Parallel branches stay general where children wait or start
    ///     children (the interpreter cancels siblings that have run part of their way).
    public static func make(_ program: Program, payloadLimit: Int, clock: Clock = .real, taskResults: TaskResults? = nil,
                            taskCalls: TaskCalls? = nil,
                            executionNamePrefix: String? = nil, constants: ExecutionConstants? = nil, logsEveryState: Bool = false,
                            handlesFailures: Bool = false, logged: Bool = false) -> Result<TapeLane, Unsupported> {
        let tape = Tape()
        var budget = 0
        var parks = false
        func limit(_ host: Int?) -> Int {
            let seconds = program.executionTimeLimit(host: host) ?? Int.max
            return seconds < Int.max / 1000 ? seconds * 1000 : Int.max
        }
        switch clock {
        case .virtual(let host): budget = limit(host)
        // (A logged line's events are written when it ends: a parked line keeps its record,
        // values as text, and when each wait ended, `Suspension`.)
        case .parking(let host): (budget, parks) = (limit(host), true)
        case .real: break
        }
        // (A prefix that needs escapes in JSON would need measuring: not taken.)
        let prefix = executionNamePrefix.map { Array($0.utf8) }.flatMap { $0.contains(where: JSONWriter.needsEscape) ? nil : $0 }
        let idPrefix = constants.flatMap { k in prefix.map { Array(k.executionArnPrefix.utf8) + $0 } }
            .flatMap { $0.contains(where: JSONWriter.needsEscape) ? nil : $0 }
        var c = TapeCompiler(program: program, tape: tape, payloadLimit: payloadLimit, virtualClock: budget > 0 && !parks, parks: parks,
                             taskResults: taskResults, taskCalls: taskCalls, namesExecutions: prefix != nil,
                             constants: idPrefix != nil ? constants : nil,
                             handlesFailures: handlesFailures, logged: logged || logsEveryState)
        do throws(Unsupported) {
            let code = try c.compile()
            // A host writes the events from the trail in the interpreter's order, which it
            // can follow where no children wait (`LinearRunLog`); and the lane's time is the
            // interpreter's only where children neither wait nor start children side by side.
            if logsEveryState, let pc = c.firstWithWaitingChildren(code, startingChildren: false) {
                let h = program.headers[pc]
                throw Unsupported("execution logs of every state with a \(h.type) state ('\(h.name)') whose children wait")
            }
            if code.readsEnteredTime, let pc = c.firstWithWaitingChildren(code) {
                let h = program.headers[pc]
                throw Unsupported("$$.State.EnteredTime with a \(h.type) state ('\(h.name)') whose children wait or start children")
            }
            return .success(TapeLane(tape: tape, code: code, start: program.main.start, payloadLimit: payloadLimit,
                                     waitBudgetMs: budget, parks: parks, taskCalls: taskCalls, executionNamePrefix: prefix ?? [], executionIdPrefix: idPrefix ?? []))
        } catch {
            return .failure(error)
        }
    }
}
