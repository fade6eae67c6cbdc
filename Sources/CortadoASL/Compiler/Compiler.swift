import CortadoJSON
import CortadoPath
import CortadoJSONata

/// Compiles a definition into a `Program`. Every path, template, intrinsic call and
/// Choice rule is parsed here, once; transitions become pcs.
public struct Compiler {
    var code: [Instruction?] = []
    var headers: [StateHeader?] = []
    /// By pc: what the state's JSONata expressions read of `$states.input`
    /// (`Program.inputReads`); `stateInputReads` gathers the state being compiled's.
    var inputReads: [JSONataProjection?] = []
    var stateInputReads = JSONataProjection.nothing
    var diagnostics: [Diagnostic] = []
    /// The machine's QueryLanguage (states may override it).
    var machineLanguage = QueryLanguage.jsonPath
    /// The state being compiled is in JSONata mode.
    var jsonata = false

    public init() {}

    /// Compiles a definition that `Validator` accepted (it re-checks what it relies on).
    /// - Returns: the program, or every diagnostic found while compiling.
    public static func compile(_ definition: JSON) -> Result<Program, [Diagnostic]> {
        var c = Compiler()
        guard case .object(let top) = definition else {
            return .failure([Diagnostic(.schemaValidationFailed, "Definition must be a valid JSON object", at: "/")])
        }
        if top["QueryLanguage"]?.stringValue == "JSONata" { c.machineLanguage = .jsonata }
        let main = c.compileMachine(top, pointer: "")
        var timeout: Int? = nil
        if let t = top["TimeoutSeconds"]?.numberValue?.int { timeout = t }
        guard c.diagnostics.isEmpty, let main else { return .failure(c.diagnostics) }
        let code = c.code.map { $0! }, headers = c.headers.map { $0! }
        return .success(Program(code: code, headers: headers, main: main, timeoutSeconds: timeout,
                                inputReads: c.inputReads.map { $0 ?? .everything }))
    }

    mutating func error(_ message: String, at pointer: String, code: Diagnostic.Code = .schemaValidationFailed) {
        diagnostics.append(Diagnostic(code, message, at: pointer.isEmpty ? "/" : pointer))
    }

    mutating func unsupported(_ what: String, at pointer: String) {
        error("\(what) is not supported by Cortado yet", at: pointer, code: .unsupportedFeature)
    }

    // MARK: - Machines

    mutating func compileMachine(_ m: JSONObject, pointer: String) -> SubMachine? {
        guard case .object(let states)? = m["States"], !states.isEmpty else {
            error("These fields are required: [States]", at: pointer); return nil
        }
        guard let startAt = m["StartAt"]?.stringValue else {
            error("These fields are required: [StartAt]", at: pointer); return nil
        }
        // Reserve a pc for every state of this machine first, so transitions resolve to indices.
        var pcs: [String: PC] = [:]
        for s in states.members {
            pcs[s.key] = PC(code.count)
            code.append(nil); headers.append(nil); inputReads.append(nil)
        }
        guard let start = pcs[startAt] else {
            error("Missing 'Next' target: \(startAt)", at: pointer + "/StartAt", code: .missingTransitionTarget)
            return nil
        }
        for s in states.members {
            let p = "\(pointer)/States/\(pointerToken(s.key))"
            guard case .object(let st) = s.value else { error("State must be an object", at: p); continue }
            compileState(name: s.key, st, pc: Int(pcs[s.key]!), pcs: pcs, pointer: p)
        }
        return SubMachine(start: start)
    }

    mutating func target(_ name: JSON?, _ pcs: [String: PC], at pointer: String) -> PC? {
        guard let n = name?.stringValue else { error("Expected a state name", at: pointer); return nil }
        guard let pc = pcs[n] else {
            error("Missing 'Next' target: \(n)", at: pointer, code: .missingTransitionTarget); return nil
        }
        return pc
    }

    // MARK: - States

