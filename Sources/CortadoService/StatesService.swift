import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Dispatch
import Synchronization

/// Settings of a `StatesService`.
public struct ServiceOptions: Sendable {
    public var region = "us-east-1"
    public var account = ExecutionOptions.defaultAccount
    /// Journal directory (`--data-dir`); nil keeps everything in memory only.
    public var dataDirectory: String?
    /// fsync every journal record (survives an OS crash, not only a process kill).
    public var syncJournal = false
    /// The task backend for a state machine, by name (mock configs are per machine).
    public var backend: @Sendable (_ machineName: String) -> any TaskBackend
    /// Express executions end TIMED_OUT after this (AWS: 5 minutes); STANDARD ones have no limit here.
    public var expressTimeoutSeconds = ExpressLimits.executionSeconds
    /// Where Distributed Maps read items and write results (`--s3-dir`, `--aws`).
    public var objectStore: (any ObjectStore)?

    public init(backend: @escaping @Sendable (_ machineName: String) -> any TaskBackend) { self.backend = backend }
}

/// The `states` API of AWS Step Functions (a subset; see `actions`), over request bytes:
/// machines, executions on the real clock, history, task tokens, TestState, and the journal.
public final class StatesService: @unchecked Sendable {
    let options: ServiceOptions
    let tokens = TokenTable()
    var host: ExecutionHost!
    let journal: Journal?

    struct Tables {
        var machines: [String: MachineRecord] = [:]
        /// Creation order, for ListStateMachines.
        var machineOrder: [String] = []
        var executions: [String: ExecutionRecord] = [:]
        /// Per machine ARN, in start order (List returns newest first).
        var executionsByMachine: [String: [ExecutionRecord]] = [:]
    }
    let tables = Mutex(Tables())

    /// The actions served, by `X-Amz-Target` suffix.
    public static let actions = [
        "CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine", "ListStateMachines",
        "StartExecution", "StartSyncExecution", "DescribeExecution", "StopExecution", "ListExecutions",
        "GetExecutionHistory", "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat",
        "ValidateStateMachineDefinition", "TestState", "DescribeStateMachineForExecution",
        "TagResource", "UntagResource", "ListTagsForResource",
    ]

    /// Opens the journal (if any) and resumes the executions it left running.
    public init(options: ServiceOptions) throws(APIError) {
        self.options = options
        journal = try options.dataDirectory.map { (d) throws(APIError) in try Journal(directory: d, syncEachRecord: options.syncJournal) }
        // (weak: an execution may end after the service is gone, as in tests that do not wait.)
        host = ExecutionHost { [weak self] e, r in self?.finished(e, r) }
        if let journal { try recover(from: journal) }
    }

    /// Executions running now, and tasks waiting for a token (for `serve`'s status line and tests).
    public var runningExecutions: Int {
        tables.withLock { $0.executions.values.filter { $0.status == "RUNNING" }.count }
    }
    public var waitingTasks: Int { tokens.waiting }

    public func shutdown() { journal?.shutdown() }

    /// Serves one request: `target` is the `X-Amz-Target` header (`AWSStepFunctions.<Action>`).
    public func handle(target: String, body: [UInt8]) async -> APIResponse {
        let action = target.hasPrefix("AWSStepFunctions.") ? String(target.dropFirst("AWSStepFunctions.".count)) : target
        do throws(APIError) {
            switch action {
            case "StartSyncExecution":
                let (record, _) = try startExecution(try APIRequest(bytes: body, allowed: StatesService.startFields), sync: true)
                await record.waitForEnd()
                var o = record.describeJSON()
                o["redriveCount"] = nil; o["redriveStatus"] = nil
                let ms = max(100, Int(((record.state.withLock { $0.stopMs } ?? record.startMs) - record.startMs + 99) / 100 * 100))
                o["billingDetails"] = ["billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": .number(JSONNumber(ms))]
                return APIResponse(json: .object(o))
            default:
                return APIResponse(json: .object(try handleSync(action, body)))
            }
        } catch {
            return APIResponse(error: error)
        }
    }

