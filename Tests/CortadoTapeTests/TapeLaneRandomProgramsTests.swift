import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
@testable import CortadoTape
import CortadoTestSupport
import Testing

/// Random programs of every state type the lane runs (Pass, Choice, Wait, Succeed, Fail, Map,
/// Parallel, mocked Tasks), with paths that select something or nothing, intrinsics,
/// ResultSelector, ResultPath, Retry, Catch and tolerated failures, over random inputs:
/// every line the lane keeps ends exactly as the general engine ends it.
@Suite struct TapeLaneRandomProgramsTests {
    @Test func randomJSONataProgramsAgreeWithTheGeneralEngine() throws {
        var j = RandomPrograms.JSONataGen(g: RandomPrograms.Gen(rng: SplitMix64(seed: 2713)))
        var programs = 0, kept = 0, failed = 0
        for round in 0..<400 {
            let definition = j.program()
            guard case .success(let p) = Compiler.compile(try JSON.parse(definition)) else { continue }
            let backend = RandomPrograms.backend(&j.g)
            guard case .success(let lane) = TapeLaneTests.failingLane(p, backend) else { continue }
            programs += 1
            for _ in 0..<4 {
                let line = j.g.input()
                guard Lane.agree(p, lane, line, "round \(round): \(definition)", backend: backend) else { continue }
                kept += 1
                if case .failure? = Lane.outcome(lane, line, p) { failed += 1 }
            }
        }
        print("random JSONata programs: \(programs) on the lane, \(kept) lines kept, \(failed) of them failed")
        #expect(programs > 150 && kept > 400 && failed > 50, "programs \(programs), kept \(kept), failed \(failed)")
    }

    @Test func randomProgramsAgreeWithTheGeneralEngine() throws {
        var g = RandomPrograms.Gen(rng: SplitMix64(seed: 2712))
        var programs = 0, kept = 0, failed = 0
        for round in 0..<400 {
            let definition = g.program()
            guard case .success(let p) = Compiler.compile(try JSON.parse(definition)) else { continue }
            let backend = RandomPrograms.backend(&g)
            guard case .success(let lane) = TapeLaneTests.failingLane(p, backend) else { continue }
            programs += 1
            for _ in 0..<4 {
                let line = g.input()
                guard Lane.agree(p, lane, line, "round \(round): \(definition)", backend: backend) else { continue }
                kept += 1
                if case .failure? = Lane.outcome(lane, line, p) { failed += 1 }
            }
        }
        print("random programs: \(programs) on the lane, \(kept) lines kept, \(failed) of them failed")
        #expect(programs > 200 && kept > 600 && failed > 100, "programs \(programs), kept \(kept), failed \(failed)")
    }

    /// The same programs on a lane whose host parks lines (a real clock): a line that waits
    /// in its top machine (a Wait, a Task's Retry back-off) ends its run, is copied out and
    /// goes on from that state (`Lane.outcome` resumes it at once), and ends exactly as the
    /// general engine ends it.
    @Test func randomProgramsParkAndResume() throws {
        var g = RandomPrograms.Gen(rng: SplitMix64(seed: 2714))
        var j = RandomPrograms.JSONataGen(g: RandomPrograms.Gen(rng: SplitMix64(seed: 2715)))
        var kept = 0, parked = 0
        for round in 0..<1000 {
            let jsonata = round % 2 == 1
            let definition = jsonata ? j.program() : g.program()
            guard case .success(let p) = Compiler.compile(try JSON.parse(definition)) else { continue }
            let backend = jsonata ? RandomPrograms.backend(&j.g) : RandomPrograms.backend(&g)
            guard case .success(let lane) = TapeLaneTests.failingLane(p, backend, clock: .parking(hostLimitSeconds: nil)) else { continue }
            for _ in 0..<4 {
                let line = jsonata ? j.g.input() : g.input()
                let waits = Array(line.utf8).withUnsafeBufferPointer { b in
                    var out = UnsafeVec<UInt8>(capacity: 64)
                    defer { out.free() }
                    if case .waits? = try? lane.run(line: b, appendingTo: &out) { return true }
                    return false
                }
                guard Lane.agree(p, lane, line, "round \(round): \(definition)", backend: backend) else { continue }
                kept += 1
                if waits { parked += 1 }
            }
        }
        print("random programs on a parking lane: \(kept) lines kept, \(parked) of them parked")
        #expect(kept > 1500 && parked > 80, "kept \(kept), parked \(parked)")
    }

    /// The random programs on logged lanes (every state's values recorded): a line parked at
    /// each wait and resumed on another lane, another line run in between, ends with the
    /// output and the record (`TapeLaneSuspensionTests.record`: values, iterations,
    /// variables, attempts, wait marks) of the same line on a virtual clock.
    @Test func randomLoggedLinesParkWithTheirRecord() throws {
        var g = RandomPrograms.Gen(rng: SplitMix64(seed: 2716))
        var j = RandomPrograms.JSONataGen(g: RandomPrograms.Gen(rng: SplitMix64(seed: 2717)))
        var compared = 0, parked = 0
        for round in 0..<600 {
            let jsonata = round % 2 == 1
            let definition = jsonata ? j.program() : g.program()
            guard case .success(let p) = Compiler.compile(try JSON.parse(definition)) else { continue }
            let backend = jsonata ? RandomPrograms.backend(&j.g) : RandomPrograms.backend(&g)
            func lane(_ clock: TapeLane.Clock) -> TapeLane? {
                guard case .success(let l) = TapeLane.make(p, payloadLimit: ExecutionOptions.payloadLimit, clock: clock,
                    taskResults: { backend.constantOutcome(stateName: $0, resource: $1, attempt: $2) },
                    logsEveryState: true, handlesFailures: true, logged: true) else { return nil }
                l.recordsValues = true
                return l
            }
            guard let still = lane(.virtual(hostLimitSeconds: nil)), let first = lane(.parking(hostLimitSeconds: nil)),
                  let second = lane(.parking(hostLimitSeconds: nil)) else { continue }
            for _ in 0..<4 {
                let line = jsonata ? j.g.input() : g.input()
                var expected: [String] = [], got: [String] = []
                guard let v = TapeLaneSuspensionTests.parked(still, line, after: { expected = TapeLaneSuspensionTests.record($0) })
                else { continue }
                let other = jsonata ? j.g.input() : g.input()
                guard let r = TapeLaneSuspensionTests.parked(first, line, on: second, between: other,
                                                             after: { got = TapeLaneSuspensionTests.record($0) }) else {
                    Issue.record("round \(round): the parked line went back where the virtual one did not: \(definition) \(line)")
                    continue
                }
                compared += 1
                if !r.waits.isEmpty { parked += 1 }
                #expect(r.end == v.end && r.output == v.output, "round \(round): \(definition) \(line)")
                #expect(got == expected, "round \(round): \(definition) \(line)")
            }
        }
        print("random logged programs on a parking lane: \(compared) lines compared, \(parked) of them parked")
        #expect(compared > 600 && parked > 40, "compared \(compared), parked \(parked)")
    }
}
