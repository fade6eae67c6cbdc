import CortadoJSON
@testable import CortadoRuntime
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

@Suite struct MetricsTests {
    static let ms: UInt64 = 1_000_000
    static let s: UInt64 = 1_000_000_000

    /// Records 1...1000 ms with every 10th failed and every 100th timed out.
    static func recordOneToThousand(_ w: WorkerMetrics) {
        for i in 1...1000 {
            let status: ExecutionStatus = i % 100 == 0 ? .timedOut : i % 10 == 0 ? .failed : .succeeded
            w.record(status: status, latencyNanos: UInt64(i) * ms)
        }
    }

    static func number(_ j: JSON?) -> Double? { j?.numberValue?.double }

    @Test func countsAndPercentiles() {
        let run = RunMetrics(stateNames: ["A"], startNanos: 0)
        let w = WorkerMetrics(stateCount: 1)
        Self.recordOneToThousand(w)
        #expect(w.completed == 1000)
        run.addStarted(1000)
        run.absorb(w)
        let snap = run.snapshot(inFlight: 0, now: 10 * Self.s)
        #expect(snap.started == 1000)
        #expect(snap.succeeded == 900)
        #expect(snap.failed == 90)
        #expect(snap.timedOut == 10)
        #expect(snap.completed == 1000)
        #expect(snap.elapsedSeconds == 10)
        // 3 significant digits: within 0.1 % (+ one step of the 1 ms grid).
        #expect(abs(snap.latencyMs.p50 - 500) <= 1.5)
        #expect(abs(snap.latencyMs.p90 - 900) <= 1.5)
        #expect(abs(snap.latencyMs.p99 - 990) <= 2)
        #expect(abs(snap.latencyMs.p999 - 999) <= 2)
        #expect(snap.latencyMs.max == 1000)   // exact, not a bucket bound
    }

    @Test func emptyRunReportsZeros() throws {
        let run = RunMetrics(stateNames: [], startNanos: 5)
        let snap = run.snapshot(inFlight: 0, now: 5)
        #expect(snap.completed == 0 && snap.elapsedSeconds == 0)
        #expect(snap.latencyMs.p50 == 0 && snap.latencyMs.max == 0)
        #expect(snap.rate(since: nil) == 0)
        let j = try JSON.parse(snap.jsonLine(previous: nil, summary: true))
        #expect(Self.number(j["rate"]) == 0)
        #expect(j["states"]?.objectValue?.isEmpty == true)
    }

    @Test func absorbResetsTheWorker() {
        let run = RunMetrics(stateNames: ["A", "B"], startNanos: 0)
        let w = WorkerMetrics(stateCount: 2)
        w.record(status: .succeeded, latencyNanos: 3 * Self.ms)
        w.record(status: .failed, latencyNanos: 7 * Self.ms)
        w.stateStats.entered[1] = 4
        w.stateStats.nanos[1] = 8 * Self.ms
        run.absorb(w)
        #expect(w.completed == 0 && w.succeeded == 0 && w.failed == 0 && w.timedOut == 0)
        #expect(w.latencyCount == 0 && w.maxNanos == 0 && !w.overflowUsed)
        #expect(w.stateStats.entered == [0, 0] && w.stateStats.nanos == [0, 0])
        // Absorbing the reset worker again changes nothing.
        run.absorb(w)
        let snap = run.snapshot(inFlight: 0, now: Self.s)
        #expect(snap.succeeded == 1 && snap.failed == 1)
        #expect(snap.latencyMs.max == 7)
        #expect(snap.states[1].entered == 4 && snap.states[1].totalMs == 8)
        // A later batch with a smaller max keeps the run's max.
        w.record(status: .succeeded, latencyNanos: Self.ms)
        run.absorb(w)
        #expect(run.snapshot(inFlight: 0, now: Self.s).latencyMs.max == 7)
    }

    @Test func moreThanTheBufferBetweenAbsorbsSpillsWithoutLoss() {
        let run = RunMetrics(stateNames: [], startNanos: 0)
        let w = WorkerMetrics(stateCount: 0)
        let n = WorkerMetrics.bufferCapacity * 2 + 17
        for i in 1...n { w.record(status: .succeeded, latencyNanos: UInt64(i) * Self.ms) }
        #expect(w.overflowUsed)
        run.absorb(w)
        #expect(!w.overflowUsed && w.overflow.totalCount == 0)
        let snap = run.snapshot(inFlight: 0, now: Self.s)
        #expect(snap.succeeded == n)
        #expect(abs(snap.latencyMs.p50 - Double(n) / 2) <= Double(n) * 0.002)
        #expect(snap.latencyMs.max == Double(n))
        // The spilled histogram and the buffered values merge into the same layout.
        for i in 1...10 { w.record(status: .failed, latencyNanos: UInt64(i) * Self.ms) }
        run.absorb(w)
        #expect(run.snapshot(inFlight: 0, now: Self.s).failed == 10)
    }

