import Foundation
import Testing

/// `cortado bench` end to end: a suite saved as a baseline passes against itself, and the same
/// suite with its Task twice as slow fails with a clear message and exit status 1. (Wide
/// margins: other tests run beside this one and moved a 100 ms Task's p50 by up to 20 ms; the
/// README's lone run of the example suite catches a 20% slower Task.)
@Suite struct BenchCLITests {
    @Test func aSlowerTaskIsARegression() throws {
        let dir = CortadoBinary.tempDirectory + "/bench"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = CortadoBinary.temp("bench/lookup.asl.json", #"{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","End":true}}}"#)
        _ = CortadoBinary.temp("bench/events.jsonl", "{\"id\":1}\n{\"id\":2}\n")
        func tasks(_ ms: Int) { _ = CortadoBinary.temp("bench/tasks.yaml", "routes:\n  - resource: \"*\"\n    simulate: {latency: {fixed: \(ms)ms}}\n") }
        let suite = CortadoBinary.temp("bench/suite.yaml", """
            name: test
            runs: 3
            warmup: 1
            tolerance: 15%
            throughputTolerance: 95%
            latencyFloorMs: 40
            cases:
              - name: lookup
                definition: lookup.asl.json
                events: events.jsonl
                count: 20
                workers: 1
                tasks: tasks.yaml
            """)
        let base = dir + "/base.json", markdown = dir + "/bench.md"
        tasks(100)
        guard let (saved, table) = CortadoBinary.run(["bench", suite, "--save-baseline", base]) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(saved == 0)
        #expect(table.contains("| lookup |"), "\(table)")
        guard let (same, _) = CortadoBinary.run(["bench", suite, "--baseline", base, "--markdown", markdown]) else { return }
        #expect(same == 0)
        #expect((try? String(contentsOfFile: markdown, encoding: .utf8))?.contains("p50_ms") == true)
        tasks(200)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CortadoBinary.path!)
        p.arguments = ["bench", suite, "--baseline", base]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)
        #expect(message.contains("REGRESSION in lookup: p50_ms"), "\(message)")
    }
}
