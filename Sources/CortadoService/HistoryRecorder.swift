import CortadoASL
import CortadoJSON
import CortadoRuntime
import Synchronization

/// Keeps one execution's history in the shape of GetExecutionHistory (`timestamp`, `type`,
/// `id`, `previousEventId` and the `<type>EventDetails` member), built as events happen.
final class HistoryRecorder: HistoryEventSink, @unchecked Sendable {
    let region: String
    private let events = Mutex<[JSON]>([])

    init(region: String) { self.region = region }

    var snapshot: [JSON] { events.withLock { $0 } }
    var count: Int { events.withLock { $0.count } }

    func wants(_ type: EventType) -> Bool { true }

    func record(_ event: HistoryEvent, of execution: Execution) {
        let json = HistoryRecorder.apiEvent(event, region: region)
        events.withLock { $0.append(json) }
    }

    /// Restores events kept in a journal (a restarted server).
    func restore(_ list: [JSON]) { events.withLock { $0 = list } }

    static func apiEvent(_ e: HistoryEvent, region: String) -> JSON {
        var o: JSONObject = [
            "timestamp": timestampJSON(e.timestamp), "type": .string(e.type.rawValue),
            "id": .number(JSONNumber(e.id)), "previousEventId": .number(JSONNumber(e.previousEventID)),
        ]
        let d = e.details
        var details = JSONObject()
        func text(_ key: String, _ v: JSON?) {
            guard let v else { return }
            details[key] = .string(v.serialized)
            details[key + "Details"] = ["truncated": false]
        }
        func failure() {
            if let error = d.error { details["error"] = .string(error) }
            if let cause = d.cause { details["cause"] = .string(cause) }
        }
        func resource() {
            guard let r = d.resource else { return }
            let (type, name) = splitResource(r)
            details["resourceType"] = .string(type)
            details["resource"] = .string(name)
        }
        let key: String?
        switch e.type {
        case .executionStarted:
            key = "executionStartedEventDetails"
            text("input", d.input?.json)
            if let role = d.roleArn { details["roleArn"] = .string(role) }
        case .executionSucceeded:
            key = "executionSucceededEventDetails"; text("output", d.output?.json)
        case .executionFailed: key = "executionFailedEventDetails"; failure()
        case .executionTimedOut: key = "executionTimedOutEventDetails"; failure()
        case .executionAborted: key = "executionAbortedEventDetails"; failure()
        case .passStateEntered, .taskStateEntered, .choiceStateEntered, .waitStateEntered, .succeedStateEntered,
             .failStateEntered, .parallelStateEntered, .mapStateEntered:
            key = "stateEnteredEventDetails"
            if let n = d.name { details["name"] = .string(n) }
            text("input", d.input?.json)
        case .passStateExited, .taskStateExited, .choiceStateExited, .waitStateExited, .succeedStateExited,
             .parallelStateExited, .mapStateExited:
            key = "stateExitedEventDetails"
            if let n = d.name { details["name"] = .string(n) }
            text("output", d.output?.json)
            if let assigned = d.assignedVariables {
                // Each value as its JSON text, as GetExecutionHistory returns them.
                var vars = JSONObject()
                for (k, v) in assigned { vars[k] = .string(v.serialized) }
                details["assignedVariables"] = .object(vars)
                details["assignedVariablesDetails"] = ["truncated": false]
            }
        case .taskScheduled:
            key = "taskScheduledEventDetails"
            resource()
            details["region"] = .string(region)
            details["parameters"] = .string((d.parameters?.json ?? .object(JSONObject())).serialized)
        case .taskStarted: key = "taskStartedEventDetails"; resource()
        case .taskSucceeded: key = "taskSucceededEventDetails"; resource(); text("output", d.output?.json)
        case .taskFailed: key = "taskFailedEventDetails"; resource(); failure()
        case .taskTimedOut: key = "taskTimedOutEventDetails"; resource(); failure()
        case .taskStartFailed: key = "taskStartFailedEventDetails"; resource(); failure()
        case .taskSubmitFailed: key = "taskSubmitFailedEventDetails"; resource(); failure()
        case .lambdaFunctionScheduled:
            key = "lambdaFunctionScheduledEventDetails"
            if let r = d.resource { details["resource"] = .string(r) }
            text("input", d.input?.json)
        case .lambdaFunctionSucceeded: key = "lambdaFunctionSucceededEventDetails"; text("output", d.output?.json)
        case .lambdaFunctionFailed: key = "lambdaFunctionFailedEventDetails"; failure()
        case .lambdaFunctionTimedOut: key = "lambdaFunctionTimedOutEventDetails"; failure()
        case .lambdaFunctionScheduleFailed: key = "lambdaFunctionScheduleFailedEventDetails"; failure()
        case .lambdaFunctionStartFailed: key = "lambdaFunctionStartFailedEventDetails"; failure()
        case .mapStateStarted:
            key = "mapStateStartedEventDetails"
            if let l = d.length { details["length"] = .number(JSONNumber(l)) }
        case .mapIterationStarted, .mapIterationSucceeded, .mapIterationFailed, .mapIterationAborted:
            key = e.type == .mapIterationStarted ? "mapIterationStartedEventDetails"
                : e.type == .mapIterationSucceeded ? "mapIterationSucceededEventDetails"
                : e.type == .mapIterationFailed ? "mapIterationFailedEventDetails" : "mapIterationAbortedEventDetails"
            if let n = d.name { details["name"] = .string(n) }
            if let i = d.index { details["index"] = .number(JSONNumber(i)) }
        case .mapRunStarted:
            key = "mapRunStartedEventDetails"
            if let a = d.mapRunArn { details["mapRunArn"] = .string(a) }
        case .mapRunFailed: key = "mapRunFailedEventDetails"; failure()
        case .evaluationFailed:
            // {cause, error, location, state}, as AWS records it.
            key = "evaluationFailedEventDetails"; failure()
            if let l = d.location { details["location"] = .string(l) }
            if let n = d.name { details["state"] = .string(n) }
        case .mapRunSucceeded, .lambdaFunctionStarted, .taskStateAborted, .waitStateAborted, .parallelStateStarted,
             .parallelStateSucceeded, .parallelStateFailed, .parallelStateAborted, .mapStateSucceeded,
             .mapStateFailed, .mapStateAborted:
            key = nil
        }
        if let key { o[key] = .object(details) }
        return .object(o)
    }

    /// `arn:aws:states:::sqs:sendMessage.waitForTaskToken` → ("sqs", "sendMessage.waitForTaskToken");
    /// `...:::aws-sdk:s3:getObject` → ("aws-sdk:s3", "getObject"); other ARNs → ("lambda"/kind, ARN).
    static func splitResource(_ r: String) -> (String, String) {
        if let (type, name) = TaskResource.split(r) { return (type, name) }
        let p = r.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if p.count >= 6, p[2] == "states", p[5] == "activity" { return ("activity", r) }
        return (p.count > 2 ? p[2] : "unknown", r)
    }
}
