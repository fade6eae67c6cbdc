/// The built-in function table.
enum Builtins {
    /// JSONata 2.0.6 built-ins. Immutable after creation, shared by all evaluations (`$now`/`$millis`
    /// read the evaluation's timestamp from the evaluator).
    nonisolated(unsafe) static let standard: [String: JFunc] = {
        var r: [String: JFunc] = [:]
        registerString(&r)
        registerNumeric(&r)
        registerArray(&r)
        registerObject(&r)
        registerDateTime(&r)
        registerFormat(&r)
        return r
    }()

    /// The Step Functions flavour: adds $partition, $range, $hash, $random, $uuid, $parse; removes $eval.
    nonisolated(unsafe) static let stepFunctions: [String: JFunc] = {
        var r = standard
        r["eval"] = nil
        registerAWS(&r)
        return r
    }()
}