    mutating func compileState(name: String, _ s: JSONObject, pc: Int, pcs: [String: PC], pointer: String) {
        // (A Map's or Parallel's children are states of their own, compiled in between.)
        let enclosing = stateInputReads
        stateInputReads = .nothing
        defer { stateInputReads = enclosing }
        let type = s["Type"]?.stringValue ?? ""
        let language = s["QueryLanguage"].flatMap { $0.stringValue.flatMap(QueryLanguage.init) } ?? machineLanguage
        jsonata = language == .jsonata
        var next: PC? = nil
        if s["Next"] != nil { next = target(s["Next"], pcs, at: pointer + "/Next") }
        let header = StateHeader(
            name: name, type: type, pointer: pointer,
            inputPath: filter(s, "InputPath", pointer), outputPath: filter(s, "OutputPath", pointer), next: next,
            language: language, output: query(s["Output"], field: "Output", at: pointer),
            assign: assign(s["Assign"], at: pointer + "/Assign"))
        headers[pc] = header
        let instruction: Instruction
        switch type {
        case "Pass":
            instruction = .pass(PassState(
                result: s["Result"], resultByteCount: s["Result"]?.serializedByteCount ?? 0,
                processing: processing(s, pcs, pointer)))
        case "Succeed":
            instruction = .succeed
        case "Fail":
            instruction = .fail(FailState(
                error: failField(s, "Error", "ErrorPath", pointer), cause: failField(s, "Cause", "CausePath", pointer)))
            // (compiled after its header: a Fail state of a JSONata machine reads no paths)
        case "Wait":
            instruction = .wait(WaitState(duration: waitDuration(s, pointer)))
        case "Choice":
            var choices: [ChoiceBranch] = []
            for (k, c) in (s["Choices"]?.arrayValue ?? []).enumerated() {
                let cp = "\(pointer)/Choices/\(k)"
                guard case .object(let co) = c else { error("Choice rule must be an object", at: cp); continue }
                guard let n = target(co["Next"], pcs, at: cp + "/Next") else { continue }
                let output = query(co["Output"], field: "Output", at: cp), assigned = assign(co["Assign"], at: cp + "/Assign")
                if jsonata {
                    guard let condition = query(co["Condition"], field: "Condition", at: cp) else {
                        error("These fields are required: [Condition]", at: cp); continue
                    }
                    choices.append(ChoiceBranch(rule: nil, condition: condition, next: n, output: output, assign: assigned))
                } else {
                    guard let rule = choiceRule(co, at: cp) else { continue }
                    choices.append(ChoiceBranch(rule: rule, condition: nil, next: n, output: output, assign: assigned))
                }
            }
            var def: PC? = nil
            if s["Default"] != nil { def = target(s["Default"], pcs, at: pointer + "/Default") }
            instruction = .choice(ChoiceState(choices: choices, defaultNext: def))
        case "Task":
            guard let resource = s["Resource"]?.stringValue else {
                error("These fields are required: [Resource]", at: pointer); return
            }
            instruction = .task(TaskState(
                resource: resource, processing: processing(s, pcs, pointer),
                timeoutSeconds: dynamicInt(s, "TimeoutSeconds", pointer),
                heartbeatSeconds: dynamicInt(s, "HeartbeatSeconds", pointer), credentials: s["Credentials"],
                waitsForToken: TaskState.isTokenResource(resource),
                runsSync: TaskState.isSyncResource(resource),
                invokesLambdaFunction: TaskState.isLambdaFunctionArn(resource)))
        case "Parallel":
            var branches: [SubMachine] = []
            for (k, b) in (s["Branches"]?.arrayValue ?? []).enumerated() {
                guard case .object(let bo) = b else { error("Branch must be an object", at: "\(pointer)/Branches/\(k)"); continue }
                if let m = compileMachine(bo, pointer: "\(pointer)/Branches/\(k)") { branches.append(m) }
            }
            jsonata = language == .jsonata  // the branches' states set it for themselves
            instruction = .parallel(ParallelState(branches: branches, processing: processing(s, pcs, pointer)))
        case "Map":
            let procKey = s["ItemProcessor"] != nil ? "ItemProcessor" : "Iterator"
            guard case .object(let proc)? = s[procKey] else {
                error("These fields are required: [ItemProcessor]", at: pointer); return
            }
            guard let sub = compileMachine(proc, pointer: pointer + "/" + procKey) else { return }
            jsonata = language == .jsonata
            let run = distributedRun(s, proc, language: language, pointer: pointer, procKey: procKey)
            let selectorKey = s["ItemSelector"] != nil ? "ItemSelector" : "Parameters"
            var selector: FieldTemplate? = nil
            if let sel = s[selectorKey] {
                if jsonata {
                    selector = query(sel, field: selectorKey, at: pointer).map { .jsonata($0) }
                } else {
                    selector = template(sel, at: pointer + "/" + selectorKey).map { .jsonPath($0) }
                }
            }
            let concurrency = dynamicInt(s, "MaxConcurrency", pointer) ?? .constant(0)
            var pct: DynamicValue<Double>? = nil
            if let p = s["ToleratedFailurePercentagePath"]?.stringValue,
                let jp = path(p, at: pointer + "/ToleratedFailurePercentagePath")
            {
                pct = .path(jp)
            } else if let n = s["ToleratedFailurePercentage"]?.numberValue {
                pct = .constant(n.double)
            } else if let e = expression(s["ToleratedFailurePercentage"], field: "ToleratedFailurePercentage", at: pointer) {
                pct = .expression(e)
            }
            instruction = .map(MapState(
                processor: sub, itemsPath: filter(s, "ItemsPath", pointer),
                items: query(s["Items"], field: "Items", at: pointer), itemSelector: selector,
                maxConcurrency: concurrency,
                toleratedFailureCount: dynamicInt(s, "ToleratedFailureCount", pointer),
                toleratedFailurePercentage: pct,
                processing: processing(s, pcs, pointer, parametersKey: nil), label: s["Label"]?.stringValue,
                distributed: proc["ProcessorConfig"]?.objectValue?["Mode"]?.stringValue == "DISTRIBUTED", run: run))
        default:
            error("Unknown state type '\(type)'", at: pointer + "/Type"); return
        }
        code[pc] = instruction
        inputReads[pc] = jsonata ? stateInputReads : .everything
    }

