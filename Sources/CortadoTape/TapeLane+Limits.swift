import CortadoASL
import CortadoJSON

// Limits read at run time, from the input (Path forms) or computed (JSONata): a Map's
// MaxConcurrency and tolerated failures, a Task's TimeoutSeconds and HeartbeatSeconds. A
// constant answer never times out; a called Task's answer may (`TapeLane+Calls`). The lane
// reads every one by AWS's rules (MapLimits, TaskSeconds) and hands anything else back for
// the interpreter to word.
extension TapeCompiler {
    /// The Map's limits that are not constants, in `TapeCode.limits`, in the order the
    /// interpreter reads them.
    mutating func mapLimits(_ s: MapState) throws(Unsupported) -> Span {
        let start = Int32(code.limits.count)
        if case .constant(let n) = s.maxConcurrency, n > 0 { code.concurrency[statePC] = n }
        try limit(s.maxConcurrency, .maxConcurrency)
        try limit(s.toleratedFailureCount, .toleratedFailureCount)
        try limit(s.toleratedFailurePercentage, .toleratedFailurePercentage)
        return Span(start: start, count: Int32(code.limits.count) - start)
    }

    /// A Task's TimeoutSeconds and HeartbeatSeconds that are not constants, in `TapeCode.limits`.
    mutating func taskLimits(_ s: TaskState) throws(Unsupported) -> Span {
        let start = Int32(code.limits.count)
        try limit(s.timeoutSeconds, nil, name: "TimeoutSecondsPath")
        try limit(s.heartbeatSeconds, nil, name: "HeartbeatSecondsPath")
        return Span(start: start, count: Int32(code.limits.count) - start)
    }

    private mutating func limit<T>(_ v: DynamicValue<T>?, _ field: MapLimits.Field?, name: String? = nil) throws(Unsupported) {
        switch v {
        case nil, .constant?: return
        case .path(let p)?:
            code.values.append(try value(p, item: false))
            code.limits.append(TLimit(field: field, name: name ?? field?.pathName ?? "", path: p.source,
                                      value: Int32(code.values.count - 1), jsonata: false))
        case .expression(let t)?:
            code.limits.append(TLimit(field: field, name: name ?? "", path: "", value: try jsonataTemplate(t), jsonata: true))
        }
    }
}

/// The limits `checkLimits` read: a Map's tolerated failure count and percentage, a Task's
/// TimeoutSeconds and HeartbeatSeconds (nil: not read).
struct TLimitsRead {
    var count: Int?
    var percentage: Double?
    var timeout: Int?
    var heartbeat: Int?

    /// A Task's TimeoutSeconds or HeartbeatSeconds (`l`, by its name): `n` seconds.
    mutating func taskSeconds(_ l: TLimit, _ n: Int) {
        if l.name.hasPrefix("Heartbeat") { heartbeat = n } else { timeout = n }
    }
}

extension TapeLane {
    /// Reads each limit from `input` (the state's effective input) by AWS's rules (`MapLimits`,
    /// `TaskSeconds`, the interpreter's); a value they refuse fails the state in their words
    /// (`runtimeError`). What the interpreter words itself (a path that selects nothing, an
    /// expression's error) goes back. A Map's MaxConcurrency read is kept for the log (the
    /// order of its iterations' events follows it). `entry`: the state's trail entry.
    /// - Returns: the values read (nil: not read here).
    @discardableResult
    func checkLimits(_ limits: Span, _ input: Int32, entry: Int) throws(Bail) -> TLimitsRead {
        var got = TLimitsRead()
        for k in 0..<limits.count {
            let l = code.limits[Int(limits.start + k)]
            let node = l.jsonata ? try evaluate(l.value, input, -1, 0) : try read(values[l.value], input, -1, 0)
            guard node >= 0, let j = json(node) else { throw Bail() }
            let read: Double
            switch (l.field, l.jsonata) {
            case (nil, false):
                // A Task's seconds.
                switch TaskSeconds.pathValue(j, name: l.name, path: l.path) {
                case .success(let n): got.taskSeconds(l, n)
                case .failure(let e): throw runtimeError(e)
                }
                continue
            case (nil, true):
                guard let n = MapLimits.expressionInteger(j) else { throw Bail() }
                got.taskSeconds(l, n)
                continue
            case (let field?, false):
                switch MapLimits.pathValue(field, j, path: l.path) {
                case .success(let v): read = v
                case .failure(let e): throw runtimeError(e)
                }
            case (let field?, true):
                guard let v = field == .toleratedFailurePercentage ? j.numberValue?.double : MapLimits.expressionInteger(j).map(Double.init)
                else { throw Bail() }
                if let cause = MapLimits.rangeCause(field, v) { throw runtimeError(.runtime(cause)) }
                read = v
            }
            switch l.field {
            case .maxConcurrency?: trailMapLimits.append((entry, Self.whole(read)))
            case .toleratedFailureCount?: got.count = Self.whole(read)
            case .toleratedFailurePercentage?: got.percentage = read
            case nil: break
            }
        }
        return got
    }

    /// An integer read as a Double (`MapLimits`), back as an Int (saturating: 2^63 has no Int).
    static func whole(_ d: Double) -> Int {
        d >= 0x1p63 ? .max : d < -0x1p63 ? .min : Int(d)
    }
}
