import CortadoASL
import CortadoJSON
import CortadoPath

// States.Runtime errors a state raises itself on the lane: a value it read breaks one of
// AWS's rules (a Wait's SecondsPath or TimestampPath, a Map's or a Task's limits read from
// the input, a Map's items that are no array), or a path that must match selects nothing
// (InputPath, OutputPath, ItemsPath, a template's path). The rule that words the error is
// the one the interpreter calls (`WaitDelay`, `MapLimits`, `TaskSeconds`, `PathMiss`,
// `MapState.itemsNotAnArray`), and the error names the state and its entered event
// (`LinearRunLog.qualified`, which numbers the events from the lane's trail). No Retry or
// Catch of the state takes such an error: one a top-level state raises fails the line here
// (the host words it); one a state in a Map iteration or Parallel branch raises fails that
// child (worded at once, `childError`), and its Map or Parallel takes it as any failed
// child's error. Where the trail does not number the events as the interpreter does
// (children wait or start children, for an error inside one or after one failed), or on a
// lane that takes no failures, the line goes back.
extension TapeLane {
    /// The `Bail` that carries `e` out of the machine (`execute` ends the line with it) when
    /// the lane may fail the line with it.
    func runtimeError(_ e: ASLError) -> Bail {
        guard e.name == .runtime else { return Bail() }
        return stateError(e)
    }

    /// A States.QueryEvaluationError a JSONata expression of state `pc` raised, as
    /// `runtimeError`: where no Retrier or Catcher of the state takes it, it fails the line
    /// (the host logs the EvaluationFailed event AWS records first: `LinearRunLog`).
    func evaluationError(_ e: ASLError, pc: Int32) -> Bail {
        guard e.name == .queryEvaluationError, code.evaluationErrorsFail[Int(pc)] else { return Bail() }
        return stateError(e)
    }

    /// The `Bail` that carries error `e` (a States.Runtime error, or another no Catcher of
    /// the state can take) out of the machine, as `runtimeError`.
    func stateError(_ e: ASLError) -> Bail {
        // The trail numbers the events of failed children (and of their state's retries)
        // where children run one after another; elsewhere their siblings' events come between.
        guard code.takesFailures, failedChildren.isEmpty || code.childrenInOrder else { return Bail() }
        if childDepth > 0 { return childError(e) }
        // After a state's work began (`workMark`), the interpreter writes events before the
        // error: a Task's calls (the host writes them from the trail), a Map's or Parallel's
        // children (the trail's last entry is a child's then, maybe a child's Task: not taken).
        let last = trailStates.count - 1
        if last <= workMark {
            guard last == workMark, !code.inChildren[Int(trailStates[last])] else { return Bail() }
            switch states[trailStates[last]] {
            case .task, .jsonataTask, .call: break
            default: return Bail()
            }
        }
        raised = e
        raisedAfterWork = last <= workMark
        return Bail()
    }

    /// Error `e`, which the state running in a Map iteration or Parallel branch (the trail's
    /// last entry) raised: worded now with that state's entered event (the host's
    /// `qualifier`), it fails the child (`childMachine`). The trail numbers that event as the
    /// interpreter does only where children run one after another (`TapeCode.childrenInOrder`).
    @inline(never)
    func childError(_ e: ASLError) -> Bail {
        guard code.childrenInOrder, let qualifier else { return Bail() }
        childRaised = qualifier(e)
        childRaisedAfterWork = workMark == trailStates.count - 1
        return Bail()
    }

    /// The error a path's value (`TapeCode.values` entry `k`, read as `node`; -1: it
    /// selected nothing) raises by `rule`, which the lane's own reading refused. A value the
    /// rule takes after all (one the lane does not read itself), a variable or context path
    /// that selected nothing (the interpreter words those), goes back.
    func pathValueError<T>(_ k: Int32, _ node: Int32, _ rule: (JSON?, String) -> Result<T, ASLError>) -> Bail {
        guard let source = code.pathSources[k] else { return Bail() }
        let value: JSON?
        if node >= 0 {
            guard let j = json(node) else { return Bail() }
            value = j
        } else {
            guard case .input = values[k] else { return Bail() }
            value = nil
        }
        guard case .failure(let e) = rule(value, source) else { return Bail() }
        return runtimeError(e)
    }

    /// A path filter (InputPath, OutputPath, ItemsPath; steps `span`) that selected nothing
    /// from `root`: the interpreter's error (`PathMiss.select`, Jayway's reason).
    @inline(never)
    func filterMiss(_ span: Span, _ root: Int32) -> Bail {
        guard let p = code.filterPaths[span.start], let j = json(root),
              case .failure(let e) = PathMiss.select(p, j) else { return Bail() }
        return runtimeError(e)
    }

    /// A template's path value (template `index`) that selected nothing from the template's
    /// `input`: the interpreter's error (`PathMiss.inField`). A variable's path goes back (an
    /// unset variable is worded otherwise).
    @inline(never)
    func templateMiss(_ index: Int32, _ input: Int32) -> Bail {
        guard case .value(let v) = templates[index] else { return Bail() }
        switch v {
        case .input, .itemValue, .executionInput: break
        default: return Bail()
        }
        guard let m = code.templatePaths[index], let j = json(input) else { return Bail() }
        return runtimeError(PathMiss.inField(m.path, field: m.field, input: j))
    }
}