    // MARK: - Pieces

    /// Parses a path; workflow variables (`$name`) are allowed everywhere but in ResultPath.
    mutating func path(_ text: String, at pointer: String, variables: Bool = true) -> JSONPath? {
        do { return try JSONPath.parse(text, allowingVariables: variables) } catch {
            self.error("The value for the field must be a valid JSONPath: \(text) (\(error.message))", at: pointer,
                code: .invalidJSONPath)
            return nil
        }
    }

    mutating func filter(_ s: JSONObject, _ key: String, _ pointer: String) -> PathFilter {
        switch s[key] {
        case nil: return .identity
        case .null?: return .empty
        case .string(let t)?:
            if t == "$" { return .identity }
            return path(t, at: pointer + "/" + key).map { .path($0) } ?? .identity
        default:
            error("The value for the field '\(key)' must be a STRING", at: pointer + "/" + key); return .identity
        }
    }

    mutating func resultTarget(_ v: JSON?, at pointer: String) -> ResultTarget {
        switch v {
        case nil: return .replace
        case .null?: return .discard
        case .string(let t)?:
            if t == "$" { return .replace }
            guard let p = path(t, at: pointer, variables: false) else { return .replace }
            if !p.isDefinite || p.isContextPath {
                error("The value for the field 'ResultPath' must be a valid ReferencePath: \(t)", at: pointer,
                    code: .invalidReferencePath)
            }
            return .path(p)
        default:
            error("The value for the field 'ResultPath' must be a STRING", at: pointer); return .replace
        }
    }

    mutating func template(_ v: JSON, at pointer: String) -> PayloadTemplate? {
        do { return try PayloadTemplate.compile(v, allowingVariables: true) } catch {
            self.error(error.message, at: pointer, code: .invalidJSONPath); return nil
        }
    }

