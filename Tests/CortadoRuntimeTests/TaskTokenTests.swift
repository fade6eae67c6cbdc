import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Dispatch
import Synchronization
import Testing

/// Issues predictable tokens and records which ones ended, and how.
final class RecordingIssuer: TaskTokenIssuer, @unchecked Sendable {
    let state = Mutex<(issued: [String: TaskCompletion], ended: [(String, Bool)])>(([:], []))
    func issueToken(execution: Execution, stateName: String, completion: TaskCompletion) -> String {
        state.withLock { s in
            let t = "tok-\(stateName)-\(s.issued.count)"
            s.issued[t] = completion
            return t
        }
    }
    func tokenEnded(_ token: String, timedOut: Bool) { state.withLock { $0.ended.append((token, timedOut)) } }
    func completion(_ token: String) -> TaskCompletion? { state.withLock { $0.issued[token] } }
}

@Suite struct TaskTokenTests {
    static let approval = #"""
        {"StartAt":"Ask","States":{
          "Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "Parameters":{"token.$":"$$.Task.Token","order.$":"$.order"},
                 "ResultPath":"$.answer","Catch":[{"ErrorEquals":["Rejected"],"Next":"No"}],"End":true},
          "No":{"Type":"Pass","End":true}}}
        """#

    /// Runs `definition` on the real clock with `issuer`; `answer` gets each task request
    /// (on the execution's thread) and returns the backend's immediate answer.
    static func run(_ definition: String, input: String = #"{"order":7}"#, issuer: RecordingIssuer,
                    clock: ClockMode = .real, _ answer: @escaping @Sendable (TaskRequest) -> TaskOutcome) throws -> ExecutionResult {
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: clock, backend: ScriptedBackend(answer))
        o.taskTokens = issuer
        return Execution(program: try Harness.program(definition), input: try JSON.parse(input), options: o).runToCompletion()
    }

    @Test func theTokenReachesParametersAndTheTaskWaitsForItsAnswer() throws {
        let issuer = RecordingIssuer()
        let seen = Mutex<JSON?>(nil)
        let r = try Self.run(Self.approval, issuer: issuer) { req in
            seen.withLock { $0 = req.input }
            #expect(req.taskToken == "tok-Ask-0")
            let c = req.completion
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { c.complete(.success(["ok": true])) }
            return .delivered
        }
        #expect(seen.withLock { $0 } == ["token": "tok-Ask-0", "order": 7])
        #expect(r.status == .succeeded)
        #expect(r.output == ["order": 7, "answer": ["ok": true]])
        #expect(issuer.state.withLock { $0.ended.map(\.0) } == ["tok-Ask-0"])
    }

    @Test func aFailureSentForTheTokenReachesCatch() throws {
        let issuer = RecordingIssuer()
        let r = try Self.run(Self.approval, issuer: issuer) { req in
            let c = req.completion
            DispatchQueue.global().async { c.complete(.failure(ASLError(ErrorName("Rejected"), "no budget"))) }
            return .delivered
        }
        #expect(r.output == ["Error": "Rejected", "Cause": "no budget"])
    }

    @Test func aSuccessAnsweredAtOnceIsTheResultAsAMockGivesIt() throws {
        let r = try Self.run(Self.approval, issuer: RecordingIssuer(), clock: .virtual) { _ in .success(["mocked": 1]) }
        #expect(r.output == ["order": 7, "answer": ["mocked": 1]])
    }

    @Test func deliveredForATaskWithoutTokenIsAnError() throws {
        let def = #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}}}"#
        let r = try Self.run(def, issuer: RecordingIssuer(), clock: .virtual) { _ in .delivered }
        #expect(r.errorName == "States.Runtime")
        #expect(r.error?.cause?.contains("does not wait for a task token") == true)
    }

    @Test func aMissedHeartbeatEndsTheTokenAsTimedOut() throws {
        let def = Self.approval.split(separator: #""ResultPath""#).joined(separator: #""HeartbeatSeconds":1,"ResultPath""#)
        let issuer = RecordingIssuer()
        // NOTE: the real clock: on the virtual one time stands still while a task is in flight.
        let r = try Self.run(def, issuer: issuer) { _ in .delivered }
        #expect(r.errorName == "States.HeartbeatTimeout")
        let ended = issuer.state.withLock { $0.ended }
        #expect(ended.count == 1 && ended[0].1 == true)
    }

    @Test func withoutAnIssuerEachTaskGetsARandomToken() throws {
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .virtual,
                                 backend: ScriptedBackend { req in .success(.string(req.taskToken ?? "none")) })
        o.startTime = 0
        let r = Execution(program: try Harness.program(Self.approval), input: ["order": 1], options: o).runToCompletion()
        let token = r.output?["answer"]?.stringValue ?? ""
        #expect(token.count == 36)
    }

    @Test func stopEndsAParkedExecutionAborted() throws {
        let def = #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}"#
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .real, backend: HandlerRegistry())
        o.startTime = nil
        let e = Execution(program: try Harness.program(def), input: [:], options: o)
        let events = TypeRecorder()
        e.eventSink = events
        guard case .waitUntil = e.advance() else { Issue.record("expected the Wait to park"); return }
        e.stop(error: "Operator", cause: "stopped by hand")
        #expect(!e.tryClaim())  // stop already scheduled it
        guard case .finished(let r) = e.advance() else { Issue.record("expected the execution to end"); return }
        #expect(r.status == .aborted)
        #expect(r.error == ASLError(ErrorName("Operator"), "stopped by hand"))
        #expect(events.types.withLock { $0.last } == .executionAborted)
    }
}

final class TypeRecorder: HistoryEventSink, @unchecked Sendable {
    let types = Mutex<[EventType]>([])
    func wants(_ type: EventType) -> Bool { true }
    func record(_ event: HistoryEvent, of execution: Execution) { types.withLock { $0.append(event.type) } }
}

@Suite struct SyncTaskTokenTests {
    /// AWS (recorded): a `.sync` task resolves `$$.Task.Token` (to hand it to the execution it
    /// starts), though nothing waits for the token; the backend is not asked to deliver it.
    @Test func syncTasksHaveATaskToken() throws {
        let backend = HandlerRegistry()
        backend.register("arn:aws:states:::states:startExecution.sync:2") { r in
            r.waitsForToken ? .failure(ASLError(ErrorName("Unexpected"), "asked to deliver a token")) : .success(r.input)
        }
        let r = try Harness.run(#"""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
             "Parameters":{"Input":{"TaskToken.$":"$$.Task.Token"}},"End":true}}}
            """#, backend: backend)
        #expect(r.status == .succeeded)
        #expect((r.output?["Input"]?["TaskToken"]?.stringValue?.count ?? 0) > 0)
        // A plain request-response task has none.
        backend.register("arn:aws:states:::lambda:invoke") { r in .success(r.input) }
        let plain = try Harness.run(#"""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
             "Parameters":{"t.$":"$$.Task.Token"},"End":true}}}
            """#, backend: backend)
        #expect(plain.status == .failed)
    }
}
