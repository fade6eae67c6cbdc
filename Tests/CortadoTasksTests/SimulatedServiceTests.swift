import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTasks
import Testing

/// A `simulate` route of a tasks file (`SimulatedService.parse`): what it reads, and a clear
/// error for anything it would otherwise drop without a word.
@Suite struct SimulatedServiceTests {
    static func parse(_ yaml: String) -> Result<SimulatedService, SimulationSpecError> {
        guard let j = try? JSON.parse(yaml) else { return .failure(SimulationSpecError("not JSON")) }
        do { return .success(try SimulatedService.parse(j)) } catch { return .failure(error) }
    }

    @Test func aSpecIsRead() throws {
        let s = try Self.parse(#"{"latency":{"fixed":"200ms"},"errorRate":0.25,"errors":[{"error":"Slow","cause":"busy"}],"output":{"ok":true}}"#).get()
        #expect(s.errorRate == 0.25 && s.errors.map(\.name?.rawValue) == ["Slow"] && s.errors.first?.cause == "busy")
        guard case .fixed(let seconds) = s.latency else { Issue.record("\(s.latency)"); return }
        #expect(seconds == 0.2)
        let uniform = try Self.parse(#"{"latency":{"uniform":[5,"1s"]}}"#).get()
        guard case .uniform(let a, let b) = uniform.latency else { Issue.record("\(uniform.latency)"); return }
        #expect(a == 0.005 && b == 1 && uniform.errorRate == 0)
    }

    /// A misspelt key (`failureRate` for `errorRate`) simulated no failure, silently.
    @Test func unknownKeysAreNamed() {
        for (spec, words) in [
            (#"{"latency":{"fixed":"200ms"},"failureRate":0.3}"#, "unknown key 'failureRate' in simulate (expected latency, errorRate, errors, output)"),
            (#"{"latency":{"fixd":"200ms"}}"#, "unknown key 'fixd' in latency"),
            (#"{"latency":{"fixed":1},"errors":[{"error":"E","reason":"x"}]}"#, "unknown key 'reason' in errors"),
            (#"{"latency":{"fixed":1},"errors":{"error":"E"}}"#, "errors must be a list"),
        ] {
            guard case .failure(let e) = Self.parse(spec) else { Issue.record("accepted \(spec)"); continue }
            #expect(e.description.contains(words), "\(spec): \(e)")
        }
    }
}
