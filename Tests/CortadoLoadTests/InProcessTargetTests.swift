import CortadoASL
import CortadoBatch
import CortadoJSON
import CortadoLoad
import CortadoRuntime
import Testing

/// The in-process target runs arrivals on the batch runner's workers (tape lane, general
/// engine, parking), as `cortado run` runs lines, and measures each from its due time.
@Suite struct InProcessTargetTests {
    static func target(_ definition: String, backend: any TaskBackend = HandlerRegistry(), workers: Int = 2) throws -> (InProcessTarget, [String]) {
        guard case .success(let program) = DefinitionPipeline.compile(bytes: Array(definition.utf8), fileName: "t.asl.json").result
        else { throw LoadError("the test definition does not compile") }
        let config = BatchConfig(program: program, stateMachineName: "t", backend: backend, definitionPath: "",
                                 eventsPath: "", outputPath: "", workers: workers)
        return (InProcessTarget(config: config), program.headers.map(\.name))
    }

    /// A one-Task machine whose task answers after `seconds` (parked on the runner's timers).
    static func slowTask(seconds: Double, workers: Int = 2) throws -> (InProcessTarget, [String]) {
        let tasks = HandlerRegistry()
        tasks.register("arn:aws:states:::sqs:*") { r in .after(seconds: seconds, .success(r.input)) }
        return try target(#"""
            {"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
              "Parameters":{"QueueUrl":"q","MessageBody.$":"$"},"End":true}}}
            """#, backend: tasks, workers: workers)
    }

    @Test func arrivalsRunOnTheTapeLaneAndFailuresAreCountedByName() throws {
        let (target, names) = try Self.target(#"""
            {"StartAt":"First","States":{
              "First":{"Type":"Pass","Parameters":{"n.$":"$.n"},"Next":"Route"},
              "Route":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":3,"Next":"Three"}],"Default":"Done"},
              "Three":{"Type":"Fail","Error":"Three","Cause":"n was 3"},
              "Done":{"Type":"Succeed"}}}
            """#)
        let inputs = try LoadInputs.jsonl(Array("{\"n\":1}\n{\"n\":2}\n \n{\"n\":3}\n".utf8))
        var config = LoadRunner.Config(schedule: .constant(rate: 2000, seconds: 10))
        config.count = 600
        config.interval = 0.1
        let report = LoadRunner(config: config, target: target, inputs: inputs, stateNames: names).run()
        #expect(report.executions == 600 && report.issued == 600)
        // Inputs cycle: every third execution (index 2, 5, ...) reads n = 3 and fails.
        #expect(report.errorsByName == ["Three": 200])
        let entered = Dictionary(uniqueKeysWithValues: report.states.map { ($0.name, $0.entered) })
        #expect(entered == ["First": 600, "Route": 600, "Three": 200, "Done": 400])
        #expect(target.engineText?.hasPrefix("Engine: tape lane for ") == true, "\(target.engineText ?? "nil")")
        #expect(report.latency.count == 600)
    }

    /// An execution waiting for its task parks and holds no worker: with one worker, many are
    /// in flight at once, and they end when their task's time is up.
    @Test func waitingExecutionsParkAndEndOnTime() throws {
        let (target, names) = try Self.slowTask(seconds: 0.2, workers: 1)
        var config = LoadRunner.Config(schedule: .constant(rate: 200, seconds: 10))
        config.count = 40
        config.interval = 0.05
        let report = LoadRunner(config: config, target: target, inputs: .lines([["a": 1]]), stateNames: names).run()
        #expect(report.executions == 40 && report.errors == 0)
        #expect((report.series.map(\.inFlight).max() ?? 0) > 1)
        // They waited for their task (not ended at once). The bound is loose on purpose: a
        // deadline is a whole wall-clock millisecond, the timer waits on the wall clock and the
        // times are read on the monotonic one, and a shared machine's wall clock is slewed;
        // CI once read a median 200 ms wait as 199.1 ms.
        #expect(report.latency.p50 >= 190 && report.latency.max >= 190, "p50 \(report.latency.p50)")
        let call = report.states.first { $0.name == "Call" }
        #expect(call?.entered == 40)
        #expect((call?.visit.p50 ?? 0) >= 190 && call?.visit.count == 40, "visit p50 \(call?.visit.p50 ?? 0)")
        // (The lane parks each execution until its task's answer: `TapeLane+Awaits`.)
        #expect(target.engineText?.hasPrefix("Engine: tape lane for ") == true, "\(target.engineText ?? "nil")")
    }

    /// Beyond `--max-concurrency` arrivals wait in order; their wait is reported and counted
    /// in their latency (it runs from the due time).
    @Test func theConcurrencyCapQueuesArrivals() throws {
        let (target, names) = try Self.slowTask(seconds: 0.1)
        var config = LoadRunner.Config(schedule: .constant(rate: 100, seconds: 10))
        config.count = 3
        config.maxConcurrency = 1
        let report = LoadRunner(config: config, target: target, inputs: .lines([[:]]), stateNames: names).run()
        #expect(report.executions == 3)
        #expect(report.queueWait.count == 2)
        // The third was due at 20 ms and could start only after two 100 ms tasks: about 280 ms,
        // where without the cap it would be about 100. (Loose, as above: three wall-clock
        // deadlines in a row each may end a little early; CI once read 279.09.)
        #expect(report.latency.max >= 270, "max \(report.latency.max)")
    }
}
