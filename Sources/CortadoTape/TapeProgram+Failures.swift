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

    /// A JSONPath Fail state of literal (or absent) Error and Cause; paths and intrinsics
    /// read the input, so the general engine takes those lines.
    mutating func fail(_ s: FailState) -> TState {
        guard handlesFailures else { return .bail }
        func literal(_ f: FailField) -> String?? {
            switch f {
            case .none: return .some(nil)
            case .literal(let t): return .some(t)
            default: return nil
            }
        }
        guard let error = literal(s.error), let cause = literal(s.cause) else { return .bail }
        return .fail(failure(ASLError(error.map(ErrorName.init), cause)))
    }

    mutating func failure(_ e: ASLError) -> Int32 {
        code.errors.append(e)
        return Int32(code.errors.count - 1)
    }

    /// The outcome of Task `name`'s attempts, played ahead: each attempt's constant answer
    /// from the host's backend, Retry while a Retrier takes the error, then Catch.
    /// - Returns: the outcome and the Retry back-off before it (milliseconds), or nil when
    ///   reaching the state must hand the line back (a result over the size limit, an
    ///   error without a name).
    /// - Throws: `Unsupported` for a backend that must really be called, or a Retry that
    ///   waits on a real clock.
    mutating func taskOutcome(_ name: String, _ s: TaskState) throws(Unsupported) -> (TOutcome, Int)? {
        let p = s.processing
        var counts: [Int] = []
        var waitMs = 0
        for attempt in 0..<Self.maxAttemptsPlayed {
            guard let answer = taskResults?(name, s.resource, attempt) else {
                throw Unsupported("Task state '\(name)' without a constant (mocked) result")
            }
            let e: ASLError
            switch answer {
            case .success(let v):
                if v.serializedByteCount > payloadLimit { return nil }  // States.DataLimitExceeded
                return (.result(constant(v)), waitMs)
            case .failure(let error):
                e = error
            }
            guard handlesFailures else { throw Unsupported("Task state '\(name)' fails, and the host takes no failures from the lane") }
            // (An error without a name is left to the general engine.)
            guard e.name != nil else { return nil }
            if let (_, seconds) = p.retry(e, counts: &counts) {
                guard virtualClock else { throw Unsupported("Task state '\(name)' retries after a wait, on a real clock") }
                let ms = (seconds * 1000).rounded()
                waitMs = ms < Double(Int.max / 2) ? min(waitMs &+ Int(ms), Int.max / 2) : Int.max / 2
                continue
            }
            if let k = p.catcher(for: e) {
                let c = p.catchers[k]
                guard c.assign == nil, c.output == nil else { throw Unsupported("Catch with Assign or Output in state '\(name)'") }
                return (.caught(errorOutput: constant(ErrorOutput.object(e)), resultPath: try resultPath(c.resultPath),
                                next: Int32(c.next)), waitMs)
            }
            return (.failed(failure(e)), waitMs)
        }
        throw Unsupported("Task state '\(name)' retries more than \(Self.maxAttemptsPlayed) times")
    }
}