    mutating func processing(_ s: JSONObject, _ pcs: [String: PC], _ pointer: String, parametersKey: String? = "Parameters")
        -> ResultProcessing
    {
        var params: PayloadTemplate? = nil
        if !jsonata, let k = parametersKey, let v = s[k] { params = template(v, at: pointer + "/" + k) }
        let arguments = query(s["Arguments"], field: "Arguments", at: pointer)
        var selector: PayloadTemplate? = nil
        if let v = s["ResultSelector"] { selector = template(v, at: pointer + "/ResultSelector") }
        var retriers: [Retrier] = []
        for (k, r) in (s["Retry"]?.arrayValue ?? []).enumerated() {
            guard case .object(let ro) = r else { continue }
            _ = k
            retriers.append(Retrier(
                errorEquals: (ro["ErrorEquals"]?.arrayValue ?? []).compactMap { $0.stringValue.map(ErrorName.init) },
                intervalSeconds: ro["IntervalSeconds"]?.numberValue?.double ?? 1,
                maxAttempts: ro["MaxAttempts"]?.numberValue?.int ?? 3,
                backoffRate: ro["BackoffRate"]?.numberValue?.double ?? 2.0,
                maxDelaySeconds: ro["MaxDelaySeconds"]?.numberValue?.double,
                fullJitter: ro["JitterStrategy"]?.stringValue == "FULL"))
        }
        var catchers: [Catcher] = []
        for (k, c) in (s["Catch"]?.arrayValue ?? []).enumerated() {
            let cp = "\(pointer)/Catch/\(k)"
            guard case .object(let co) = c, let n = target(co["Next"], pcs, at: cp + "/Next") else { continue }
            catchers.append(Catcher(
                errorEquals: (co["ErrorEquals"]?.arrayValue ?? []).compactMap { $0.stringValue.map(ErrorName.init) },
                resultPath: resultTarget(co["ResultPath"], at: cp + "/ResultPath"), next: n,
                output: query(co["Output"], field: "Output", at: cp), assign: assign(co["Assign"], at: cp + "/Assign")))
        }
        return ResultProcessing(
            parameters: params, arguments: arguments, resultSelector: selector,
            resultPath: resultTarget(s["ResultPath"], at: pointer + "/ResultPath"), retry: retriers, catchers: catchers)
    }

    mutating func failField(_ s: JSONObject, _ key: String, _ pathKey: String, _ pointer: String) -> FailField {
        if let e = expression(s[key], field: key, at: pointer) { return .expression(e) }
        if s[key]?.stringValue == nil, let t = s[pathKey]?.stringValue, !IntrinsicCall.isIntrinsic(t) {
            return path(t, at: pointer + "/" + pathKey).map { .path($0) } ?? .none
        }
        do { return try FailField.parse(s, key, pathKey) } catch {
            self.error(error.message, at: pointer + "/" + pathKey, code: .invalidIntrinsic); return .none
        }
    }

    mutating func dynamicInt(_ s: JSONObject, _ key: String, _ pointer: String) -> DynamicValue<Int>? {
        if let t = s[key + "Path"]?.stringValue { return path(t, at: pointer + "/" + key + "Path").map { .path($0) } }
        if let n = s[key]?.numberValue?.int { return .constant(n) }
        return expression(s[key], field: key, at: pointer).map { .expression($0) }
    }

    /// A JSONata-mode field (`Output`, `Arguments`, `Items`, `Condition`...); nil when absent
    /// or when the state is in JSONPath mode.
    mutating func query(_ v: JSON?, field: String, at pointer: String) -> JSONataTemplate? {
        guard jsonata, let v else { return nil }
        do {
            let t = try JSONataTemplate.compile(v, field: field)
            stateInputReads = stateInputReads.union(t.inputReads)
            return t
        } catch {
            self.error(error.message, at: pointer + "/" + field); return nil
        }
    }

    /// A field that is a literal or a whole `{% %}` expression (Seconds, TimeoutSeconds, ...):
    /// the expression, or nil for a literal.
    mutating func expression(_ v: JSON?, field: String, at pointer: String) -> JSONataTemplate? {
        guard jsonata, case .string(let s)? = v, JSONataTemplate.isExpression(s) else { return nil }
        return query(v, field: field, at: pointer)
    }

