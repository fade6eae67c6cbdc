import CortadoJSON
@testable import CortadoLoad
import CortadoRuntime
import Dispatch
import Synchronization
import Testing

@Suite struct ArrivalScheduleTests {
    @Test func aConstantRateSpacesArrivalsEvenly() {
        let s = ArrivalSchedule.constant(rate: 100, seconds: 2)
        #expect(s.totalArrivals == 200)
        #expect(s.time(ofArrival: 0) == 0)
        #expect(abs(s.time(ofArrival: 50)! - 0.5) < 1e-9)
        #expect(abs(s.time(ofArrival: 199)! - 1.99) < 1e-9)
        #expect(s.time(ofArrival: 200) == nil)
        #expect(s.rate(at: 1.5) == 100)
    }

    @Test func aRampAddsArrivalsQuadratically() {
        // 0 -> 100/s over 10 s: 500 arrivals, the n-th at sqrt(n / 5) seconds.
        let s = ArrivalSchedule(stages: [.init(seconds: 10, rate: 100)], startRate: 0)
        #expect(s.totalArrivals == 500)
        #expect(abs(s.time(ofArrival: 125)! - 5) < 1e-9)
        #expect(abs(s.rate(at: 2.5) - 25) < 1e-9)
        // Then a constant stage: it starts where the ramp ended.
        let two = ArrivalSchedule(stages: [.init(seconds: 10, rate: 100), .init(seconds: 5, rate: 100)], startRate: 0)
        #expect(two.totalArrivals == 1000)
        #expect(abs(two.time(ofArrival: 600)! - 11) < 1e-9)
        // Arrival times never go backwards.
        var last = -1.0
        for i in 0..<two.totalArrivals {
            let t = two.time(ofArrival: i)!
            #expect(t >= last)
            last = t
        }
    }

    @Test func parsing() {
        #expect(ArrivalSchedule.parseStage("30s:1000/s") == .init(seconds: 30, rate: 1000))
        #expect(ArrivalSchedule.parseStage("2m:60/m") == .init(seconds: 120, rate: 1))
        #expect(ArrivalSchedule.parseStage("500ms:10") == .init(seconds: 0.5, rate: 10))
        #expect(ArrivalSchedule.parseStage("30s") == nil)
        #expect(ArrivalSchedule.parseStage("xs:10") == nil)
        #expect(ArrivalSchedule.parseRate("-1") == nil)
        #expect(ArrivalSchedule.parseDuration("1h") == 3600)
    }
}

