import CortadoJSON
import Foundation
import Testing

/// `cortado run` over `gen_events.py 1000 1` must reproduce ../shared/bench/expected exactly
/// (compared as JSON, the `line` field checked against the position). Skips without ../shared.
@Suite struct BenchReferenceTests {
    static let bench = CortadoBinary.packageRoot + "/../shared/bench"

    static var events: String? {
        guard FileManager.default.fileExists(atPath: bench + "/gen_events.py") else { return nil }
        let path = CortadoBinary.tempDirectory + "/bench-events.jsonl"
        if !FileManager.default.fileExists(atPath: path) {
            // Written under a private name and renamed: parallel test cases never see a partial file.
            let tmp = path + ".\(UUID().uuidString)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", bench + "/gen_events.py", "1000", "1"]
            FileManager.default.createFile(atPath: tmp, contents: nil)
            p.standardOutput = FileHandle(forWritingAtPath: tmp)
            guard (try? p.run()) != nil else { return nil }
            p.waitUntilExit()
            guard p.terminationStatus == 0, rename(tmp, path) == 0 || FileManager.default.fileExists(atPath: path) else { return nil }
        }
        return path
    }

    @Test(arguments: [
        ("pass-choice", "pass-choice", [String]()), ("map", "map", []), ("parallel", "parallel", []),
        ("wait", "wait", ["--clock", "virtual"]),
        ("order", "order", ["--clock", "virtual", "--mock-config", bench + "/workloads/order.mocks.json", "--test-case", "default"]),
        ("order", "order.flaky", ["--clock", "virtual", "--mock-config", bench + "/workloads/order.mocks.json", "--test-case", "flaky"]),
        ("order", "order.rejected", ["--clock", "virtual", "--mock-config", bench + "/workloads/order.mocks.json", "--test-case", "rejected"]),
    ])
    func matchesTheReference(_ workload: String, _ expectedName: String, _ extra: [String]) throws {
        guard let events = Self.events,
              let expected = FileManager.default.contents(atPath: Self.bench + "/expected/\(expectedName).jsonl") else { return }
        let def = Self.bench + "/workloads/\(workload).asl.json"
        guard let (status, out) = CortadoBinary.run(["run", def, "--events", events, "--metrics", "/dev/null"] + extra) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(status == 0)
        let want = expected.split(separator: 10)
        let got = out.utf8.split(separator: 10)
        #expect(got.count == want.count)
        var mismatches = 0
        for (i, (g, w)) in zip(got, want).enumerated() {
            var gj = try JSON.parse(Array(g))
            #expect(gj["line"] == .number(JSONNumber(i + 1)))
            if case .object(var o) = gj { o["line"] = nil; gj = .object(o) }
            if gj != (try JSON.parse(Array(w))) { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(expectedName): \(mismatches) lines differ")
    }
}