    func handleSync(_ action: String, _ body: [UInt8]) throws(APIError) -> JSONObject {
        switch action {
        case "CreateStateMachine": return try createStateMachine(APIRequest(bytes: body, allowed: [
            "name", "definition", "roleArn", "type", "loggingConfiguration", "tags", "tracingConfiguration",
            "publish", "versionDescription", "encryptionConfiguration"]))
        case "DescribeStateMachine": return try describeStateMachine(APIRequest(bytes: body, allowed: ["stateMachineArn", "includedData"]))
        case "UpdateStateMachine": return try updateStateMachine(APIRequest(bytes: body, allowed: [
            "stateMachineArn", "definition", "roleArn", "loggingConfiguration", "tracingConfiguration", "publish",
            "versionDescription", "encryptionConfiguration"]))
        case "DeleteStateMachine": return try deleteStateMachine(APIRequest(bytes: body, allowed: ["stateMachineArn"]))
        case "ListStateMachines": return try listStateMachines(APIRequest(bytes: body, allowed: ["maxResults", "nextToken"]))
        case "StartExecution":
            let (record, _) = try startExecution(APIRequest(bytes: body, allowed: StatesService.startFields), sync: false)
            return ["executionArn": .string(record.arn), "startDate": timestampJSON(record.startMs)]
        case "TagResource": return try tagResource(APIRequest(bytes: body, allowed: ["resourceArn", "tags"]))
        case "UntagResource": return try untagResource(APIRequest(bytes: body, allowed: ["resourceArn", "tagKeys"]))
        case "ListTagsForResource": return try listTagsForResource(APIRequest(bytes: body, allowed: ["resourceArn"]))
        case "DescribeExecution": return try describeExecution(APIRequest(bytes: body, allowed: ["executionArn", "includedData"]))
        case "DescribeStateMachineForExecution":
            let r = try APIRequest(bytes: body, allowed: ["executionArn", "includedData"])
            let e = try execution(r.arn("executionArn", kind: "execution"))
            return try machine(e.machineArn).describeForExecutionJSON
        case "StopExecution": return try stopExecution(APIRequest(bytes: body, allowed: ["executionArn", "error", "cause"]))
        case "ListExecutions": return try listExecutions(APIRequest(bytes: body, allowed: [
            "stateMachineArn", "statusFilter", "maxResults", "nextToken", "mapRunArn", "redriveFilter"]))
        case "GetExecutionHistory": return try executionHistory(APIRequest(bytes: body, allowed: [
            "executionArn", "maxResults", "reverseOrder", "nextToken", "includeExecutionData"]))
        case "SendTaskSuccess": return try sendTaskSuccess(APIRequest(bytes: body, allowed: ["taskToken", "output"]))
        case "SendTaskFailure": return try sendTaskFailure(APIRequest(bytes: body, allowed: ["taskToken", "error", "cause"]))
        case "SendTaskHeartbeat":
            let r = try APIRequest(bytes: body, allowed: ["taskToken"])
            let entry = try tokens.find(r.required("taskToken", maxLength: 2048), take: false)
            entry.completion.heartbeat()
            return [:]
        case "ValidateStateMachineDefinition": return try validateDefinition(APIRequest(bytes: body, allowed: [
            "definition", "type", "severity", "maxResults"]))
        case "TestState":
            let r = try APIRequest(bytes: body, allowed: [
                "definition", "roleArn", "input", "inspectionLevel", "revealSecrets", "variables", "stateName",
                "mock", "context", "stateConfiguration"])
            // A Task without a mock calls what executions call (no machine's mock config).
            return try TestStateRunner(account: options.account, region: options.region, backend: options.backend("")).run(r.fields)
        default:
            throw APIError.unknownOperation(action)
        }
    }

    static let startFields: Set<String> = ["stateMachineArn", "name", "input", "traceHeader", "includedData"]

    // MARK: - State machines

    /// Loads, validates and compiles a definition; AWS's InvalidDefinition on any error.
    /// `express`: for an EXPRESS state machine (request-response integrations only).
    /// Returns the program and, from the same loaded document, its `variableReferences`.
    func compile(_ text: String, express: Bool = false) throws(APIError) -> (program: Program, variableReferences: JSON?) {
        let compiled = DefinitionPipeline.compile(text: text, express: express)
        if let json = compiled.json, !{ if case .object = json { return true } else { return false } }() {
            throw APIError.invalidDefinition("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The definition must be a JSON object at /'")
        }
        switch compiled.result {
        case .success(let p): return (p, compiled.json.flatMap(MachineRecord.variableReferencesJSON))
        case .failure(let d): throw APIError.invalidDefinition(StatesService.definitionMessage(d))
        }
    }

