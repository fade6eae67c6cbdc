import CortadoASL
@testable import CortadoBatch
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTasks
import Dispatch
import Foundation
import Synchronization
import Testing

/// The lane calls backends that work for real and answer later (a worker, HTTP, Lambda):
/// the line parks until the answer or its TimeoutSeconds, and a line the lane hands back is
/// answered again, not asked again, by the general engine (`ReplayedCalls`).
@Suite struct AwaitedCallsTests {
    /// Answers on another thread after a few milliseconds, by the input's `n`, and counts
    /// what it was asked.
    final class AnswersLater: TaskBackend, @unchecked Sendable {
        let asked = Mutex<[String: Int]>([:])
        func invoke(_ request: TaskRequest) -> TaskOutcome {
            let n = request.input["n"]?.numberValue?.int ?? -1
            asked.withLock { $0["\(n)/\(request.attempt)", default: 0] += 1 }
            let outcome: TaskOutcome
            if n % 5 == 0 && request.attempt == 0 {
                outcome = .failure(ASLError(ErrorName("Busy"), "try again"))
            } else if n % 7 == 0 {
                outcome = .failure(ASLError(ErrorName("Bad"), "no \(n)"))
            } else if n % 11 == 0 {
                return .pending  // never answered: its TimeoutSeconds ends it
            } else if n % 13 == 0 {
                outcome = .success(["big": .string(String(repeating: "x", count: 300_000))])
            } else {
                outcome = .success(["v": .number(JSONNumber(2 * n))])
            }
            if n % 3 == 0 { return outcome }  // some answer at once
            let completion = request.completion
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5 + n % 20)) {
                completion.complete(outcome)
            }
            return .pending
        }
    }

    static let definition = #"""
        {"StartAt":"Prepare","States":{
          "Prepare":{"Type":"Pass","Parameters":{"n.$":"$.n"},"Next":"Call"},
          "Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","TimeoutSeconds":1,
                  "ResultPath":"$.r",
                  "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":1,"MaxAttempts":2}],
                  "Catch":[{"ErrorEquals":["Bad","States.Timeout"],"ResultPath":"$.e","Next":"Done"}],"Next":"Done"},
          "Done":{"Type":"Pass","End":true}}}
        """#

    @Test func theLaneAwaitsAnswersAndAsksEachAttemptOnce() throws {
        let n = 90
        var outputs: [[Substring]] = []
        var asked: [[String: Int]] = []
        for lane in [true, false] {
            let backend = AnswersLater()
            let f = BatchFixture()
            let events = f.file("in.jsonl", BatchFixture.events(n))
            let out = f.dir + "/out.jsonl"
            var c = try f.config(Self.definition, events: events, out: out, workers: 2)
            c.backend = backend
            c.clock = .real
            c.tapeLane = lane
            c.windowLines = 1_000
            let s = try BatchRunner(config: c).run()
            #expect(s.linesWritten == n)
            // Lines whose result is over the size limit go back to the general engine.
            let handedBack = (1...n).filter { $0 % 13 == 0 }.count
            #expect(s.metrics.laneExecutions == (lane ? n - handedBack : 0), "\(s.metrics.laneExecutions)")
            outputs.append(f.read(out).split(separator: "\n"))
            asked.append(backend.asked.withLock { $0 })
        }
        #expect(outputs[0] == outputs[1])
        #expect(asked[0] == asked[1])
        // Each attempt was asked once: a retried line twice, the others once.
        #expect(asked[0].values.allSatisfy { $0 == 1 })
        #expect(asked[0]["5/1"] == 1 && asked[0]["26/0"] == 1)
        let lines = outputs[0]
        #expect(lines[0] == #"{"line":1,"status":"SUCCEEDED","output":{"n":1,"r":{"v":2}}}"#)
        #expect(lines[6] == #"{"line":7,"status":"SUCCEEDED","output":{"n":7,"e":{"Error":"Bad","Cause":"no 7"}}}"#)
        #expect(lines[10].hasPrefix(#"{"line":11,"status":"SUCCEEDED","output":{"n":11,"e":{"Error":"States.Timeout""#), "\(lines[10])")
        #expect(lines[25].hasPrefix(#"{"line":26,"status":"FAILED","error":"States.DataLimitExceeded""#), "\(lines[25])")
    }
}