    /// `Assign`, in the state's query language.
    mutating func assign(_ v: JSON?, at pointer: String) -> FieldTemplate? {
        guard let v else { return nil }
        if jsonata {
            do {
                let t = try JSONataTemplate.compile(v, field: "Assign")
                stateInputReads = stateInputReads.union(t.inputReads)
                return .jsonata(t)
            } catch {
                self.error(error.message, at: pointer); return nil
            }
        }
        return template(v, at: pointer).map { .jsonPath($0) }
    }

    mutating func waitDuration(_ s: JSONObject, _ pointer: String) -> WaitDuration {
        if let n = s["Seconds"]?.numberValue?.int { return .seconds(n) }
        if let e = expression(s["Seconds"], field: "Seconds", at: pointer) { return .secondsExpression(e) }
        if let e = expression(s["Timestamp"], field: "Timestamp", at: pointer) { return .timestampExpression(e) }
        if let t = s["Timestamp"]?.stringValue { return .timestamp(t) }
        if let t = s["SecondsPath"]?.stringValue, let p = path(t, at: pointer + "/SecondsPath") { return .secondsPath(p) }
        if let t = s["TimestampPath"]?.stringValue, let p = path(t, at: pointer + "/TimestampPath") {
            return .timestampPath(p)
        }
        error("A Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath", at: pointer)
        return .seconds(0)
    }

    mutating func choiceRule(_ r: JSONObject, at pointer: String) -> ChoiceRule? {
        if let a = r["And"]?.arrayValue {
            return .and(a.enumerated().compactMap { (k, x) in x.objectValue.flatMap { choiceRule($0, at: "\(pointer)/And/\(k)") } })
        }
        if let a = r["Or"]?.arrayValue {
            return .or(a.enumerated().compactMap { (k, x) in x.objectValue.flatMap { choiceRule($0, at: "\(pointer)/Or/\(k)") } })
        }
        if let n = r["Not"]?.objectValue { return choiceRule(n, at: pointer + "/Not").map { .not($0) } }
        guard let v = r["Variable"]?.stringValue else { error("These fields are required: [Variable]", at: pointer); return nil }
        guard let variable = path(v, at: pointer + "/Variable") else { return nil }
        for m in r.members {
            if let op = ChoiceOperator(rawValue: m.key) {
                if op == .timestampEquals || op == .timestampLessThan || op == .timestampGreaterThan
                    || op == .timestampLessThanEquals || op == .timestampGreaterThanEquals
                {
                    if m.value.stringValue.flatMap(Timestamp.parse) == nil {
                        error("The value for the field '\(m.key)' must be a valid ISO-8601 timestamp", at: pointer + "/" + m.key)
                    }
                }
                return .compare(variable: variable, op: op, operand: .literal(m.value))
            }
            if m.key.hasSuffix("Path"), let op = ChoiceOperator(rawValue: String(m.key.dropLast(4))), op.hasPathForm {
                guard let t = m.value.stringValue, let p = path(t, at: pointer + "/" + m.key) else { return nil }
                return .compare(variable: variable, op: op, operand: .path(p))
            }
        }
        error("A Choice rule needs a comparison operator", at: pointer)
        return nil
    }
}

// MARK: - Distributed Map