    static func definitionMessage(_ d: [Diagnostic]) -> String {
        "Invalid State Machine Definition: '" + d.map { "\($0.code.rawValue): \($0.message) at \($0.location.isEmpty ? "/" : $0.location)" }
            .joined(separator: ", ") + "'"
    }

    func machineArn(_ name: String) -> String { "arn:aws:states:\(options.region):\(options.account):stateMachine:\(name)" }

    func machine(_ arn: String) throws(APIError) -> MachineRecord {
        guard let m = tables.withLock({ $0.machines[arn] }) else { throw APIError.stateMachineDoesNotExist(arn) }
        return m
    }

    func checkRole(_ role: String) throws(APIError) {
        let p = role.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count >= 6, p[0] == "arn", p[2] == "iam", p[5].hasPrefix("role/") else {
            throw APIError.invalidArn("Invalid Arn: 'Resource type not valid in this context: \(role)'")
        }
    }

    func createStateMachine(_ r: APIRequest) throws(APIError) -> JSONObject {
        let name = try r.required("name", maxLength: 80)
        try Names.check(name, what: "state machine")
        let definition = try r.required("definition", maxLength: 1_048_576)
        let role = try r.required("roleArn", maxLength: 256)
        try checkRole(role)
        let type = try r.enumValue("type", ["STANDARD", "EXPRESS"]) ?? "STANDARD"
        let logging = try LoggingConfiguration.normalized(r.object("loggingConfiguration") ?? [:])
        let tags = try StatesService.tags(r.fields["tags"])
        let (program, references) = try compile(definition, express: type == "EXPRESS")
        let arn = machineArn(name)
        let now = wallClockMilliseconds()
        let tracing: JSON = try r.object("tracingConfiguration").map { .object($0) } ?? ["enabled": false]
        let record = MachineRecord(arn: arn, name: name, type: type, definition: definition, program: program, roleArn: role,
                                   created: now, updated: nil, logging: logging, tracing: tracing, revision: nil,
                                   backend: ReplayingBackend(inner: options.backend(name), tokens: tokens), tags: tags,
                                   variableReferences: references)
        let existing = try tables.withLock { (t) throws(APIError) -> MachineRecord? in
            if let old = t.machines[arn] {
                guard old.definition == definition, old.roleArn == role, old.type == type else {
                    throw APIError("StateMachineAlreadyExists", "State Machine Already Exists: '\(arn)'")
                }
                return old
            }
            t.machines[arn] = record
            t.machineOrder.append(arn)
            return nil
        }
        if let existing { return ["stateMachineArn": .string(arn), "creationDate": timestampJSON(existing.created)] }
        journal?.append(record.journalJSON)
        return ["stateMachineArn": .string(arn), "creationDate": timestampJSON(now)]
    }

    func describeStateMachine(_ r: APIRequest) throws(APIError) -> JSONObject {
        try machine(r.arn("stateMachineArn", kind: "stateMachine")).describeJSON
    }

