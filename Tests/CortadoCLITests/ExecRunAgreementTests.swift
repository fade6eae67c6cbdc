import Testing

/// `cortado exec`, `cortado run` (one line, one worker) and TestState must give the same
/// result for the same definition and input. Each case here is one that differential testing
/// found `exec` and `run` disagreeing on, or both disagreeing with AWS (issue 21).
@Suite struct ExecRunAgreementTests {
    /// exec's object, and run's line with its `"line":1,` taken out (nil: binary not built).
    static func both(_ name: String, _ definition: String, input: String = "{}", flags: [String] = []) -> (exec: String, run: String)? {
        let def = CortadoBinary.temp(name + ".asl.json", definition)
        let inputFile = CortadoBinary.temp(name + ".input.json", input)
        let events = CortadoBinary.temp(name + ".jsonl", input + "\n")
        guard let (_, exec) = CortadoBinary.run(["exec", def, "--input", inputFile, "--execution-name", "line-1"] + flags),
              let (_, run) = CortadoBinary.run(["run", def, "--events", events, "--workers", "1", "--clock", "virtual"] + flags)
        else { return nil }
        let line = run.split(separator: "\n").first.map(String.init) ?? ""
        let prefix = #"{"line":1,"#
        return (String(exec.split(separator: "\n").first ?? ""), line.hasPrefix(prefix) ? "{" + line.dropFirst(prefix.count) : line)
    }

    static let missing = "Invalid path '$.zz': The choice state's condition path references an invalid value."

    static func choice(_ rule: String) -> String {
        #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"#
            + rule + #","Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","Result":"yes","End":true},"N":{"Type":"Pass","Result":"no","End":true}}}"#
    }

    /// A rule on a path that selects nothing fails the execution with States.Runtime, for
    /// every operator but IsPresent (the tape lane said yes to IsTimestamp false, exec no).
    @Test(arguments: [#""Variable":"$.zz","IsTimestamp":false"#, #""Variable":"$.zz","IsNull":false"#,
                      #""Variable":"$.zz","StringEquals":"x""#, #""Variable":"$.zz","NumericLessThan":3"#,
                      #""Variable":"$.a","NumericEqualsPath":"$.zz""#, #""Not":{"Variable":"$.zz","IsString":true}"#])
    func choiceOnAMissingPathFails(_ rule: String) throws {
        // Arguments run in parallel: each its own files.
        guard let (exec, run) = Self.both("missing-\(rule.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xffffff)", Self.choice(rule), input: #"{"a":1}"#) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(exec == run)
        #expect(exec.contains(#""error":"States.Runtime""#), "\(exec)")
        #expect(exec.contains(Self.missing), "\(exec)")
    }

    @Test func isPresentAloneTestsAMissingPath() throws {
        guard let (exec, run) = Self.both("present", Self.choice(#""Variable":"$.zz","IsPresent":false"#)) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(exec == run)
        #expect(exec == #"{"status":"SUCCEEDED","output":"yes"}"#)
    }

    /// ErrorPath and CausePath must select strings (AWS's Fail state documentation); a number
    /// or object was written as JSON text.
    @Test func failPathsMustSelectStrings() throws {
        let def = #"{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.ArrayGetItem($.c, 0)"}}}"#
        guard let (good, goodRun) = Self.both("fail-ok", def, input: #"{"e":"Oops","c":["why"]}"#),
              let (badError, badErrorRun) = Self.both("fail-num", def, input: #"{"e":5,"c":["why"]}"#),
              let (badCause, badCauseRun) = Self.both("fail-obj", def, input: #"{"e":"Oops","c":[{"a":1}]}"#)
        else { Issue.record("the cortado binary is not built"); return }
        #expect(good == goodRun && badError == badErrorRun && badCause == badCauseRun)
        #expect(good == #"{"status":"FAILED","error":"Oops","cause":"why"}"#)
        #expect(badError.contains(#""error":"States.Runtime""#) && badError.contains("ErrorPath"), "\(badError)")
        #expect(badCause.contains(#""error":"States.Runtime""#) && badCause.contains("CausePath"), "\(badCause)")
    }

    /// Only the intrinsics that return a string are accepted in ErrorPath and CausePath.
    @Test func failPathsTakeOnlyStringIntrinsics() throws {
        let def = CortadoBinary.temp("fail-array.asl.json",
            #"{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","CausePath":"States.Array($.a)"}}}"#)
        guard let (status, out) = CortadoBinary.run(["validate", def, "--json"]) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(status == 1)
        #expect(out.contains("SCHEMA_VALIDATION_FAILED") && out.contains("/States/F/CausePath"), "\(out)")
    }

    /// Express's five-minute limit is one rule for both commands, lifted by one flag.
    @Test func theExpressTimeLimitIsTheSameForExecAndRun() throws {
        let def = #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":400,"End":true}}}"#
        guard let (exec, run) = Self.both("wait", def),
              let (execFree, runFree) = Self.both("wait-free", def, flags: ["--no-time-limit"]),
              let (execShort, runShort) = Self.both("wait-short", def, flags: ["--time-limit", "500"])
        else { Issue.record("the cortado binary is not built"); return }
        #expect(exec == run)
        #expect(exec == #"{"status":"TIMED_OUT","error":"States.Timeout","cause":"Execution timed out."}"#)
        #expect(execFree == runFree && execShort == runShort)
        #expect(execFree == #"{"status":"SUCCEEDED","output":{}}"#)
        #expect(execShort == execFree)
    }

    /// `$$.Execution.Id` names one default account in both commands.
    @Test func oneDefaultAccount() throws {
        let def = #"{"StartAt":"S","States":{"S":{"Type":"Pass","Parameters":{"id.$":"$$.Execution.Id"},"End":true}}}"#
        guard let (exec, run) = Self.both("ctx", def) else { Issue.record("the cortado binary is not built"); return }
        #expect(exec == run)
        #expect(exec.contains(":111111111111:execution:ctx:line-1"), "\(exec)")
    }

    /// TestState runs the same rules (its causes carry no state prefix, as on AWS).
    @Test func testStateAgrees() throws {
        let choice = CortadoBinary.temp("ts-choice.json", #"""
            {"definition":"{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.zz\",\"IsTimestamp\":false,\"Next\":\"Y\"}],\"Default\":\"N\"}","input":"{\"a\":1}"}
            """#)
        let fail = CortadoBinary.temp("ts-fail.json", #"""
            {"definition":"{\"Type\":\"Fail\",\"ErrorPath\":\"$.e\"}","input":"{\"e\":[1]}"}
            """#)
        guard let (_, c) = CortadoBinary.run(["test-state", choice]), let (_, f) = CortadoBinary.run(["test-state", fail]) else {
            Issue.record("the cortado binary is not built"); return
        }
        #expect(c.contains(#""error":"States.Runtime""#) && c.contains(Self.missing), "\(c)")
        #expect(f.contains(#""error":"States.Runtime""#) && f.contains("ErrorPath"), "\(f)")
    }
}
