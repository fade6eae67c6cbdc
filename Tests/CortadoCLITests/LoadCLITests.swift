import Foundation
import Testing

/// `cortado load` end to end: a simulated service, thresholds deciding the exit status, and
/// the HTML report drawn by a real browser (Debian's chromium; skipped with a message where
/// it is not installed).
@Suite struct LoadCLITests {
    static let def = #"""
        {"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem",
         "Parameters":{"Key.$":"$.id"},"Next":"Done"},"Done":{"Type":"Pass","End":true}}}
        """#
    static let tasks = """
        routes:
          - resource: "arn:aws:states:::dynamodb:*"
            simulate: {latency: {fixed: 5ms}, errorRate: 0.2, errors: [{error: Sim.Error, cause: simulated}]}
        """

    @Test func thresholdsDecideTheExitStatusAndTheReportsAreWritten() throws {
        let def = CortadoBinary.temp("load.asl.json", Self.def)
        let tasks = CortadoBinary.temp("load.tasks.yaml", Self.tasks)
        let template = CortadoBinary.temp("load.template.json", #"{"id":"{{uuid}}"}"#)
        let json = CortadoBinary.tempDirectory + "/load-report.json", html = CortadoBinary.tempDirectory + "/load-report.html"
        guard let (status, _) = CortadoBinary.run(["load", def, "--template", template, "--rate", "200", "--duration", "1s",
                                                   "--tasks", tasks, "--report-json", json, "--report-html", html,
                                                   "--threshold", "p99<1s", "--threshold", "error_rate<0.01", "--metrics", "/dev/null"])
        else { Issue.record("the cortado binary is not built"); return }
        #expect(status == 99)  // 20% errors break error_rate<0.01, as k6 exits
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect(report?["executions"] as? Int == 200)
        let states = report?["states"] as? [String: [String: Any]]
        let p50 = states?["Call"]?["p50_ms"] as? Double ?? 0
        #expect(p50 >= 4.5 && p50 < 50, "Call p50 \(p50) ms")  // deadlines are whole ms: up to 0.5 ms early
        #expect((report?["errors_by_name"] as? [String: Int])?["Sim.Error"] ?? 0 > 10)
        let verdicts = (report?["thresholds"] as? [[String: Any]])?.compactMap { $0["passed"] as? Bool }
        #expect(verdicts == [true, false])

        guard let (ok, _) = CortadoBinary.run(["load", def, "--template", template, "--rate", "100", "--count", "20",
                                               "--tasks", tasks, "--threshold", "p99<1s", "--metrics", "/dev/null"])
        else { return }
        #expect(ok == 0)

        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("LoadCLITests: skipped the browser check: no chromium (apt-get install chromium)")
            return
        }
        // The page loads with no console errors and its charts draw (a screenshot far larger than a blank page's).
        let blank = CortadoBinary.temp("blank.html", "<!DOCTYPE html><html><body></body></html>")
        func shot(_ page: String) -> (size: Int, log: String) {
            let png = page + ".png"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: chromium)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                           "--window-size=1100,1800", "--screenshot=\(png)", "file://\(page)"]
            let err = Pipe()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = err
            guard (try? p.run()) != nil else { return (0, "") }
            let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return ((try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0, log)
        }
        let empty = shot(blank), drawn = shot(html)
        #expect(empty.size > 0 && drawn.size > 4 * empty.size, "screenshot sizes: blank \(empty.size), report \(drawn.size)")
        #expect(!drawn.log.contains("CONSOLE"), "console output: \(drawn.log.prefix(500))")
    }

    @Test func badArgumentsAreClear() throws {
        let def = CortadoBinary.temp("load2.asl.json", Self.def)
        let events = CortadoBinary.temp("load2.jsonl", "{}\n")
        for args in [["--events", events], ["--events", events, "--rate", "10"], ["--events", events, "--stage", "10"],
                     ["--events", events, "--rate", "10", "--duration", "1s", "--threshold", "p98<1"]] {
            guard let (status, _) = CortadoBinary.run(["load", def] + args) else { Issue.record("the cortado binary is not built"); return }
            #expect(status != 0 && status != 99, "\(args)")
        }
    }
}
