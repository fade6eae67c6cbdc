import CortadoJSON
import CortadoPath
import CortadoRuntime
import Dispatch

extension StatesService {
    /// Rebuilds machines and executions from the journal, replays the executions that were
    /// still running (their task tokens come back the same; answers already accepted are
    /// replayed, not sent to the integration again), waits until each has parked again, then
    /// compacts the journal.
    func recover(from journal: Journal) throws(APIError) {
        var machines: [String: JSON] = [:]
        var machineOrder: [String] = []
        var starts: [JSON] = []
        var answers: [String: [JSON]] = [:]
        var ends: [String: JSON] = [:]
        for r in journal.load() {
            guard let t = r["t"]?.stringValue, let arn = (r["arn"] ?? r["exec"])?.stringValue else { continue }
            switch t {
            case "machine":
                if machines[arn] == nil { machineOrder.append(arn) }
                machines[arn] = r
            case "machineDeleted":
                machines[arn] = nil
                machineOrder.removeAll { $0 == arn }
            case "start": starts.append(r)
            case "task": answers[arn, default: []].append(r)
            case "end": ends[arn] = r
            default: continue
            }
        }
        var compacted: [JSON] = []
        for arn in machineOrder {
            guard let r = machines[arn], let name = r["name"]?.stringValue, let definition = r["definition"]?.stringValue,
                  let compiled = try? compile(definition) else { continue }
            let m = MachineRecord(
                arn: arn, name: name, type: r["type"]?.stringValue ?? "STANDARD", definition: definition, program: compiled.program,
                roleArn: r["roleArn"]?.stringValue ?? "", created: Int64(r["created"]?.numberValue?.int ?? 0),
                updated: r["updated"]?.numberValue?.int.map(Int64.init), logging: r["logging"] ?? ["level": "OFF"],
                tracing: r["tracing"] ?? ["enabled": false], revision: r["revision"]?.stringValue,
                backend: ReplayingBackend(inner: options.backend(name), tokens: tokens),
                tags: (try? StatesService.tags(r["tags"])) ?? [], variableReferences: compiled.variableReferences)
            tables.withLock { $0.machines[arn] = m; $0.machineOrder.append(arn) }
            compacted.append(r)
        }
        let started = DispatchGroup()
        for s in starts {
            guard let arn = s["arn"]?.stringValue, let name = s["name"]?.stringValue,
                  let machineArn = s["machine"]?.stringValue, let seed = s["seed"]?.stringValue,
                  let inputText = s["input"]?.stringValue, let input = try? JSON.parse(Array(inputText.utf8)) else { continue }
            let machineName = ARN.parse(machineArn)?.parts.first ?? name
            let record = ExecutionRecord(
                arn: arn, name: name, machineArn: machineArn, machineName: machineName,
                type: s["type"]?.stringValue ?? "STANDARD", input: input,
                startMs: Int64(s["startMs"]?.numberValue?.int ?? 0), seed: seed, region: options.region)
            tables.withLock { t in
                t.executions[arn] = record
                t.executionsByMachine[machineArn, default: []].append(record)
            }
            compacted.append(s)
            if let end = ends[arn] {
                let output = end["output"]?.stringValue.flatMap { try? JSON.parse(Array($0.utf8)) }
                record.end(status: end["status"]?.stringValue ?? "FAILED", output: output,
                           error: end["error"]?.stringValue, cause: end["cause"]?.stringValue,
                           at: Int64(end["stopMs"]?.numberValue?.int ?? 0))
                compacted.append(end)
                continue
            }
            guard let m = tables.withLock({ $0.machines[machineArn] }) else {
                let cause = "The state machine was deleted before the server restarted; the execution could not resume."
                record.end(status: "FAILED", output: nil, error: "States.Runtime", cause: cause, at: wallClockMilliseconds())
                compacted.append(["t": "end", "arn": .string(arn), "status": "FAILED", "error": "States.Runtime",
                                  "cause": .string(cause), "stopMs": .number(JSONNumber(Int(wallClockMilliseconds())))])
                continue
            }
            for a in answers[arn] ?? [] {
                guard let token = a["token"]?.stringValue else { continue }
                if let text = a["output"]?.stringValue, let out = try? JSON.parse(Array(text.utf8)) {
                    tokens.record(token, .success(out))
                } else {
                    tokens.record(token, .failure(ASLError(a["error"]?.stringValue.map(ErrorName.init), a["cause"]?.stringValue)))
                }
                compacted.append(a)
            }
            launch(record, machine: m, parked: started)
        }
        // NOTE: the server answers no request before every replayed execution has parked
        // again, so a SendTaskSuccess right after the restart finds its token.
        _ = started.wait(timeout: .now() + .seconds(60))
        try journal.rewrite(compacted)
    }
}
