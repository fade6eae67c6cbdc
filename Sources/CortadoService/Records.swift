import CortadoASL
import CortadoJSON
import CortadoRuntime
import Synchronization

/// A state machine as CreateStateMachine made it (a value: updates replace it).
struct MachineRecord: Sendable {
    var arn: String
    var name: String
    var type: String
    var definition: String
    var program: Program
    var roleArn: String
    var created: Int64
    var updated: Int64?
    var logging: JSON
    var tracing: JSON
    /// Set by the first update that changes something (AWS describes no revisionId before).
    var revision: String?
    var backend: any TaskBackend
    /// TagResource's tags, in the order their keys were first set.
    var tags: [(key: String, value: String)] = []
    /// Describe's `variableReferences` for `definition`, made when it was compiled (nil:
    /// no state reads a variable).
    var variableReferences: JSON? = nil

    var describeJSON: JSONObject {
        var o: JSONObject = [
            "stateMachineArn": .string(arn), "name": .string(name), "status": "ACTIVE",
            "definition": .string(definition), "roleArn": .string(roleArn), "type": .string(type),
            "creationDate": timestampJSON(created), "loggingConfiguration": logging,
            "tracingConfiguration": tracing,
        ]
        if let revision { o["revisionId"] = .string(revision) }
        if let updated { o["updateDate"] = timestampJSON(updated) }
        if let variableReferences { o["variableReferences"] = variableReferences }
        return o
    }

    /// DescribeStateMachineForExecution: no status, type or creationDate; `updateDate` always
    /// (the creation date until an update), as AWS records it.
    var describeForExecutionJSON: JSONObject {
        var o: JSONObject = [
            "stateMachineArn": .string(arn), "name": .string(name), "definition": .string(definition),
            "roleArn": .string(roleArn), "loggingConfiguration": logging, "tracingConfiguration": tracing,
            "updateDate": timestampJSON(updated ?? created),
        ]
        if let revision { o["revisionId"] = .string(revision) }
        if let variableReferences { o["variableReferences"] = variableReferences }
        return o
    }

    /// `variableReferences` as Describe returns it, for a loaded definition (nil when no state
    /// reads a variable: AWS leaves the field out).
    static func variableReferencesJSON(_ definition: JSON) -> JSON? {
        let refs = VariableReferences.of(definition)
        guard !refs.isEmpty else { return nil }
        var r = JSONObject()
        for name in refs.keys.sorted() { r[name] = .array(refs[name]!.map { .string($0) }) }
        return .object(r)
    }

    /// The tags as the API and the journal write them: `[{"key": ..., "value": ...}]`.
    var tagsJSON: JSON { .array(tags.map { ["key": .string($0.key), "value": .string($0.value)] }) }

    var journalJSON: JSON {
        ["t": "machine", "arn": .string(arn), "name": .string(name), "type": .string(type),
         "definition": .string(definition), "roleArn": .string(roleArn), "created": .number(JSONNumber(Int(created))),
         "updated": updated.map { .number(JSONNumber(Int($0))) } ?? .null, "logging": logging, "tracing": tracing,
         "revision": revision.map { .string($0) } ?? .null,
         "tags": tagsJSON]
    }
}

/// One execution: what Describe/List/GetExecutionHistory read, and the running engine
/// object while it runs. Fields that change are behind `state`.
final class ExecutionRecord: @unchecked Sendable {
    let arn: String
    let name: String
    let machineArn: String
    let machineName: String
    let type: String
    let input: JSON
    let startMs: Int64
    /// The random part of this execution's task tokens (kept in the journal, so tokens
    /// survive a restart).
    let seed: String
    let history: HistoryRecorder

    struct State {
        var status = "RUNNING"
        var stopMs: Int64?
        var output: JSON?
        var error: String?
        var cause: String?
        /// The engine object while it runs.
        var execution: Running?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    let state = Mutex(State())

    /// An execution held across threads; only `stop` (thread-safe) is called through it.
    struct Running: @unchecked Sendable { let execution: Execution }

    // NOTE: touched only on the execution's own thread (inside `advance`).
    var tokenCounts: [String: Int] = [:]
    var tokens: [String] = []

    init(arn: String, name: String, machineArn: String, machineName: String, type: String, input: JSON,
         startMs: Int64, seed: String, region: String) {
        self.arn = arn; self.name = name; self.machineArn = machineArn; self.machineName = machineName
        self.type = type; self.input = input; self.startMs = startMs; self.seed = seed
        history = HistoryRecorder(region: region)
    }

    var status: String { state.withLock { $0.status } }

    /// Waits until the execution has ended (StartSyncExecution).
    func waitForEnd() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.status != "RUNNING" { return true }
                s.waiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }

    /// Records the end; returns false if it had already ended.
    @discardableResult
    func end(status: String, output: JSON?, error: String?, cause: String?, at ms: Int64) -> Bool {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>]? in
            guard s.status == "RUNNING" else { return nil }
            s.status = status; s.stopMs = ms; s.output = output; s.error = error; s.cause = cause
            s.execution = nil
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        guard let waiters else { return false }
        for w in waiters { w.resume() }
        return true
    }

    /// The fields of DescribeExecution (and, with billing, of StartSyncExecution).
    func describeJSON() -> JSONObject {
        let s = state.withLock { $0 }
        var o: JSONObject = [
            "executionArn": .string(arn), "stateMachineArn": .string(machineArn), "name": .string(name),
            "status": .string(s.status), "startDate": timestampJSON(startMs),
            "input": .string(input.serialized), "inputDetails": ["included": true],
        ]
        if let stop = s.stopMs { o["stopDate"] = timestampJSON(stop) }
        if let output = s.output {
            o["output"] = .string(output.serialized)
            o["outputDetails"] = ["included": true]
        }
        // AWS describes a timed-out execution with no error or cause (recorded); its
        // history's ExecutionTimedOut event carries them.
        if s.status != "TIMED_OUT" {
            if let e = s.error { o["error"] = .string(e) }
            if let c = s.cause { o["cause"] = .string(c) }
        }
        if type == "STANDARD" {
            o["redriveCount"] = 0
            o["redriveStatus"] = .string(s.status == "RUNNING" || s.status == "SUCCEEDED" ? "NOT_REDRIVABLE" : "REDRIVABLE")
        }
        return o
    }

    func listJSON() -> JSON {
        let s = state.withLock { ($0.status, $0.stopMs) }
        var o: JSONObject = [
            "executionArn": .string(arn), "stateMachineArn": .string(machineArn), "name": .string(name),
            "status": .string(s.0), "startDate": timestampJSON(startMs),
        ]
        if let stop = s.1 { o["stopDate"] = timestampJSON(stop) }
        return .object(o)
    }

    var startJournalJSON: JSON {
        ["t": "start", "arn": .string(arn), "name": .string(name), "machine": .string(machineArn),
         "type": .string(type), "input": .string(input.serialized), "startMs": .number(JSONNumber(Int(startMs))),
         "seed": .string(seed)]
    }
}
