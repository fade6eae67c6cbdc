import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime
import Synchronization
import Testing

@Suite struct PassAndPathsTests {
    @Test func passResultPathAndOutputPath() throws {
        let r = try Harness.run("""
            {"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","OutputPath":"$.r","End":true}}}
            """, input: #"{"keep":true}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == ["x": 1])
    }

    @Test func inputPathParametersAndNullPaths() throws {
        let r = try Harness.run("""
            {"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a","Parameters":{"v.$":"$.b","c":"lit","n":{"d.$":"$.b"}},"Next":"B"},
             "B":{"Type":"Pass","InputPath":null,"ResultPath":"$.x","End":true}}}
            """, input: #"{"a":{"b":5}}"#)
        // B: InputPath null gives {} as the Pass result; ResultPath $.x puts it into B's raw input.
        #expect(r.output == ["v": 5, "c": "lit", "n": ["d": 5], "x": [:]])
    }

    @Test func resultPathNullKeepsInput() throws {
        let r = try Harness.run(#"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":null,"End":true}}}"#,
                                input: #"{"k":"v"}"#)
        #expect(r.output == ["k": "v"])
    }

    @Test func missingInputPathIsRuntimeErrorWithAWSCause() throws {
        let r = try Harness.run(#"{"StartAt":"pass","States":{"pass":{"Type":"Pass","InputPath":"$.nope","End":true}}}"#)
        #expect(r.errorName == "States.Runtime")
        #expect(r.error?.cause == "An error occurred while executing the state 'pass' (entered at the event id #2). Invalid path '$.nope' : No results for path: $['nope']")
    }

    @Test func missingParameterPathNamesTheField() throws {
        let r = try Harness.run(#"{"StartAt":"p","States":{"p":{"Type":"Pass","Parameters":{"v.$":"$.x"},"End":true}}}"#,
                                input: #"{"a":1}"#)
        #expect(r.error?.cause == #"An error occurred while executing the state 'p' (entered at the event id #2). The JSONPath '$.x' specified for the field 'v.$' could not be found in the input '{"a":1}'"#)
    }

    @Test func contextObjectFields() throws {
        let r = try Harness.run("""
            {"StartAt":"S","States":{"S":{"Type":"Pass","Parameters":{"name.$":"$$.State.Name","sm.$":"$$.StateMachine.Name","input.$":"$$.Execution.Input","start.$":"$$.Execution.StartTime"},"End":true}}}
            """, input: #"{"q":1}"#)
        #expect(r.output?["name"] == "S")
        #expect(r.output?["sm"] == "sm")
        #expect(r.output?["input"] == ["q": 1])
        #expect(r.output?["start"] == "2023-11-14T22:13:20.000Z")
    }

    @Test func dataLimitExceeded() throws {
        let big = String(repeating: "a", count: 300_000)
        let r = try Harness.run(#"{"StartAt":"S","States":{"S":{"Type":"Pass","Result":{"a":"\#(big)"},"End":true}}}"#)
        #expect(r.errorName == "States.DataLimitExceeded")
        #expect(r.error?.cause == "The state/task 'S' returned a result with a size exceeding the maximum number of bytes service limit.")
    }
}

@Suite struct FailAndChoiceTests {
    @Test func failWithLiteralsAndPaths() throws {
        let r = try Harness.run(#"{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$$.State.Name"}}}"#,
                                input: #"{"e":"Boom"}"#)
        #expect(r.status == .failed)
        #expect(r.errorName == "Boom")
        #expect(r.error?.cause == "F")
    }

    /// ErrorPath/CausePath must select a string; a number was written as "5" (regression).
    @Test func failPathsThatSelectNoStringAreRuntimeErrors() throws {
        let def = #"{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.ArrayGetItem($.c, 0)"}}}"#
        let number = try Harness.run(def, input: #"{"e":5,"c":["x"]}"#)
        #expect(number.errorName == "States.Runtime")
        #expect(number.error?.cause?.hasSuffix("The ErrorPath parameter does not reference a string value: $.e == 5") == true)
        let object = try Harness.run(def, input: #"{"e":"E","c":[{"a":1}]}"#)
        #expect(object.errorName == "States.Runtime")
        #expect(object.error?.cause?.hasSuffix(#"The CausePath parameter does not reference a string value: States.ArrayGetItem($.c, 0) == {"a":1}"#) == true)
        let fine = try Harness.run(def, input: #"{"e":"E","c":["x"]}"#)
        #expect(fine.errorName == "E" && fine.error?.cause == "x")
    }

    /// Express's five-minute limit is every host's default (ExecutionOptions); nil lifts it.
    @Test func expressTimeLimitIsTheDefault() throws {
        let p = try Harness.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":301,"End":true}}}"#)
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .virtual, backend: HandlerRegistry())
        #expect(o.executionTimeoutSeconds == ExpressLimits.executionSeconds)
        let limited = Execution(program: p, input: [:], options: o).runToCompletion()
        #expect(limited.status == .timedOut)
        #expect(limited.error == ASLError(.timeout, "Execution timed out."))
        o.executionTimeoutSeconds = nil
        #expect(Execution(program: p, input: [:], options: o).runToCompletion().status == .succeeded)
    }

    /// A machine that loops through states without waiting ends at its time limit on either
    /// clock (it never returned to the deadline check, and hung: `cortado exec` never ended);
    /// on the virtual clock, where computing takes no time, the limit counts in real time.
    @Test func aLoopWithoutWaitsEndsAtTheTimeLimit() throws {
        let p = try Harness.program(#"""
            {"TimeoutSeconds":1,"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
             "B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}}
            """#)
        for clock in [ClockMode.virtual, .real] {
            let o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: clock, backend: HandlerRegistry())
            let r = Execution(program: p, input: [:], options: o).runToCompletion()
            #expect(r.status == .timedOut, "\(clock)")
            #expect(r.error == ASLError(.timeout, "Execution timed out."))
        }
    }

    /// AWS's recordings of Express executions: an `...:express:...` Id; RedriveCount 0 for
    /// an asynchronous one (StartExecution), as for STANDARD, and none for a synchronous one
    /// (StartSyncExecution). The host says which (`redriveCount`), not the ARN. Bug: every
    /// `:express:` ARN had lost RedriveCount.
    @Test func redriveCountFollowsHowTheExecutionStarted() throws {
        let p = try Harness.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"e.$":"$$.Execution"},"End":true}}}"#)
        var o = ExecutionOptions(executionName: "e", stateMachineName: "sm", clock: .virtual, backend: HandlerRegistry())
        #expect(Execution(program: p, input: [:], options: o).runToCompletion().output?["e"]?["RedriveCount"] == 0)
        o.customExecutionArn = "arn:aws:states:us-east-1:111111111111:express:sm:e:0d8c7c3c-6b7e-4b1e-9a55-2f4f5b1c3a11"
        let async = Execution(program: p, input: [:], options: o).runToCompletion().output?["e"]
        #expect(async?["RedriveCount"] == 0)
        #expect(async?["Id"]?.stringValue == o.customExecutionArn)
        o.redriveCount = nil
        let sync = Execution(program: p, input: [:], options: o).runToCompletion().output?["e"]
        #expect(sync?["RedriveCount"] == nil && sync?["Name"] == "e")
    }

    @Test func failWithoutErrorIsNull() throws {
        let r = try Harness.run(#"{"StartAt":"F","States":{"F":{"Type":"Fail"}}}"#)
        #expect(r.status == .failed)
        #expect(r.error?.name == nil)
        #expect(r.error?.cause == nil)
    }

    @Test func choiceRoutesAndDefaults() throws {
        let def = """
            {"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
              {"Not":{"Variable":"$.n","IsPresent":true},"Next":"None"},
              {"And":[{"Variable":"$.t","StringEquals":"p"},{"Variable":"$.n","NumericGreaterThan":5}],"Next":"Hi"}],"Default":"Lo"},
             "Hi":{"Type":"Pass","Result":"hi","End":true},"Lo":{"Type":"Pass","Result":"lo","End":true},
             "None":{"Type":"Pass","Result":"none","End":true}}}
            """
        #expect(try Harness.run(def, input: #"{"t":"p","n":6}"#).output == "hi")
        #expect(try Harness.run(def, input: #"{"t":"p","n":5}"#).output == "lo")
        #expect(try Harness.run(def, input: #"{"t":"p"}"#).output == "none")
        // A rule that reads a missing path fails the execution (AWS); IsPresent guards it.
        let r = try Harness.run(def, input: #"{"n":6}"#)
        #expect(r.errorName == "States.Runtime")
        #expect(r.error?.cause == "An error occurred while executing the state 'C' (entered at the event id #2). Invalid path '$.t': The choice state's condition path references an invalid value.")
    }

    @Test func noChoiceMatchedIsRuntime() throws {
        let r = try Harness.run(#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}"#,
                                input: #"{"a":1}"#)
        #expect(r.errorName == "States.Runtime")
    }
}

@Suite struct WaitTests {
    @Test func virtualClockWaitsTakeNoTimeButAdvanceTimestamps() throws {
        let r = try Harness.run("""
            {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"Next":"P"},
             "P":{"Type":"Pass","Parameters":{"t.$":"$$.State.EnteredTime"},"End":true}}}
            """)
        #expect(r.output?["t"] == "2023-11-15T22:13:20.000Z")
    }

    @Test func secondsPathErrors() throws {
        let def = #"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}"#
        #expect(try Harness.run(def, input: #"{"s":-1}"#).error?.cause?.hasSuffix("The SecondsPath parameter references a negative value: $.s == -1") == true)
        #expect(try Harness.run(def, input: #"{"s":1.5}"#).error?.cause?.hasSuffix("cannot be parsed as a long value: $.s == 1.5") == true)
        #expect(try Harness.run(def, input: #"{"s":2}"#).status == .succeeded)
    }

    @Test func timestampPathValidation() throws {
        let def = #"{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}"#
        #expect(try Harness.run(def, input: #"{"t":"2016-03-14T01:59:00Z"}"#).status == .succeeded)
        let bad = try Harness.run(def, input: #"{"t":"2016-13-05T21:29:29Z"}"#)
        #expect(bad.error?.cause?.hasSuffix("does not reference a valid ISO-8601 extended offset date-time format string: $.t == 2016-13-05T21:29:29Z") == true)
        // A path that selects nothing: the words AWS records for SecondsPath, not Jayway's.
        let missing = try Harness.run(def, input: "{}")
        #expect(missing.errorName == "States.Runtime")
        #expect(missing.error?.cause == "An error occurred while executing the state 'W' (entered at the event id #2). The TimestampPath parameter does not reference an input value: $.t")
    }

    /// AWS refuses a delay of 24,856 days ("Wait state delay is too long.") and waits 24,855
    /// (recorded against AWS); Cortado waited for any timestamp.
    @Test func delaysBeyondWhatAWSRepresentsAreRuntimeErrors() throws {
        let day: Int64 = 86_400_000, start: Int64 = 1_700_000_000_000
        let def = #"{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}"#
        func at(_ days: Int64) -> String { #"{"t":"\#(Timestamp(milliseconds: start + days * day).iso8601)"}"# }
        #expect(try Harness.run(def, input: at(24_855), startTime: start).status == .succeeded)
        let far = try Harness.run(def, input: at(24_856), startTime: start)
        #expect(far.errorName == "States.Runtime")
        #expect(far.error?.cause == "An error occurred while executing the state 'W' (entered at the event id #2). Wait state delay is too long.")
        let seconds = try Harness.run(#"{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}"#,
                                      input: #"{"s":2147483648}"#)
        #expect(seconds.error?.cause?.hasSuffix("Wait state delay is too long.") == true)
    }
}

/// Counts task invocations per state so tests can see retry behaviour.
final class Flaky: TaskBackend, @unchecked Sendable {
    let failures: Int
    let error: String
    let calls = Mutex<[Int]>([])
    init(failures: Int, error: String = "Custom.Error") { self.failures = failures; self.error = error }
    func invoke(_ r: TaskRequest) -> TaskOutcome {
        calls.withLock { $0.append(r.attempt) }
        if r.attempt < failures { return .failure(ASLError(ErrorName(error), "attempt \(r.attempt)")) }
        return .success(["ok": .number(JSONNumber(r.attempt))])
    }
}

@Suite struct RetryCatchTests {
    @Test func retryUntilSuccessCountsAttempts() throws {
        let backend = Flaky(failures: 2)
        let r = try Harness.run("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["Custom.Error"],"MaxAttempts":3}],"End":true}}}
            """, backend: backend)
        #expect(r.output == ["ok": 2])
        #expect(backend.calls.withLock { $0 } == [0, 1, 2])
    }

    @Test func retriersAreMatchedInOrderAndExhaustedThenCaught() throws {
        let backend = Flaky(failures: 10)
        let r = try Harness.run("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r",
              "Retry":[{"ErrorEquals":["Other"],"MaxAttempts":5},{"ErrorEquals":["States.ALL"],"MaxAttempts":2}],
              "Catch":[{"ErrorEquals":["Nope"],"Next":"X"},{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.err","Next":"C"}],"End":true},
             "X":{"Type":"Fail"},"C":{"Type":"Pass","End":true}}}
            """, input: #"{"in":1}"#, backend: backend)
        #expect(backend.calls.withLock { $0 } == [0, 1, 2])
        #expect(r.output == ["in": 1, "err": ["Error": "Custom.Error", "Cause": "attempt 2"]])
    }

    @Test func maxAttemptsZeroNeverRetries() throws {
        let backend = Flaky(failures: 1)
        let r = try Harness.run("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":0}],"End":true}}}
            """, backend: backend)
        #expect(r.errorName == "Custom.Error")
        #expect(backend.calls.withLock { $0 } == [0])
    }

    @Test func statesAllDoesNotCatchRuntime() throws {
        let r = try Harness.run("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","InputPath":"$.missing",
              "Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}
            """)
        #expect(r.errorName == "States.Runtime")
    }

    @Test func backoffUsesVirtualTime() throws {
        let backend = Flaky(failures: 3)
        let r = try Harness.run("""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":10,"BackoffRate":2,"MaxAttempts":3}],"Next":"P"},
             "P":{"Type":"Pass","Parameters":{"t.$":"$$.State.EnteredTime"},"End":true}}}
            """, backend: backend)
        // 10 + 20 + 40 seconds of back-off.
        #expect(r.output?["t"] == "2023-11-14T22:14:30.000Z")
    }

    /// A BackoffRate raised to many retries grows past any clock: each back-off is at most a
    /// year (`Retrier.milliseconds`). Before, the second retry here trapped on an overflow.
    @Test func hugeBackoffsDoNotOverflowTheClock() throws {
        let r = try Harness.run("""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}],
              "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":99999999,"MaxAttempts":5,"BackoffRate":99999999}],
              "Catch":[{"ErrorEquals":["E"],"Next":"T"}],"End":true},
             "T":{"Type":"Pass","Parameters":{"t.$":"$$.State.EnteredTime"},"End":true}}}
            """)
        // Five back-offs of a year each (no AWS execution lives longer than one).
        #expect(r.output?["t"] == "2028-11-17T22:13:20.000Z")
        #expect(Retrier.milliseconds(.infinity) == 31_622_400_000)
        #expect(Retrier.milliseconds(1.0006) == 1001)
    }

    @Test func unknownResourceFailsClearly() throws {
        let r = try Harness.run(#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:x","End":true}}}"#)
        #expect(r.status == .failed)
        #expect(r.error?.cause?.contains("arn:aws:lambda:x") == true)
    }
}

@Suite struct MapParallelTests {
    @Test func mapWithItemSelectorAndContext() throws {
        let r = try Harness.run("""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":2,
              "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},
              "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ResultPath":"$.out","End":true}}}
            """, input: #"{"xs":["a","b","c"],"k":9}"#)
        #expect(r.output?["out"] == [["i": 0, "v": "a", "k": 9], ["i": 1, "v": "b", "k": 9], ["i": 2, "v": "c", "k": 9]])
    }

    @Test func mapOfEmptyArray() throws {
        let r = try Harness.run(#"{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#,
                                input: "[]")
        #expect(r.output == [])
    }

    @Test func mapInputMustBeArray() throws {
        let r = try Harness.run(#"{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#,
                                input: #"{"a":1}"#)
        #expect(r.error?.name == .runtime)
        #expect(r.error?.cause?.hasSuffix(#"Reference path "$" must point to array."#) == true)
        let ctx = try Harness.run(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$$.Execution.Input","Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}"#,
                                  input: #"{"a":1}"#)
        #expect(ctx.error?.cause?.hasSuffix(#"Reference path "$.Execution.Input" must point to array."#) == true)
    }

    @Test func mapFailurePropagatesAndCanBeCaught() throws {
        let r = try Harness.run("""
            {"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"c"}}},
              "Catch":[{"ErrorEquals":["E"],"Next":"Ok"}],"End":true},"Ok":{"Type":"Pass","End":true}}}
            """, input: "[1,2]")
        #expect(r.output == ["Error": "E", "Cause": "c"])
    }

    @Test func parallelKeepsBranchOrderAcrossWaits() throws {
        let r = try Harness.run("""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
              {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"A"},"A":{"Type":"Pass","Result":"slow","End":true}}},
              {"StartAt":"B","States":{"B":{"Type":"Pass","Result":"fast","End":true}}}],
              "ResultSelector":{"first.$":"$[0]","both.$":"$"},"End":true}}}
            """)
        #expect(r.output == ["first": "slow", "both": ["slow", "fast"]])
    }

    @Test func toleratedFailures() throws {
        let def = """
            {"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
              "ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":0,"Next":"F"}],"Default":"OK"},
                "F":{"Type":"Fail","Error":"Bad"},"OK":{"Type":"Pass","End":true}}},"End":true}}}
            """
        #expect(try Harness.run(def, input: "[0,1,2]").status == .succeeded)
        #expect(try Harness.run(def, input: "[0,0,2]").errorName == "States.ExceedToleratedFailureThreshold")
    }
}

@Suite struct EventTests {
    @Test func eventIDsFollowAWSNumbering() throws {
        let p = try Harness.program(#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"}}}"#)
        let types = Mutex<[String]>([])
        _ = Harness.run(p, input: [:], events: { e in types.withLock { $0.append("\(e.id):\(e.type)") } })
        #expect(types.withLock { $0 } == ["1:ExecutionStarted", "2:PassStateEntered", "3:PassStateExited",
                                          "4:SucceedStateEntered", "5:SucceedStateExited", "6:ExecutionSucceeded"])
    }
}