    @Test func latenciesBeyondTheHistogramAreClampedButMaxIsExact() {
        let run = RunMetrics(stateNames: [], startNanos: 0)
        let w = WorkerMetrics(stateCount: 0)
        let huge = LatencyHistogram.highest * 3
        w.record(status: .timedOut, latencyNanos: huge)
        run.absorb(w)
        let snap = run.snapshot(inFlight: 0, now: Self.s)
        #expect(snap.timedOut == 1)
        #expect(snap.latencyMs.max == Double(huge) / 1e6)
        #expect(snap.latencyMs.p50 > 0)
    }

    @Test func concurrentAbsorbLosesNothing() {
        let names = ["A", "B", "A"]
        let run = RunMetrics(stateNames: names, startNanos: 0)
        let threads = 8, batches = 40, perBatch = 250
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let w = WorkerMetrics(stateCount: names.count)
            for b in 0..<batches {
                run.addStarted(perBatch)
                for i in 0..<perBatch {
                    let status: ExecutionStatus = i % 50 == 0 ? .failed : i % 125 == 1 ? .timedOut : .succeeded
                    w.record(status: status, latencyNanos: UInt64(1 + t * 1000 + b * 10 + i % 10) * 1000)
                    w.stateStats.entered[i % 3] += 1
                    w.stateStats.nanos[i % 3] += 1000
                }
                run.absorb(w)
                _ = run.snapshot(inFlight: 0)   // a reporter reading meanwhile
            }
        }
        let total = threads * batches * perBatch
        let snap = run.snapshot(inFlight: 0, now: Self.s)
        #expect(snap.started == total)
        #expect(snap.completed == total)
        #expect(snap.failed == total / 50)
        #expect(snap.timedOut == total / 125)
        #expect(snap.succeeded == total - total / 50 - total / 125)
        #expect(snap.latencyMs.max == Double(1 + 7 * 1000 + 39 * 10 + 9) / 1000)
        // pcs 0 and 2 share the name "A".
        #expect(snap.states.map(\.name) == ["A", "B"])
        // Per batch, i % 3 over 0..<250 gives pc 0: 84, pc 1: 83, pc 2: 83.
        #expect(snap.states[0].entered + snap.states[1].entered == total)
        #expect(snap.states[1].entered == threads * batches * 83)
        #expect(snap.states[0].entered == threads * batches * (84 + 83))
        #expect(abs(snap.states[0].totalMs - Double(snap.states[0].entered) / 1000) < 1e-6)
    }

    @Test func perStateAggregationByName() {
        let run = RunMetrics(stateNames: ["Map", "Work", "Done", "Work", "Done"], startNanos: 0)
        let w = WorkerMetrics(stateCount: 5)
        w.stateStats.entered = [1, 10, 0, 30, 2]
        w.stateStats.nanos = [5 * Self.ms, 10 * Self.ms, 0, 50 * Self.ms, 4 * Self.ms]
        run.absorb(w)
        let states = run.snapshot(inFlight: 0, now: Self.s).states
        #expect(states.map(\.name) == ["Map", "Work", "Done"])   // order of first pc
        #expect(states.map(\.entered) == [1, 40, 2])
        #expect(states.map(\.totalMs) == [5, 60, 4])
    }

    @Test func jsonLineHasEveryFieldAndTheIntervalRate() throws {
        let run = RunMetrics(stateNames: ["A", "B \"quoted\"", "A"], startNanos: 100)
        let w = WorkerMetrics(stateCount: 3)
        for i in 1...100 { w.record(status: .succeeded, latencyNanos: UInt64(i) * Self.ms) }
        run.addStarted(150)
        run.absorb(w)
        let first = run.snapshot(inFlight: 50, now: 100 + 2 * Self.s)

        Self.recordOneToThousand(w)   // 900 ok, 90 failed, 10 timed out
        w.stateStats.entered = [2, 1, 3]
        w.stateStats.nanos = [2 * Self.ms, 1_500_000, 3 * Self.ms]
        run.addStarted(1000)
        run.absorb(w)
        let second = run.snapshot(inFlight: 50, now: 100 + 4 * Self.s + Self.s / 2)

        let bytes = second.jsonLine(previous: first, summary: false)
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(!bytes.dropLast().contains(UInt8(ascii: "\n")))
        let j = try JSON.parse(bytes)
        #expect(j.objectValue?.keys == ["type", "elapsed_s", "started", "succeeded", "failed", "timed_out",
                                        "in_flight", "rate", "latency_ms", "states", "tape_lane"])
        #expect(j["tape_lane"] == ["executions": 0])
        #expect(j["type"] == "metrics")
        #expect(Self.number(j["elapsed_s"]) == 4.5)
        #expect(j["started"] == 1150)
        #expect(j["succeeded"] == 1000)
        #expect(j["failed"] == 90)
        #expect(j["timed_out"] == 10)
        #expect(j["in_flight"] == 50)
        #expect(Self.number(j["rate"]) == 400)   // 1000 completions in 2.5 s
        let lat = try #require(j["latency_ms"]?.objectValue)
        #expect(lat.keys == ["p50", "p90", "p99", "p99_9", "max"])
        #expect(Self.number(lat["p50"]) == roundTo(second.latencyMs.p50, 3))   // microseconds
        #expect(Self.number(lat["p99_9"]) == roundTo(second.latencyMs.p999, 3))
        #expect(Self.number(lat["max"]) == 1000)
        let states = try #require(j["states"]?.objectValue)
        #expect(states.keys == ["A", "B \"quoted\""])
        #expect(states["A"]?["entered"] == 5)
        #expect(Self.number(states["A"]?["total_ms"]) == 5)
        #expect(Self.number(states["A"]?["avg_ms"]) == 1)
        #expect(Self.number(states["B \"quoted\""]?["total_ms"]) == 1.5)

        // The summary's rate covers the whole run: 1100 completions in 4.5 s.
        let summary = try JSON.parse(second.jsonLine(previous: first, summary: true))
        #expect(summary["type"] == "summary")
        #expect(Self.number(summary["rate"]) == 244.44)
        // No previous snapshot: whole run too.
        #expect(Self.number(try JSON.parse(second.jsonLine(previous: nil, summary: false))["rate"]) == 244.44)
        // No time between snapshots: rate 0, not infinity.
        #expect(second.rate(since: second) == 0)
    }

    static func snapshot(completed: Int, failed: Int = 0, timedOut: Int = 0, elapsed: Double) -> MetricsSnapshot {
        var s = MetricsSnapshot()
        s.elapsedSeconds = elapsed
        s.succeeded = completed - failed - timedOut
        s.failed = failed
        s.timedOut = timedOut
        s.started = completed
        return s
    }

    @Test func progressLineWithKnownFraction() {
        let prev = Self.snapshot(completed: 315_900, elapsed: 3)
        let now = Self.snapshot(completed: 412_000, failed: 3, elapsed: 4)
        let line = now.progressLine(previous: prev, fraction: 0.41, total: 1_000_000, width: 100)
        #expect(line == "[############------------------]  41%  412,000/1,000,000  96.1k/s  ETA 0:06  failed 3")
        // Fraction without a total: no denominator.
        let noTotal = now.progressLine(previous: prev, fraction: 0.5, width: 100)
        #expect(noTotal == "[###############---------------]  50%  412,000  96.1k/s  ETA 0:04  failed 3")
        // Total without a fraction: the bar follows completed/total.
        let fromTotal = now.progressLine(previous: prev, fraction: nil, total: 824_000, width: 100)
        #expect(fromTotal.hasPrefix("[###############---------------]  50%  412,000/824,000"))
        // Done and not started.
        #expect(now.progressLine(previous: nil, fraction: 1, width: 100).contains("100%  412,000  103.0k/s  ETA 0:00"))
        #expect(Self.snapshot(completed: 0, elapsed: 1).progressLine(previous: nil, fraction: 0, width: 100)
            == "[------------------------------]   0%  0  0/s  ETA --:--")
    }

    @Test func progressLineFitsTheWidth() {
        let now = Self.snapshot(completed: 412_000, failed: 3, timedOut: 2, elapsed: 4)
        let text = "  41%  412,000  103.0k/s  ETA 0:06  failed 3  timed out 2"
        let narrow = now.progressLine(previous: nil, fraction: 0.41, width: text.count + 10)
        #expect(narrow == "[###-----] " + text.dropFirst(1))   // the bar takes what is left, up to 30
        #expect(narrow.count == text.count + 10)
        // Too narrow for a bar of 5: the bar goes, then the text is cut.
        let noBar = now.progressLine(previous: nil, fraction: 0.41, width: text.count + 4)
        #expect(noBar == " 41%  412,000  103.0k/s  ETA 0:06  failed 3  timed out 2")
        #expect(now.progressLine(previous: nil, fraction: 0.41, width: 20).count == 20)
    }

    @Test func progressLineWithUnknownTotal() {
        let prev = Self.snapshot(completed: 1_000, elapsed: 60)
        let now = Self.snapshot(completed: 1_234_567, timedOut: 1, elapsed: 3725)
        let line = now.progressLine(previous: prev, fraction: nil, width: 120)
        let rate = compactRate(Double(1_234_567 - 1_000) / 3665)
        #expect(line == "1,234,567  \(rate)/s  1:02:05 elapsed  timed out 1")
        #expect(!line.contains("[") && !line.contains("%") && !line.contains("ETA"))
    }

    @Test func summaryTextNamesCountsLatencyAndBusiestStates() {
        let run = RunMetrics(stateNames: ["Fast", "Slow", "Never"], startNanos: 0)
        let w = WorkerMetrics(stateCount: 3)
        Self.recordOneToThousand(w)
        w.stateStats.entered = [1000, 10, 0]
        w.stateStats.nanos = [1000 * Self.ms, 5000 * Self.ms, 0]
        run.addStarted(1002)
        run.absorb(w)
        let text = run.snapshot(inFlight: 2, now: 2 * Self.s).summaryText()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(text.hasSuffix("\n"))
        #expect(lines[0] == "1,000 executions in 2.00 s (500/s): 900 succeeded, 90 failed, 10 timed out, 2 unfinished")
        #expect(lines[1].hasPrefix("Latency ms: p50 50") && lines[1].hasSuffix("max 1,000.000"))
        #expect(lines[2] == "States by time:")
        #expect(lines[3] == "  Slow: entered 10, total 5,000.0 ms, avg 500.000 ms")
        #expect(lines[4] == "  Fast: entered 1,000, total 1,000.0 ms, avg 1.000 ms")
        #expect(lines.count == 5)   // "Never" was not entered
    }

    /// The summary says which engine ran the executions, and why not the tape lane.
    @Test func summaryNamesTheEngine() throws {
        let run = RunMetrics(stateNames: ["A"], startNanos: 0)
        let w = WorkerMetrics(stateCount: 1)
        Self.recordOneToThousand(w)
        w.laneExecutions = 990
        run.addStarted(1000)
        run.absorb(w)
        let lane = run.snapshot(inFlight: 0, now: Self.s)
        #expect(lane.summaryText().contains("Engine: tape lane for 990 executions, general for 10\n"))
        #expect(try JSON.parse(lane.jsonLine(previous: nil, summary: true))["tape_lane"] == ["executions": 990])
        // Lines that parked on the lane (waits on a real clock) are counted too.
        let parking = RunMetrics(stateNames: ["A"], startNanos: 0)
        let p = WorkerMetrics(stateCount: 1)
        Self.recordOneToThousand(p)
        p.laneExecutions = 1000
        p.laneParks = 1500
        parking.addStarted(1000)
        parking.absorb(p)
        let parked = parking.snapshot(inFlight: 0, now: Self.s)
        #expect(parked.summaryText().contains("Engine: tape lane for 1,000 executions (1,500 parks), general for 0\n"), "\(parked.summaryText())")
        #expect(try JSON.parse(parked.jsonLine(previous: nil, summary: true))["tape_lane"] == ["executions": 1000, "parked": 1500])

        let general = RunMetrics(stateNames: ["A"], startNanos: 0)
        let g = WorkerMetrics(stateCount: 1)
        Self.recordOneToThousand(g)
        general.laneUnused(because: "Task state 'T' without a constant (mocked) first result")
        general.absorb(g)
        let snap = general.snapshot(inFlight: 0, now: Self.s)
        #expect(snap.summaryText().contains(
            "Engine: general for every execution (the tape lane is not used: Task state 'T' without a constant (mocked) first result)"))
        #expect(try JSON.parse(snap.jsonLine(previous: nil, summary: true))["tape_lane"]
            == ["executions": 0, "unused_because": "Task state 'T' without a constant (mocked) first result"])
    }

    @Test func formatting() {
        #expect(groupThousands(0) == "0")
        #expect(groupThousands(999) == "999")
        #expect(groupThousands(1000) == "1,000")
        #expect(groupThousands(-1_234_567) == "-1,234,567")
        #expect(fixed(1234.5, 2) == "1,234.50")
        #expect(fixed(0.0004, 3) == "0.000")
        #expect(fixed(-0.05, 1) == "-0.1")
        #expect(compactRate(3.46) == "3.5")
        #expect(compactRate(812.4) == "812")
        #expect(compactRate(96_100) == "96.1k")
        #expect(compactRate(999_999) == "1.00M")
        #expect(compactRate(.infinity) == "0")
        #expect(clockText(5.2) == "0:06")
        #expect(clockText(3600) == "1:00:00")
        #expect(roundTo(0.1 + 0.2, 3) == 0.3)
    }

    @Test func isTerminalIsFalseForAPipe() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        #expect(!isTerminal(fds[0]))
        close(fds[0]); close(fds[1])
    }
}
