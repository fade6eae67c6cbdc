import CortadoJSON
import Foundation
import Testing

/// The same workload through `cortado run --worker` (the Python example worker) and through
/// `--lambda-endpoint` (a local Lambda Invoke API server), plus http:invoke against that server.
@Suite(.serialized) struct TaskBackendsCLITests {
    /// Starts Tests/CortadoHTTPTests/http_server.py on 127.0.0.1; it exits when its stdin closes.
    final class TestServer {
        let process = Process()
        let stdin = Pipe(), stdout = Pipe()
        let port: Int

        init?() {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", CortadoBinary.packageRoot + "/Tests/CortadoHTTPTests/http_server.py"]
            process.standardInput = stdin
            process.standardOutput = stdout
            guard (try? process.run()) != nil else { return nil }
            var line = Data()
            while let b = try? stdout.fileHandleForReading.read(upToCount: 1), let c = b.first, c != 10 { line.append(c) }
            guard let p = Int(String(decoding: line, as: UTF8.self).filter(\.isNumber)) else { return nil }
            port = p
        }

        func stop() {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    static let lambdaWorkload = """
        {"StartAt":"Plain","States":{
          "Plain":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","ResultPath":"$.plain","Next":"Invoke"},
          "Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                    "Parameters":{"FunctionName":"double","Payload":{"value.$":"$.plain.value"}},
                    "ResultSelector":{"value.$":"$.Payload.value"},"ResultPath":"$.invoked","End":true}}}
        """

    static var events: String { (1...40).map { #"{"value":\#($0)}"# }.joined(separator: "\n") + "\n" }

    static func expected(_ n: Int) -> String {
        #"{"line":\#(n),"status":"SUCCEEDED","output":{"value":\#(n),"plain":{"value":\#(2 * n)},"invoked":{"value":\#(4 * n)}}}"#
    }

    /// A tasks file whose route has a misspelt key, or two backends, is refused before any
    /// line runs (the key was dropped without a word, and the route's tasks went elsewhere).
    @Test func aTasksFileWithAnUnknownKeyIsRefused() throws {
        let def = CortadoBinary.temp("keys.asl.json", #"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}"#)
        let events = CortadoBinary.temp("keys.jsonl", "{}\n")
        for (name, routes) in [
            ("ok", #"{resource: "*", simulate: {latency: {fixed: 1ms}}}"#),
            ("route", #"{resource: "*", simulat: {latency: {fixed: 1ms}}, mock: {config: m.json}}"#),
            ("two", #"{resource: "*", simulate: {latency: {fixed: 1ms}}, http: true}"#),
            ("simulate", #"{resource: "*", simulate: {latency: {fixed: 1ms}, failureRate: 0.5}}"#),
            ("mock", #"{resource: "*", mock: {config: m.json, testcase: flaky}}"#),
        ] {
            let tasks = CortadoBinary.temp("keys-\(name).tasks.yaml", "routes:\n  - \(routes)\n")
            let out = CortadoBinary.tempDirectory + "/keys-\(name).out.jsonl"
            guard let (status, _) = CortadoBinary.run(["run", def, "--events", events, "--out", out, "--tasks", tasks, "--metrics", "/dev/null"])
            else { Issue.record("the cortado binary is not built"); return }
            #expect((status == 0) == (name == "ok"), "\(name): status \(status)")
        }
    }

    @Test func theSameWorkloadThroughTheWorkerAndTheLambdaEndpoint() throws {
        let def = CortadoBinary.temp("lambda-workload.asl.json", Self.lambdaWorkload)
        let events = CortadoBinary.temp("lambda-events.jsonl", Self.events)
        let worker = "python3 " + CortadoBinary.packageRoot + "/examples/workers/example_worker.py"
        guard let (s1, viaWorker) = CortadoBinary.run(["run", def, "--events", events, "--worker", worker, "--worker-concurrency", "2"]) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(s1 == 0)
        #expect(viaWorker.split(separator: "\n").map(String.init) == (1...40).map(Self.expected))

        guard let server = TestServer() else { Issue.record("could not start the test server"); return }
        defer { server.stop() }
        let (s2, viaHTTP) = try #require(CortadoBinary.run(["run", def, "--events", events, "--lambda-endpoint", "http://127.0.0.1:\(server.port)"]))
        #expect(s2 == 0)
        #expect(viaHTTP == viaWorker)
    }

    @Test func httpInvokeAgainstALocalServer() throws {
        guard let server = TestServer() else { Issue.record("could not start the test server"); return }
        defer { server.stop() }
        let def = CortadoBinary.temp("http-workload.asl.json", """
            {"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke",
              "Parameters":{"ApiEndpoint":"http://127.0.0.1:\(server.port)/echo","Method":"POST","RequestBody":{"value.$":"$.value"}},
              "ResultSelector":{"status.$":"$.StatusCode","sent.$":"$.ResponseBody.json"},"End":true}}}
            """)
        let events = CortadoBinary.temp("http-events.jsonl", Self.events)
        guard let (status, out) = CortadoBinary.run(["run", def, "--events", events]) else { Issue.record("not built"); return }
        #expect(status == 0)
        #expect(out.split(separator: "\n").map(String.init) ==
                (1...40).map { #"{"line":\#($0),"status":"SUCCEEDED","output":{"status":200,"sent":{"value":\#($0)}}}"# })
    }

    /// `cortado test-state` of a Task without a mock calls the backends given, as AWS calls
    /// the service; with none it asks for a mock.
    @Test func testStateCallsTheWorker() throws {
        let req = CortadoBinary.temp("ts-worker.json", #"""
            {"definition":"{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:123456789012:function:double\",\"ResultPath\":\"$.r\",\"End\":true}",
             "input":"{\"value\":21}","roleArn":"arn:aws:iam::123456789012:role/x","inspectionLevel":"DEBUG"}
            """#)
        let worker = "python3 " + CortadoBinary.packageRoot + "/examples/workers/example_worker.py"
        guard let (status, out) = CortadoBinary.run(["test-state", req, "--worker", worker]) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(status == 0, "\(out)")
        let r = try JSON.parse(out)
        #expect(r["status"] == "SUCCEEDED", "\(out)")
        #expect(try JSON.parse(r["output"]?.stringValue ?? "") == ["value": 21, "r": ["value": 42]])
        #expect(try JSON.parse(r["inspectionData"]?["result"]?.stringValue ?? "") == ["value": 42])
        guard let (refused, msg) = CortadoBinary.run(["test-state", req]) else { return }
        #expect(refused == 1 && msg.contains("ValidationException") && msg.contains("give a mock"), "\(msg)")
    }
}