    func updateStateMachine(_ r: APIRequest) throws(APIError) -> JSONObject {
        let arn = try r.arn("stateMachineArn", kind: "stateMachine")
        let definition = try r.string("definition", maxLength: 1_048_576)
        let role = try r.string("roleArn", maxLength: 256)
        let logging = try r.object("loggingConfiguration"), tracing = try r.object("tracingConfiguration")
        guard definition != nil || role != nil || logging != nil || tracing != nil else {
            throw APIError("MissingRequiredParameter", "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
        }
        if let role { try checkRole(role) }
        let newLogging = try logging.map { (l) throws(APIError) in try LoggingConfiguration.normalized(l) }
        let express = tables.withLock { $0.machines[arn]?.type } == "EXPRESS"
        let compiled = try definition.map { (d) throws(APIError) in try compile(d, express: express) }
        let now = wallClockMilliseconds()
        let updated = try tables.withLock { (t) throws(APIError) -> MachineRecord in
            guard var m = t.machines[arn] else { throw APIError.stateMachineDoesNotExist(arn) }
            // AWS keeps the revision when an update changes nothing (recorded: the same
            // definition and role again, or the same logging configuration).
            var changed = false
            if let definition, let compiled, definition != m.definition {
                m.definition = definition
                m.program = compiled.program
                m.variableReferences = compiled.variableReferences
                changed = true
            }
            if let role, role != m.roleArn { m.roleArn = role; changed = true }
            if let newLogging, newLogging != m.logging { m.logging = newLogging; changed = true }
            if let tracing, JSON.object(tracing) != m.tracing { m.tracing = .object(tracing); changed = true }
            m.updated = now
            if changed || m.revision == nil { m.revision = UUID4.random() }
            t.machines[arn] = m
            return m
        }
        journal?.append(updated.journalJSON)
        return ["updateDate": timestampJSON(now), "revisionId": .string(updated.revision ?? "")]
    }

    func deleteStateMachine(_ r: APIRequest) throws(APIError) -> JSONObject {
        let arn = try r.arn("stateMachineArn", kind: "stateMachine")
        let removed = tables.withLock { t -> Bool in
            guard t.machines.removeValue(forKey: arn) != nil else { return false }
            t.machineOrder.removeAll { $0 == arn }
            return true
        }
        // NOTE: as in AWS, deleting a machine that does not exist succeeds; its running
        // executions go on to their end.
        if removed { journal?.append(["t": "machineDeleted", "arn": .string(arn)]) }
        return [:]
    }

    func listStateMachines(_ r: APIRequest) throws(APIError) -> JSONObject {
        let limit = try r.int("maxResults", range: 0...1000) ?? 0
        let token = try r.string("nextToken", maxLength: 1024)
        // AWS lists machines by name, in byte order (recorded: 0, 10, 11, 12, 1, 2, ...).
        let list = tables.withLock { t in t.machineOrder.compactMap { t.machines[$0] } }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        let (page, next) = try paginate(list.count, limit: limit, token: token)
        var o: JSONObject = ["stateMachines": .array(list[page].map { m in
            ["stateMachineArn": .string(m.arn), "name": .string(m.name), "type": .string(m.type),
             "creationDate": timestampJSON(m.created)]
        })]
        if let next { o["nextToken"] = .string(next) }
        return o
    }

    /// A page of `count` items: nextToken is the offset of the next page.
    func paginate(_ count: Int, limit: Int, token: String?) throws(APIError) -> (Range<Int>, String?) {
        var start = 0
        if let token {
            guard let s = Int(token), s >= 0, s <= count else { throw APIError("InvalidToken", "Invalid pagination token: '\(token)'") }
            start = s
        }
        let size = limit == 0 ? 100 : limit
        let end = min(count, start + size)
        return (start..<end, end < count ? String(end) : nil)
    }

    func validateDefinition(_ r: APIRequest) throws(APIError) -> JSONObject {
        let text = try r.required("definition", maxLength: 1_048_576)
        let limit = try r.int("maxResults", range: 0...100) ?? 100
        let severity = try r.string("severity") ?? "ERROR"
        let express = try r.enumValue("type", ["STANDARD", "EXPRESS"]) == "EXPRESS"
        var diagnostics: [Diagnostic]
        switch DefinitionLoader.load(text: text) {
        case .success(let l): diagnostics = Validator.validate(l.json, sourceMap: l.sourceMap, express: express)
        case .failure(let d): diagnostics = d.map { $0.namingJacksonSource(text) }
        }
        if severity == "ERROR" { diagnostics = diagnostics.filter { $0.severity == .error } }
        let failed = diagnostics.contains { $0.severity == .error }
        let shown = diagnostics.prefix(limit == 0 ? 100 : limit)
        return ["result": failed ? "FAIL" : "OK", "truncated": .bool(shown.count < diagnostics.count),
                "diagnostics": .array(shown.map { d in
                    ["severity": .string(d.severity.rawValue), "code": .string(d.code.rawValue),
                     "message": .string(d.message), "location": .string(d.location)]
                })]
    }

    // MARK: - Executions

    func execution(_ arn: String) throws(APIError) -> ExecutionRecord {
        guard let e = tables.withLock({ $0.executions[arn] }) else { throw APIError.executionDoesNotExist(arn) }
        return e
    }

    func startExecution(_ r: APIRequest, sync: Bool) throws(APIError) -> (ExecutionRecord, Bool) {
        let arn = try r.arn("stateMachineArn", kind: "stateMachine")
        let m = try machine(arn)
        if sync, m.type != "EXPRESS" { throw APIError.typeNotSupported }
        let name = try r.string("name", maxLength: 80) ?? UUID4.random()
        try Names.check(name, what: "execution")
        let inputText = try r.string("input", maxLength: 262_144) ?? "{}"
        let input: JSON
        do { input = try JSON.parse(Array(inputText.utf8)) } catch {
            throw APIError("InvalidExecutionInput", "Invalid State Machine Execution Input: '\(JacksonMessage.executionInput(error, text: Array(inputText.utf8)))'")
        }
        let execArn = m.type == "EXPRESS"
            ? "arn:aws:states:\(options.region):\(options.account):express:\(m.name):\(name):\(UUID4.random())"
            : "arn:aws:states:\(options.region):\(options.account):execution:\(m.name):\(name)"
        let record = ExecutionRecord(arn: execArn, name: name, machineArn: m.arn, machineName: m.name, type: m.type,
                                     input: input, startMs: wallClockMilliseconds(), seed: TokenTable.newSeed(),
                                     region: options.region)
        let existing = try tables.withLock { (t) throws(APIError) -> ExecutionRecord? in
            if let old = t.executions[execArn] {
                // NOTE: AWS: the same name and input while it runs is the same execution.
                guard old.status == "RUNNING", old.input == input else {
                    throw APIError("ExecutionAlreadyExists", "Execution Already Exists: '\(execArn)'")
                }
                return old
            }
            t.executions[execArn] = record
            t.executionsByMachine[m.arn, default: []].append(record)
            return nil
        }
        if let existing { return (existing, false) }
        if m.type == "STANDARD" { journal?.append(record.startJournalJSON) }
        launch(record, machine: m, synchronous: sync)
        return (record, true)
    }

    /// Creates the engine object for `record` and starts it on the host.
    /// `synchronous`: StartSyncExecution's (its context object has no RedriveCount).
    func launch(_ record: ExecutionRecord, machine m: MachineRecord, parked: DispatchGroup? = nil, synchronous: Bool = false) {
        var o = ExecutionOptions(executionName: record.name, stateMachineName: m.name, clock: .real, backend: m.backend)
        o.region = options.region
        o.account = options.account
        o.roleArn = m.roleArn
        o.startTime = record.startMs
        o.taskTokens = tokens
        o.customExecutionArn = record.arn
        if synchronous, m.type == "EXPRESS" { o.redriveCount = nil }
        o.executionTimeoutSeconds = m.type == "EXPRESS" ? options.expressTimeoutSeconds : nil
        o.objectStore = options.objectStore
        let e = Execution(program: m.program, input: record.input, options: o)
        e.hostData = record
        e.eventSink = record.history
        let running = ExecutionRecord.Running(execution: e)
        record.state.withLock { $0.execution = running }
        host.start(e, parked: parked)
    }

    /// An execution ended (on a pool thread).
    func finished(_ e: Execution, _ r: ExecutionResult) {
        guard let record = e.hostData as? ExecutionRecord else { return }
        let now = wallClockMilliseconds()
        let status = r.status.rawValue
        let error = r.error?.name?.rawValue, cause = r.error?.cause
        tokens.executionEnded(record, tokens: record.tokens)
        if record.type == "STANDARD" {
            var j: JSONObject = ["t": "end", "arn": .string(record.arn), "status": .string(status),
                                 "stopMs": .number(JSONNumber(Int(now)))]
            if let out = r.output { j["output"] = .string(out.serialized) }
            if let error { j["error"] = .string(error) }
            if let cause { j["cause"] = .string(cause) }
            journal?.append(.object(j))
        }
        record.end(status: status, output: r.status == .succeeded ? r.output : nil, error: error, cause: cause, at: now)
        e.hostData = nil
    }

    func describeExecution(_ r: APIRequest) throws(APIError) -> JSONObject {
        try execution(r.arn("executionArn", kind: "execution")).describeJSON()
    }

    func stopExecution(_ r: APIRequest) throws(APIError) -> JSONObject {
        let e = try execution(r.arn("executionArn", kind: "execution"))
        let error = try r.string("error", maxLength: 256), cause = try r.string("cause", maxLength: 32768)
        let running = e.state.withLock { $0.execution }
        guard let running else {
            return ["stopDate": timestampJSON(e.state.withLock { $0.stopMs } ?? wallClockMilliseconds())]
        }
        running.execution.stop(error: error, cause: cause)
        return ["stopDate": timestampJSON(wallClockMilliseconds())]
    }

    func listExecutions(_ r: APIRequest) throws(APIError) -> JSONObject {
        // The request's shape is checked before the machine is looked up.
        let filter = try r.enumValue("statusFilter", ["SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING"])
        let limit = try r.int("maxResults", range: 0...1000) ?? 0
        let token = try r.string("nextToken", maxLength: 3096)
        let arn = try r.arn("stateMachineArn", kind: "stateMachine")
        // AWS: "This API action is not supported by EXPRESS state machines."
        if try machine(arn).type == "EXPRESS" { throw APIError.typeNotSupported }
        var list = Array(tables.withLock { $0.executionsByMachine[arn] ?? [] }.reversed())
        if let filter { list = list.filter { $0.status == filter } }
        let (page, next) = try paginate(list.count, limit: limit, token: token)
        var o: JSONObject = ["executions": .array(list[page].map { $0.listJSON() })]
        if let next { o["nextToken"] = .string(next) }
        return o
    }

    func executionHistory(_ r: APIRequest) throws(APIError) -> JSONObject {
        let limit = try r.int("maxResults", range: 0...1000) ?? 0
        let token = try r.string("nextToken", maxLength: 1024)
        let reverse = try r.bool("reverseOrder") ?? false
        let includeData = try r.bool("includeExecutionData") ?? true
        let e = try execution(r.arn("executionArn", kind: "execution"))
        var events = e.history.snapshot
        if reverse { events.reverse() }
        let (page, next) = try paginate(events.count, limit: limit, token: token)
        var list = Array(events[page])
        if !includeData { list = list.map(StatesService.withoutData) }
        var o: JSONObject = ["events": .array(list)]
        if let next { o["nextToken"] = .string(next) }
        return o
    }

    /// An event without `input`/`output`/`parameters` (includeExecutionData false).
    static func withoutData(_ event: JSON) -> JSON {
        guard case .object(var o) = event else { return event }
        for (k, v) in o where k.hasSuffix("EventDetails") {
            guard case .object(var d) = v else { continue }
            for f in ["input", "output", "parameters"] { d[f] = nil }
            o[k] = .object(d)
        }
        return .object(o)
    }

    // MARK: - Task tokens

    func sendTaskSuccess(_ r: APIRequest) throws(APIError) -> JSONObject {
        let token = try r.required("taskToken", maxLength: 2048)
        let text = try r.required("output", maxLength: 262_144)
        let output: JSON
        do { output = try JSON.parse(Array(text.utf8)) } catch {
            throw APIError("InvalidOutput", "Invalid Output: '\(error)'")
        }
        let entry = try tokens.find(token, take: true)
        answer(entry, token: token, .success(output),
               journal: ["t": "task", "exec": .string(entry.execution.arn), "token": .string(token), "output": .string(text)])
        return [:]
    }

    func sendTaskFailure(_ r: APIRequest) throws(APIError) -> JSONObject {
        let token = try r.required("taskToken", maxLength: 2048)
        let error = try r.string("error", maxLength: 256), cause = try r.string("cause", maxLength: 32768)
        let entry = try tokens.find(token, take: true)
        var j: JSONObject = ["t": "task", "exec": .string(entry.execution.arn), "token": .string(token)]
        j["error"] = error.map { .string($0) } ?? .null
        j["cause"] = cause.map { .string($0) } ?? .null
        answer(entry, token: token, .failure(ASLError(error.map(ErrorName.init), cause)), journal: .object(j))
        return [:]
    }

    /// Journals an accepted answer (before it takes effect), then hands it to the task.
    func answer(_ entry: TokenTable.Entry, token: String, _ outcome: TaskOutcome, journal record: JSON) {
        if entry.execution.type == "STANDARD" { journal?.append(record) }
        entry.completion.complete(outcome)
    }
}
