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
}