@Suite struct LoadInputsTests {
    @Test func templatesGenerateTypedValues() throws {
        let t = try LoadInputs.template(try JSON.parse(#"{"id":"{{uuid}}","n":"{{int 5 5}}","f":"{{float 1 1}}","k":"{{choice a}}","label":"order-{{seq}}","seq":"{{seq}}","keep":[1,"x"]}"#))
        let v = t.input(7)
        #expect(v["id"]?.stringValue?.count == 36)
        #expect(v["n"] == 5)
        #expect(v["f"]?.numberValue?.double == 1)
        #expect(v["k"] == "a")
        #expect(v["label"] == "order-7")
        #expect(v["seq"] == 7)
        #expect(v["keep"] == [1, "x"])
        #expect(t.input(0)["id"] != t.input(0)["id"])
    }

    @Test func badTemplatesAndLinesAreClearErrors() throws {
        #expect(throws: LoadError.self) { try LoadInputs.template(try JSON.parse(#"{"a":"{{nope}}"}"#)) }
        #expect(throws: LoadError.self) { try LoadInputs.template(try JSON.parse(#"{"a":"{{int 5 1}}"}"#)) }
        #expect(throws: LoadError.self) { try LoadInputs.template(try JSON.parse(#"{"a":"{{seq"}"#)) }
        do {
            _ = try LoadInputs.jsonl(Array("{\"a\":1}\n\nnot json\n".utf8))
            Issue.record("accepted a line that is not JSON")
        } catch {
            #expect(error.description.hasPrefix("line 3 is not JSON"))
        }
        let cycled = try LoadInputs.jsonl(Array("{\"a\":1}\n{\"a\":2}\n".utf8))
        #expect(cycled.input(2)["a"] == 1 && cycled.input(3)["a"] == 2)
    }
}

@Suite struct ThresholdTests {
    @Test func parsesUnitsAndDecides() throws {
        let p99 = try Threshold("p99<50ms")
        #expect(p99.measure == "p99" && p99.op == .lt && p99.value == 50)
        #expect(try Threshold("max <= 1s").value == 1000)
        #expect(try Threshold("p50<250us").value == 0.25)
        #expect(try Threshold("error_rate<1%").value == 0.01)
        #expect(try Threshold("achieved_rate>=900/s").holds(900))
        #expect(!p99.holds(50) && p99.holds(49.9) && !p99.holds(.nan))
        #expect(throws: LoadError.self) { try Threshold("p98<5ms") }
        #expect(throws: LoadError.self) { try Threshold("p99 50ms") }
        #expect(throws: LoadError.self) { try Threshold("p99<fast") }
    }
}

/// A target that answers after a given time on Dispatch's pool, never touching the engine.
final class FakeTarget: LoadTarget, @unchecked Sendable {
    let delay: (Int) -> Double
    let inFlight = Atomic<Int>(0), peak = Atomic<Int>(0)
    let names = Mutex<[String]>([])
    init(delay: @escaping (Int) -> Double) { self.delay = delay }

    func start(_ arrivals: ArraySlice<LoadArrival>, inputs: LoadInputs, runner: LoadRunner) {
        for a in arrivals {
            let n = inFlight.wrappingAdd(1, ordering: .relaxed).newValue
            _ = peak.max(n, ordering: .relaxed)
            names.withLock { $0.append("load-\(a.index)") }
            let index = a.index
            DispatchQueue.global().asyncAfter(deadline: .now() + delay(index)) { [self] in
                inFlight.wrappingSubtract(1, ordering: .relaxed)
                runner.ended(LoadOutcome(status: index % 10 == 9 ? .failed : .succeeded, error: index % 10 == 9 ? "Boom" : nil),
                             due: a.due)
            }
        }
    }
}

@Suite struct LoadRunnerTests {
    @Test func runsTheScheduleAndReports() throws {
        let target = FakeTarget { _ in 0.001 }
        var config = LoadRunner.Config(schedule: .constant(rate: 400, seconds: 0.5))
        config.interval = 0.1
        let runner = LoadRunner(config: config, target: target, inputs: .lines([["a": 1]]), stateNames: [])
        var intervals = 0
        var report = runner.run { _ in intervals += 1 }
        #expect(report.executions == 200 && report.issued == 200)
        #expect(report.errors == 20 && report.errorsByName == ["Boom": 20])
        #expect(abs(report.targetRate - 400) < 1)
        // (Only bounds the schedule guarantees: a shared machine may run behind it.)
        #expect(report.achievedRate > 0 && report.achievedRate <= 400.5)
        #expect(report.latency.p50 >= 1)
        #expect(intervals >= 4)
        report.check([try Threshold("error_rate<0.05"), try Threshold("p99<10s")])
        #expect(!report.passed)
        #expect(report.thresholds.map(\.passed) == [false, true])
        let json = report.json
        for key in ["executions", "errors", "target_rate", "achieved_rate", "latency_ms", "over_time", "states", "errors_by_name"] {
            #expect(json[key] != nil, "\(key)")
        }
        #expect(json["latency_ms"]?["p99_9"] != nil)
    }

    /// Latency runs from the scheduled start: executions held up behind a slow one (at most
    /// one in flight) report the wait, which a closed-loop driver would hide.
    @Test func latencyRunsFromTheScheduledStart() {
        let target = FakeTarget { i in i == 0 ? 0.3 : 0.001 }
        var config = LoadRunner.Config(schedule: .constant(rate: 100, seconds: 0.2))
        config.maxConcurrency = 1
        let runner = LoadRunner(config: config, target: target, inputs: .lines([[:]]), stateNames: [])
        let report = runner.run()
        #expect(target.peak.load(ordering: .relaxed) == 1)
        #expect(report.executions == 20)
        #expect(report.queueWait.count == 19)
        // The second execution was due at 10 ms and could start only after 300 ms.
        #expect(report.latency.p50 > 150, "p50 \(report.latency.p50)")
        #expect(report.latency.max >= 290)
        #expect(report.json["queue_wait_ms"] != nil)
        // Executions started in their scheduled order.
        #expect(target.names.withLock { $0 } == (0..<20).map { "load-\($0)" })
    }

    @Test func countStopsEarly() {
        let target = FakeTarget { _ in 0 }
        var config = LoadRunner.Config(schedule: .constant(rate: 1000, seconds: 10))
        config.count = 25
        let report = LoadRunner(config: config, target: target, inputs: .lines([[:]]), stateNames: []).run()
        #expect(report.executions == 25)
        #expect(abs(report.targetRate - 1000) < 1)
    }

    @Test func theHTMLReportIsSelfContained() throws {
        let target = FakeTarget { _ in 0.002 }
        let report = LoadRunner(config: .init(schedule: .constant(rate: 200, seconds: 0.3)), target: target,
                                inputs: .lines([[:]]), stateNames: ["A"]).run()
        let html = report.html(title: "t<1>", definition: try JSON.parse(#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(html.contains("<h1>t&lt;1&gt;</h1>"))
        #expect(!html.contains("src=") && !html.contains("href="))  // nothing loaded from anywhere
        #expect(html.ranges(of: "<svg").count == 4)  // throughput, latency, histogram, state graph
    }
}
