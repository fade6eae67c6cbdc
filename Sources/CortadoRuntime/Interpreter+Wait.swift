import CortadoASL
import CortadoJSON
import CortadoPath

extension Execution {
    /// When a Wait state ends (epoch ms), from Seconds, Timestamp, SecondsPath or TimestampPath.
    /// - Throws: `States.Runtime` with AWS's causes for a path that selects nothing or a value
    ///   that is not a non-negative integer or an ISO-8601 timestamp, and for a delay longer
    ///   than AWS represents (`maxDelaySeconds`).
    func waitDeadline(_ d: WaitDuration, _ input: JSON, _ f: Frame) throws(ASLError) -> Int64 {
        let until = try waitTarget(d, input, f)
        // NOTE: AWS records "Wait state delay is too long." for a timestamp 24,856 days ahead
        // and waits for one 24,855 days ahead: its delay is a 32-bit count of seconds.
        if until - now > WaitDelay.maxDelaySeconds * 1000 { throw ASLError.runtime("Wait state delay is too long.") }
        return until
    }

    private func waitTarget(_ d: WaitDuration, _ input: JSON, _ f: Frame) throws(ASLError) -> Int64 {
        switch d {
        case .seconds(let s): return instant(now, plusSeconds: s)
        case .secondsExpression(let e):
            let s = try e.evaluateInteger(scope(f, input: input))
            // NOTE: the cause for a negative Seconds expression was not recorded; it follows SecondsPath's.
            guard s >= 0 else { throw ASLError(.queryEvaluationError, "The Seconds field references a negative value: \(s)") }
            return instant(now, plusSeconds: s)
        case .timestampExpression(let e):
            guard case .string(let t) = try e.evaluate(scope(f, input: input), expecting: "string") else { return now }
            return try WaitDelay.instant(fromExpression: t).get()
        case .timestamp(let t):
            guard let ts = Timestamp.parse(t) else {
                throw ASLError.runtime("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: \(t)")
            }
            return ts.milliseconds
        case .secondsPath(let p):
            // (Beyond the longest delay: refused by the caller.)
            return instant(now, plusSeconds: Int(try WaitDelay.seconds(fromPath: try waitValue(p, input, f), path: p.source).get()))
        case .timestampPath(let p):
            return try WaitDelay.instant(fromPath: try waitValue(p, input, f), path: p.source).get()
        }
    }

    /// What a Wait's SecondsPath or TimestampPath selects (nil: nothing; `WaitDelay` words it).
    func waitValue(_ p: JSONPath, _ input: JSON, _ f: Frame) throws(ASLError) -> JSON? {
        p.evaluate(try PathMiss.root(p, input: input, variables: f.variables, context: { self.context(f) }))
    }
}