extension Compiler {
    /// ItemReader, ItemBatcher and ResultWriter of a Map, and its ItemProcessor compiled as a
    /// machine of its own for the child executions; nil when the Map has none of the three.
    mutating func distributedRun(_ s: JSONObject, _ proc: JSONObject, language: QueryLanguage, pointer: String,
                                 procKey: String) -> DistributedRun? {
        guard s["ItemReader"] != nil || s["ItemBatcher"] != nil || s["ResultWriter"] != nil else { return nil }
        var reader: ItemReaderSpec? = nil
        if case .object(let r)? = s["ItemReader"] { reader = itemReader(r, at: pointer + "/ItemReader") }
        var batcher: ItemBatcherSpec? = nil
        if case .object(let b)? = s["ItemBatcher"] {
            let bp = pointer + "/ItemBatcher"
            var input: FieldTemplate? = nil
            if let v = b["BatchInput"] {
                input = jsonata ? query(v, field: "BatchInput", at: bp).map { .jsonata($0) }
                                : template(v, at: bp + "/BatchInput").map { .jsonPath($0) }
            }
            batcher = ItemBatcherSpec(maxItemsPerBatch: dynamicInt(b, "MaxItemsPerBatch", bp),
                                      maxInputBytesPerBatch: dynamicInt(b, "MaxInputBytesPerBatch", bp), batchInput: input)
        }
        var writer: ResultWriterSpec? = nil
        if case .object(let w)? = s["ResultWriter"] {
            let config = w["WriterConfig"]?.objectValue ?? JSONObject()
            let files = w["Resource"] != nil
            writer = ResultWriterSpec(
                parameters: arguments(w, at: pointer + "/ResultWriter"), writesFiles: files,
                transformation: config["Transformation"]?.stringValue.flatMap(ResultWriterSpec.Transformation.init)
                    ?? (files ? .none : .compact),
                jsonLines: config["OutputType"]?.stringValue == "JSONL")
        }
        // The child machine keeps the parent's query language unless it names its own.
        var child = proc
        if child["QueryLanguage"] == nil, language == .jsonata { child["QueryLanguage"] = .string("JSONata") }
        let saved = jsonata
        defer { jsonata = saved }
        switch Compiler.compile(.object(child)) {
        case .success(let program):
            return DistributedRun(reader: reader, batcher: batcher, writer: writer, program: program)
        case .failure(let d):
            for x in d { diagnostics.append(Diagnostic(x.code, x.message, at: pointer + "/" + procKey + (x.location == "/" ? "" : x.location))) }
            return nil
        }
    }

    mutating func itemReader(_ r: JSONObject, at pointer: String) -> ItemReaderSpec? {
        let resource = r["Resource"]?.stringValue ?? ""
        let source: ItemReaderSpec.Source
        if resource.hasSuffix(":s3:getObject") {
            source = .getObject
        } else if resource.hasSuffix(":s3:listObjectsV2") {
            source = .listObjects
        } else {
            unsupported("ItemReader resource '\(resource)'", at: pointer + "/Resource"); return nil
        }
        let config = r["ReaderConfig"]?.objectValue ?? JSONObject()
        var type = ItemReaderSpec.InputType.json
        if let t = config["InputType"]?.stringValue {
            guard let known = ItemReaderSpec.InputType(rawValue: t) else {
                unsupported("ReaderConfig InputType '\(t)'", at: pointer + "/ReaderConfig/InputType"); return nil
            }
            type = known
        }
        var headers: [String]? = nil
        if config["CSVHeaderLocation"]?.stringValue == "GIVEN" {
            headers = (config["CSVHeaders"]?.arrayValue ?? []).compactMap { $0.stringValue }
        }
        let delimiters: [String: UInt8] = ["COMMA": 0x2C, "PIPE": 0x7C, "SEMICOLON": 0x3B, "SPACE": 0x20, "TAB": 0x09]
        let delimiter = config["CSVDelimiter"]?.stringValue.flatMap { delimiters[$0] } ?? 0x2C
        return ItemReaderSpec(source: source, parameters: arguments(r, at: pointer), inputType: type, csvHeaders: headers,
                              csvDelimiter: delimiter, maxItems: dynamicInt(config, "MaxItems", pointer + "/ReaderConfig"))
    }

    /// `Parameters` (JSONPath) or `Arguments` (JSONata) of a reader or writer.
    mutating func arguments(_ o: JSONObject, at pointer: String) -> FieldTemplate? {
        if jsonata { return query(o["Arguments"], field: "Arguments", at: pointer).map { .jsonata($0) } }
        guard let p = o["Parameters"] else { return nil }
        return template(p, at: pointer + "/Parameters").map { .jsonPath($0) }
    }
}
