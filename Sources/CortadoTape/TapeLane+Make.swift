import CortadoASL
import CortadoJSON

// Making a lane: the program compiled for it (`TapeCompiler`) under what the host asks of
// it (its clock, constant task results, names, logs, failures), or why it cannot run there.
extension TapeLane {
    /// The lane for `program`, or why it cannot run on the lane.
    /// - Parameters:
    ///   - clock: Wait states of constant Seconds run here on a virtual clock.
    ///   - taskResults: Tasks whose every attempt has a constant outcome run here (nil: no
    ///     Task does).
    ///   - executionNamePrefix: executions are named this prefix and `lineNumber` (nil: a
    ///     program that reads `$$.Execution.Name` stays on the general engine).
    ///   - constants: the run's ARNs, names and role (nil: a program that reads them stays
    ///     on the general engine).
    ///   - logsEveryState: the host logs every state's events (level ALL) from `trail` and
    ///     `trailValues`, so the lane takes only programs whose Map and Parallel children run
    ///     one after another in the general engine too (none waits or starts children).
    ///   - handlesFailures: lines may end FAILED here (`run(line:appendingTo:)` returns
    ///     false, the error is `lastFailure`): Fail states and Tasks whose attempts end in an
    ///     error, with their Retry and Catch, and failed Map or Parallel children their
    ///     state's Catchers take.
    ///   - logged: the host writes each line's events from the lane's record (`trail`,
    ///     `taskAttempts`, `failedChild`; `LinearRunLog`), at any level, and that record is
    ///     of states run one after another: failures in Map iterations and Parallel branches
    ///     stay general where children wait (the interpreter interleaves their events).
    public static func make(_ program: Program, payloadLimit: Int, clock: Clock = .real, taskResults: TaskResults? = nil,
                            executionNamePrefix: String? = nil, constants: ExecutionConstants? = nil, logsEveryState: Bool = false,
                            handlesFailures: Bool = false, logged: Bool = false) -> Result<TapeLane, Unsupported> {
        let tape = Tape()
        var budget = 0
        if case .virtual(let host) = clock {
            let seconds = program.executionTimeLimit(host: host) ?? Int.max
            budget = seconds < Int.max / 1000 ? seconds * 1000 : Int.max
        }
        // (A prefix that needs escapes in JSON would need measuring: not taken.)
        let prefix = executionNamePrefix.map { Array($0.utf8) }.flatMap { $0.contains(where: JSONWriter.needsEscape) ? nil : $0 }
        let idPrefix = constants.flatMap { k in prefix.map { Array(k.executionArnPrefix.utf8) + $0 } }
            .flatMap { $0.contains(where: JSONWriter.needsEscape) ? nil : $0 }
        var c = TapeCompiler(program: program, tape: tape, payloadLimit: payloadLimit, virtualClock: budget > 0,
                             taskResults: taskResults, namesExecutions: prefix != nil,
                             constants: idPrefix != nil ? constants : nil,
                             handlesFailures: handlesFailures, logged: logged || logsEveryState)
        do throws(Unsupported) {
            let code = try c.compile()
            // A host writes the events from the trail as the interpreter orders them, which
            // is the lane's order only where children run one after another; and the lane's
            // time is the interpreter's only where children do not wait side by side.
            if logsEveryState || code.readsEnteredTime, let pc = c.firstWithWaitingChildren(code) {
                let h = program.headers[pc]
                throw Unsupported((logsEveryState ? "execution logs of every state" : "$$.State.EnteredTime")
                                  + " with a \(h.type) state ('\(h.name)') whose children wait or start children")
            }
            return .success(TapeLane(tape: tape, code: code, start: program.main.start, payloadLimit: payloadLimit,
                                     waitBudgetMs: budget, executionNamePrefix: prefix ?? [], executionIdPrefix: idPrefix ?? []))
        } catch {
            return .failure(error)
        }
    }
}
