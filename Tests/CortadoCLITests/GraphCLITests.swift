import Foundation
import Testing

/// `cortado graph`: the three formats from the command line, and the SVG drawn by a real
/// browser (Debian's chromium, headless; skipped with a message where it is not installed).
@Suite struct GraphCLITests {
    static let def = #"""
        {"StartAt":"Check","States":{"Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"Work"}],"Default":"Done"},
         "Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],"Next":"Check"},
         "Done":{"Type":"Succeed"}}}
        """#

    @Test func everyFormat() throws {
        let def = CortadoBinary.temp("graph.asl.json", Self.def)
        guard let (s1, mermaid) = CortadoBinary.run(["graph", def]), let (s2, dot) = CortadoBinary.run(["graph", def, "--format", "dot"]),
              let (s3, svg) = CortadoBinary.run(["graph", def, "--format", "svg"]) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(s1 == 0 && s2 == 0 && s3 == 0)
        #expect(mermaid.hasPrefix("flowchart TD") && mermaid.contains(#"|"$.n #gt; 1"|"#))
        #expect(dot.hasPrefix("digraph StateMachine {") && dot.contains(#"label="catch States.ALL", style=dashed"#))
        #expect(svg.hasPrefix("<svg") && svg.contains("<title>graph</title>"))
    }

    @Test func badMetricsAreAClearError() throws {
        let def = CortadoBinary.temp("graph2.asl.json", Self.def)
        let metrics = CortadoBinary.temp("not-metrics.jsonl", "{\"x\":1}\n")
        guard let (status, out) = CortadoBinary.run(["graph", def, "--metrics", metrics]) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(status == 2 && out.isEmpty)
    }

    /// The SVG, coloured by a metrics line, opened in headless chromium: its screenshot must
    /// hold far more than a blank page's.
    @Test func aBrowserDrawsTheSVG() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("GraphCLITests: skipped the browser check: no chromium (apt-get install chromium)")
            return
        }
        let def = CortadoBinary.temp("graph3.asl.json", Self.def)
        let metrics = CortadoBinary.temp("m.jsonl", #"{"type":"summary","states":{"Work":{"entered":5,"total_ms":9,"avg_ms":1.8},"Check":{"entered":6,"total_ms":1,"avg_ms":0.2}}}"# + "\n")
        let svg = CortadoBinary.tempDirectory + "/graph3.svg"
        guard let (status, _) = CortadoBinary.run(["graph", def, "--format", "svg", "--metrics", metrics, "--out", svg]) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(status == 0)
        let blank = CortadoBinary.temp("blank.svg", ##"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="500"><rect width="100%" height="100%" fill="#fff"/></svg>"##)
        func shot(_ file: String) -> Int {
            let png = file + ".png"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: chromium)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=600,500", "--screenshot=\(png)", "file://\(file)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return 0 }
            p.waitUntilExit()
            return (try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
        }
        let empty = shot(blank), drawn = shot(svg)
        #expect(empty > 0 && drawn > 4 * empty, "screenshot sizes: blank \(empty), graph \(drawn)")
    }
}
