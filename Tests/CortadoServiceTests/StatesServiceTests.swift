import CortadoJSON
import CortadoRuntime
import CortadoService
import CortadoTasks
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One service (in memory unless given a data dir) and typed calls to it.
struct API {
    let service: StatesService

    init(dataDirectory: String? = nil) throws {
        var o = ServiceOptions { _ in UnroutedTasks(tokensWait: true) }
        o.dataDirectory = dataDirectory
        service = try StatesService(options: o)
    }

    /// Calls `action`; returns the body, or the error code as `["__type": code, ...]`.
    @discardableResult
    func call(_ action: String, _ body: JSON) async -> JSON {
        await raw(action, body.serializedBytes)
    }

    func raw(_ action: String, _ bytes: [UInt8]) async -> JSON {
        let r = await service.handle(target: "AWSStepFunctions.\(action)", body: bytes)
        let json = (try? JSON.parse(r.body)) ?? .null
        #expect((r.status == 200) == (r.errorCode == nil))
        return json
    }

    func errorCode(_ action: String, _ body: JSON) async -> String? { await call(action, body)["__type"]?.stringValue }

    static let role = "arn:aws:iam::123456789012:role/test"

    func create(_ name: String, _ definition: String, type: String = "STANDARD") async -> String {
        let r = await call("CreateStateMachine", ["name": .string(name), "definition": .string(definition),
                                                  "roleArn": .string(API.role), "type": .string(type)])
        return r["stateMachineArn"]?.stringValue ?? "missing: \(r.serialized)"
    }

    func start(_ machine: String, input: String = "{}", name: String? = nil) async -> String {
        var body: JSONObject = ["stateMachineArn": .string(machine), "input": .string(input)]
        if let name { body["name"] = .string(name) }
        let r = await call("StartExecution", .object(body))
        return r["executionArn"]?.stringValue ?? "missing: \(r.serialized)"
    }

    func describe(_ execution: String) async -> JSON { await call("DescribeExecution", ["executionArn": .string(execution)]) }

    func history(_ execution: String) async -> [JSON] {
        await call("GetExecutionHistory", ["executionArn": .string(execution)])["events"]?.arrayValue ?? []
    }

    /// Polls (bounded: a liveness guard, not a timing assertion) until `check` holds.
    func eventually(_ what: String, _ check: () async -> Bool) async {
        for _ in 0..<3000 {
            if await check() { return }
            usleep(10_000)
        }
        Issue.record("never happened: \(what)")
    }

    /// The tokens in the TaskScheduled parameters (`{"token.$": "$$.Task.Token"}`) of `execution`.
    func tokens(_ execution: String, count: Int = 1) async -> [String] {
        var found: [String] = []
        await eventually("\(count) task token(s) in the history of \(execution)") {
            found = await history(execution).compactMap { e -> String? in
                guard e["type"]?.stringValue == "TaskScheduled",
                      let p = e["taskScheduledEventDetails"]?["parameters"]?.stringValue,
                      let j = try? JSON.parse(p) else { return nil }
                return j["token"]?.stringValue
            }
            return found.count >= count
        }
        return found
    }

    func status(_ execution: String) async -> String? { await describe(execution)["status"]?.stringValue }

    func finalStatus(_ execution: String) async -> String? {
        await eventually("\(execution) ends") { await status(execution) != "RUNNING" }
        return await status(execution)
    }
}

func temporaryDirectory() -> String {
    var g = SystemRandomNumberGenerator()
    let path = "/tmp/cortado-service-test-\(String(g.next() as UInt64, radix: 16))"
    mkdir(path, 0o755)
    return path
}

let approval = #"""
    {"StartAt":"Ask","States":{
      "Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
             "Parameters":{"QueueUrl":"q","token.$":"$$.Task.Token","order.$":"$.order"},
             "ResultPath":"$.answer","Catch":[{"ErrorEquals":["Rejected"],"ResultPath":"$.rejected","Next":"No"}],
             "Next":"Yes"},
      "Yes":{"Type":"Pass","End":true},
      "No":{"Type":"Pass","End":true}}}
    """#

@Suite struct StateMachineActionTests {
    @Test func createDescribeUpdateListDelete() async throws {
        let api = try API()
        let def = #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#
        let arn = await api.create("m1", def)
        #expect(arn == "arn:aws:states:us-east-1:111111111111:stateMachine:m1")
        #expect(await api.create("m1", def) == arn)  // same name and definition: the same machine
        let other = #"{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}"#
        #expect(await api.errorCode("CreateStateMachine", ["name": "m1", "definition": .string(other), "roleArn": .string(API.role)])
                == "StateMachineAlreadyExists")
        let d = await api.call("DescribeStateMachine", ["stateMachineArn": .string(arn)])
        #expect(d["definition"]?.stringValue == def)
        #expect(d["type"] == "STANDARD")
        #expect(d["status"] == "ACTIVE")
        let u = await api.call("UpdateStateMachine", ["stateMachineArn": .string(arn), "definition": .string(other)])
        #expect(u["revisionId"] != nil)
        #expect(await api.call("DescribeStateMachine", ["stateMachineArn": .string(arn)])["definition"]?.stringValue == other)
        _ = await api.create("m2", def, type: "EXPRESS")
        let list = await api.call("ListStateMachines", [:])["stateMachines"]?.arrayValue ?? []
        #expect(list.compactMap { $0["name"]?.stringValue } == ["m1", "m2"])
        let page = await api.call("ListStateMachines", ["maxResults": 1])
        #expect(page["stateMachines"]?.arrayValue?.count == 1)
        #expect(page["nextToken"] != nil)
        await api.call("DeleteStateMachine", ["stateMachineArn": .string(arn)])
        #expect(await api.errorCode("DescribeStateMachine", ["stateMachineArn": .string(arn)]) == "StateMachineDoesNotExist")
    }

    /// AWS's recorded revision rules: none until the first update that changes something; an
    /// update that changes nothing keeps it. DescribeStateMachineForExecution has no status,
    /// type or creationDate, and always an updateDate.
    @Test func revisionIdsFollowRealChanges() async throws {
        let api = try API()
        let def = #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#
        let arn = await api.create("rev", def)
        #expect(await api.call("DescribeStateMachine", ["stateMachineArn": .string(arn)])["revisionId"] == nil)
        let other = #"{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}"#
        let first = await api.call("UpdateStateMachine", ["stateMachineArn": .string(arn), "definition": .string(other)])["revisionId"]
        #expect(first != nil)
        let again = await api.call("UpdateStateMachine", ["stateMachineArn": .string(arn), "definition": .string(other), "roleArn": .string(API.role)])
        #expect(again["revisionId"] == first)
        #expect(await api.call("DescribeStateMachine", ["stateMachineArn": .string(arn)])["revisionId"] == first)
        let logging = await api.call("UpdateStateMachine", ["stateMachineArn": .string(arn), "loggingConfiguration": ["level": "OFF"]])
        #expect(logging["revisionId"] == first)  // the default, spelled out: no change
        let e = await api.start(await api.create("fresh", def))
        let d = await api.call("DescribeStateMachineForExecution", ["executionArn": .string(e)])
        #expect(d["updateDate"] != nil && d["status"] == nil && d["type"] == nil && d["creationDate"] == nil && d["revisionId"] == nil)
    }

    /// Recorded against AWS: a level other than OFF needs exactly one destination; what is
    /// left out takes its default.
    @Test func loggingConfigurationsAreCheckedAndCompleted() async throws {
        let api = try API()
        let def = #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#
        for config: JSON in [["level": "ALL"], ["level": "ERROR", "destinations": []],
                             ["level": "OFF", "destinations": [["cloudWatchLogsLogGroup": ["logGroupArn": "a"]], ["cloudWatchLogsLogGroup": ["logGroupArn": "b"]]]]] {
            let r = await api.call("CreateStateMachine", ["name": "log", "definition": .string(def), "roleArn": .string(API.role), "loggingConfiguration": config])
            #expect(r["__type"] == "InvalidLoggingConfiguration", "\(config)")
            #expect(r["message"] == "Invalid Logging Configuration: Must specify exactly one Log Destination.")
        }
        let loud = await api.call("CreateStateMachine", ["name": "log", "definition": .string(def), "roleArn": .string(API.role), "loggingConfiguration": ["level": "LOUD"]])
        #expect(loud["message"] == "1 validation error detected: Value 'LOUD' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]")
        #expect(await api.errorCode("ValidateStateMachineDefinition", ["definition": .string(def), "type": "BOGUS"]) == "ValidationException")
        let r = await api.call("CreateStateMachine", ["name": "log", "definition": .string(def), "roleArn": .string(API.role), "loggingConfiguration": ["destinations": []]])
        let d = await api.call("DescribeStateMachine", ["stateMachineArn": r["stateMachineArn"] ?? .null])
        #expect(d["loggingConfiguration"] == ["level": "OFF", "includeExecutionData": false, "destinations": []])
    }

    /// Request-shape errors in AWS's recorded words, checked before anything is looked up;
    /// machines are listed by name in byte order.
    @Test func listingsCheckTheirRequestsAndSortByName() async throws {
        let api = try API()
        let def = #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#
        for name in ["m_2", "m_10", "m_1"] { _ = await api.create(name, def) }
        let names = await api.call("ListStateMachines", [:])["stateMachines"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["m_1", "m_10", "m_2"])
        #expect(await api.call("ListStateMachines", ["maxResults": 1001])["message"]
                == "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")
        let long = String(repeating: "t", count: 1025)
        #expect(await api.call("ListStateMachines", ["nextToken": .string(long)])["message"]
                == .string("1 validation error detected: Value '\(long)' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024"))
        let missing = "arn:aws:states:us-east-1:111111111111:stateMachine:none"
        #expect(await api.call("ListExecutions", ["stateMachineArn": .string(missing), "statusFilter": "succeeded"])["message"]
                == "1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]")
        #expect(await api.call("UpdateStateMachine", ["stateMachineArn": .string(missing)])["message"]
                == "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
    }

    /// Unparseable execution input in AWS's recorded (Jackson's) words.
    @Test func badExecutionInputIsWordedLikeAWS() async throws {
        let api = try API()
        let arn = await api.create("in", #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        for (input, message) in [
            ("not some json", "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
            ("{'not': 'json'", "Unexpected character (''' (code 39)): was expecting double-quote to start field name"),
            ("", "Invalid execution input."),
        ] {
            let r = await api.call("StartExecution", ["stateMachineArn": .string(arn), "input": .string(input)])
            #expect(r["__type"] == "InvalidExecutionInput")
            #expect(r["message"] == .string("Invalid State Machine Execution Input: '\(message)'"))
        }
        for input in ["2", "\"some text\"", "null"] {
            #expect(await api.call("StartExecution", ["stateMachineArn": .string(arn), "input": .string(input)])["executionArn"] != nil)
        }
    }

    /// Tags as AWS records them: a key is set once (tagging it again replaces its value),
    /// keys list in the order first set, untagging an absent key is no error, and an ARN that
    /// names no state machine (a version's) is ResourceNotFound.
    @Test func tagsAreKeptPerStateMachine() async throws {
        let api = try API()
        let def = #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#
        let r = await api.call("CreateStateMachine", ["name": "tagged", "definition": .string(def), "roleArn": .string(API.role),
                                                      "tags": [["key": "key1", "value": "value1"], ["key": "key2", "value": "value2"]]])
        let arn = r["stateMachineArn"] ?? .null
        #expect(await api.call("ListTagsForResource", ["resourceArn": arn])["tags"]
                == [["key": "key1", "value": "value1"], ["key": "key2", "value": "value2"]])
        #expect(await api.call("TagResource", ["resourceArn": arn, "tags": [["key": "key1", "value": ""], ["key": "key3", "value": "v"]]]) == [:])
        #expect(await api.call("UntagResource", ["resourceArn": arn, "tagKeys": ["key2", "absent", "key2"]]) == [:])
        #expect(await api.call("ListTagsForResource", ["resourceArn": arn])["tags"]
                == [["key": "key1", "value": ""], ["key": "key3", "value": "v"]])
        let version = "\(arn.stringValue ?? ""):1"
        let missing = await api.call("TagResource", ["resourceArn": .string(version), "tags": [["key": "k", "value": "v"]]])
        #expect(missing["__type"] == "ResourceNotFound")
        #expect(missing["message"] == .string("Resource not found: '\(version)'"))
        #expect(await api.call("TagResource", ["resourceArn": arn, "tags": [["key": "", "value": "v"]]])["__type"] == "ValidationException")
    }

    @Test func badRequestsGetAWSErrors() async throws {
        let api = try API()
        let def = #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#
        let arn = await api.create("m", def)
        #expect(await api.raw("ListStateMachines", Array("{not json".utf8))["__type"] == "SerializationException")
        #expect(await api.raw("ListStateMachines", Array("[1]".utf8))["__type"] == "SerializationException")
        #expect(await api.errorCode("ListStateMachines", ["bogus": 1]) == "ValidationException")
        #expect(await api.errorCode("DescribeStateMachine", ["stateMachineArn": "nope"]) == "InvalidArn")
        #expect(await api.errorCode("DescribeStateMachine", [:]) == "ValidationException")
        #expect(await api.errorCode("DescribeStateMachine", ["stateMachineArn": 5]) == "SerializationException")
        #expect(await api.errorCode("DescribeExecution", ["executionArn": .string(arn)]) == "InvalidArn")
        #expect(await api.errorCode("DescribeExecution", ["executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:x"])
                == "ExecutionDoesNotExist")
        #expect(await api.errorCode("CreateStateMachine", ["name": "bad", "definition": "{\"StartAt\":\"X\"}", "roleArn": .string(API.role)])
                == "InvalidDefinition")
        #expect(await api.errorCode("CreateStateMachine", ["name": "has space", "definition": .string(def), "roleArn": .string(API.role)])
                == "InvalidName")
        #expect(await api.errorCode("CreateStateMachine", ["name": "r", "definition": .string(def), "roleArn": "role"]) == "InvalidArn")
        #expect(await api.errorCode("StartExecution", ["stateMachineArn": .string(arn), "input": "{oops"]) == "InvalidExecutionInput")
        let big = "\"" + String(repeating: "x", count: 262_145) + "\""
        #expect(await api.errorCode("StartExecution", ["stateMachineArn": .string(arn), "input": .string(big)]) == "ValidationException")
        #expect(await api.errorCode("StartSyncExecution", ["stateMachineArn": .string(arn)]) == "StateMachineTypeNotSupported")
        #expect(await api.errorCode("NoSuchAction", [:]) == "UnknownOperationException")
        #expect(await api.errorCode("SendTaskSuccess", ["taskToken": "x", "output": "{}"]) == "InvalidToken")
        #expect(await api.errorCode("SendTaskSuccess", ["taskToken": "0123456789abcdef0123456789abcdef-0123456789abcdef", "output": "{}"])
                == "TaskDoesNotExist")
    }

    @Test func validateStateMachineDefinition() async throws {
        let api = try API()
        let ok = await api.call("ValidateStateMachineDefinition", ["definition": #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#])
        #expect(ok["result"] == "OK")
        let bad = await api.call("ValidateStateMachineDefinition", ["definition": #"{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"}}}"#])
        #expect(bad["result"] == "FAIL")
        #expect(bad["diagnostics"]?.arrayValue?.first?["code"] == "MISSING_TRANSITION_TARGET")
    }

    /// Recorded against AWS (ValidateStateMachineDefinition): Jackson names the source text in
    /// the message and as the location.
    @Test func anUnparseableDefinitionIsReportedWithJacksonsSource() async throws {
        let api = try API()
        let r = await api.call("ValidateStateMachineDefinition", ["definition": "not a definition"])
        let d = r["diagnostics"]?.arrayValue?.first
        #expect(r["result"] == "FAIL" && d?["code"] == "INVALID_JSON_DESCRIPTION")
        let source = #"[Source: (String)"not a definition"; line: 1, column: 4]"#
        #expect(d?["location"]?.stringValue == source)
        #expect(d?["message"]?.stringValue == "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at " + source)
        #expect(await api.call("ValidateStateMachineDefinition", ["definition": "{}"])["diagnostics"]?.arrayValue?.first?["message"]
                == "These fields are required: [States, StartAt]")
    }

    /// Express workflows take request-response integrations only: `type` EXPRESS refuses a
    /// `.waitForTaskToken` Resource, in AWS's recorded words; STANDARD takes it.
    @Test func anExpressMachineRefusesACallbackIntegration() async throws {
        let api = try API()
        let definition = #"{"StartAt":"Send","States":{"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}}}"#
        let express = await api.call("ValidateStateMachineDefinition", ["definition": .string(definition), "type": "EXPRESS"])
        #expect(express["result"] == "FAIL")
        #expect(express["diagnostics"]?.arrayValue?.first?["message"] == "Express state machine does not support '.waitForTaskToken' service integration ")
        #expect(express["diagnostics"]?.arrayValue?.first?["location"] == "/States/Send/Resource")
        #expect(await api.call("ValidateStateMachineDefinition", ["definition": .string(definition)])["result"] == "OK")
        let created = await api.call("CreateStateMachine", ["name": "cb", "definition": .string(definition), "roleArn": .string(API.role), "type": "EXPRESS"])
        #expect(created["__type"] == "InvalidDefinition")
        #expect(created["message"] == "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at /States/Send/Resource'")
        #expect(await api.create("cb", definition).hasPrefix("arn:aws:states:"))
    }

    /// DescribeStateMachine lists the variables each state reads (recorded against AWS for
    /// this definition, a Choice reading two and a Pass reading one); with none, no field.
    @Test func describeListsVariableReferences() async throws {
        let api = try API()
        let arn = await api.create("refs", #"{"StartAt":"Setup","States":{"Setup":{"Type":"Pass","Assign":{"guess":"g","answer":"a"},"Next":"CheckAnswer"},"CheckAnswer":{"Type":"Choice","Choices":[{"Variable":"$guess","StringEqualsPath":"$answer","Next":"Done"}],"Default":"WrongAnswer"},"WrongAnswer":{"Type":"Pass","Assign":{"guess.$":"$answer"},"Next":"CheckAnswer"},"Done":{"Type":"Succeed"}}}"#)
        let d = await api.call("DescribeStateMachine", ["stateMachineArn": .string(arn)])
        #expect(d["variableReferences"] == ["CheckAnswer": ["answer", "guess"], "WrongAnswer": ["answer"]])
        let plain = await api.create("plain", #"{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"x.$":"$.a"},"End":true}}}"#)
        #expect(await api.call("DescribeStateMachine", ["stateMachineArn": .string(plain)])["variableReferences"] == nil)
    }
}

@Suite struct ExecutionActionTests {
    @Test func theApprovalFlowSucceedsWithTheSentOutput() async throws {
        let api = try API()
        let machine = await api.create("approve", approval)
        let e = await api.start(machine, input: #"{"order":7}"#, name: "first")
        #expect(e == "arn:aws:states:us-east-1:111111111111:execution:approve:first")
        let tokens = await api.tokens(e)
        #expect(await api.status(e) == "RUNNING")
        let sent = await api.call("SendTaskSuccess", ["taskToken": .string(tokens[0]), "output": #"{"approved":true}"#])
        #expect(sent == [:])
        #expect(await api.finalStatus(e) == "SUCCEEDED")
        let output = await api.describe(e)["output"]?.stringValue.flatMap { try? JSON.parse($0) }
        #expect(output == ["order": 7, "answer": ["approved": true]])
        // AWS: a token whose task already ended is TaskTimedOut, not TaskDoesNotExist.
        #expect(await api.errorCode("SendTaskSuccess", ["taskToken": .string(tokens[0]), "output": "{}"]) == "TaskTimedOut")
        let types = await api.history(e).compactMap { $0["type"]?.stringValue }
        #expect(types == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded",
                          "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"])
        let scheduled = await api.history(e).first { $0["type"] == "TaskScheduled" }
        #expect(scheduled?["taskScheduledEventDetails"]?["resourceType"] == "sqs")
        #expect(scheduled?["taskScheduledEventDetails"]?["resource"] == "sendMessage.waitForTaskToken")
        let list = await api.call("ListExecutions", ["stateMachineArn": .string(machine), "statusFilter": "SUCCEEDED"])
        #expect(list["executions"]?.arrayValue?.count == 1)
    }

    @Test func aFailureSentForTheTokenIsCaught() async throws {
        let api = try API()
        let e = await api.start(await api.create("approve", approval), input: #"{"order":8}"#)
        let token = await api.tokens(e)[0]
        await api.call("SendTaskFailure", ["taskToken": .string(token), "error": "Rejected", "cause": "too expensive"])
        #expect(await api.finalStatus(e) == "SUCCEEDED")
        let output = await api.describe(e)["output"]?.stringValue.flatMap { try? JSON.parse($0) }
        #expect(output?["rejected"] == ["Error": "Rejected", "Cause": "too expensive"])
    }

    @Test func aTokenWhoseHeartbeatWasMissedAnswersTaskTimedOut() async throws {
        let api = try API()
        let def = #"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","HeartbeatSeconds":1,"Parameters":{"token.$":"$$.Task.Token"},"End":true}}}"#
        let e = await api.start(await api.create("hb", def))
        let token = await api.tokens(e)[0]
        #expect(await api.call("SendTaskHeartbeat", ["taskToken": .string(token)]) == [:])
        #expect(await api.finalStatus(e) == "FAILED")
        #expect(await api.describe(e)["error"] == "States.HeartbeatTimeout")
        #expect(await api.errorCode("SendTaskSuccess", ["taskToken": .string(token), "output": "{}"]) == "TaskTimedOut")
    }

    @Test func stopExecutionAbortsIt() async throws {
        let api = try API()
        let def = #"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}"#
        let e = await api.start(await api.create("w", def))
        await api.eventually("the Wait is entered") { await api.history(e).count >= 2 }
        let r = await api.call("StopExecution", ["executionArn": .string(e), "error": "Ops", "cause": "by hand"])
        #expect(r["stopDate"] != nil)
        #expect(await api.finalStatus(e) == "ABORTED")
        let d = await api.describe(e)
        #expect(d["error"] == "Ops")
        #expect(d["cause"] == "by hand")
        #expect(await api.history(e).last?["type"] == "ExecutionAborted")
        // AWS records the abort as following event 0.
        #expect(await api.history(e).last?["previousEventId"] == 0)
    }

    /// Recorded against AWS: DescribeExecution of a timed-out execution has no error or cause.
    @Test func aTimedOutExecutionIsDescribedWithoutErrorOrCause() async throws {
        let api = try API()
        let e = await api.start(await api.create("slow", #"{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}"#))
        #expect(await api.finalStatus(e) == "TIMED_OUT")
        let d = await api.describe(e)
        #expect(d["error"] == nil && d["cause"] == nil && d["stopDate"] != nil)
        #expect(await api.history(e).last?["executionTimedOutEventDetails"]?["error"] == "States.Timeout")
    }

    @Test func startSyncExecutionReturnsTheResult() async throws {
        let api = try API()
        let def = #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}"#
        let machine = await api.create("sync", def, type: "EXPRESS")
        let r = await api.call("StartSyncExecution", ["stateMachineArn": .string(machine), "input": #"{"n":21}"#])
        #expect(r["status"] == "SUCCEEDED")
        #expect(r["output"]?.stringValue.flatMap { try? JSON.parse($0) } == ["doubled": 42])
        #expect(r["executionArn"]?.stringValue?.contains(":express:sync:") == true)
        // AWS's recording: a synchronous Express execution's `$$.Execution` has no RedriveCount.
        let context = await api.create("ctx", #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"e.$":"$$.Execution"},"End":true}}}"#, type: "EXPRESS")
        let c = await api.call("StartSyncExecution", ["stateMachineArn": .string(context)])
        let e = c["output"]?.stringValue.flatMap { try? JSON.parse($0) }?["e"]
        #expect(e?["RedriveCount"] == nil && e?["Id"]?.stringValue?.contains(":express:ctx:") == true, "\(String(describing: e))")
        let failing = await api.create("fails", #"{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}"#, type: "EXPRESS")
        let f = await api.call("StartSyncExecution", ["stateMachineArn": .string(failing)])
        #expect(f["status"] == "FAILED")
        #expect(f["error"] == "E")
        #expect(f["cause"] == "C")
    }

    @Test func listExecutionsRejectsExpressMachines() async throws {
        // AWS: "This API action is not supported by EXPRESS state machines."
        let api = try API()
        let machine = await api.create("express", #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#, type: "EXPRESS")
        _ = await api.call("StartSyncExecution", ["stateMachineArn": .string(machine)])
        #expect(await api.errorCode("ListExecutions", ["stateMachineArn": .string(machine)]) == "StateMachineTypeNotSupported")
        let standard = await api.create("standard", #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        #expect(await api.call("ListExecutions", ["stateMachineArn": .string(standard)])["executions"] == .array([]))
    }

    /// Recorded against AWS: an Express execution cannot be described, stopped or have its
    /// history read; text that is no ARN is an "Invalid ARN prefix".
    @Test func expressExecutionsAreNotRecordsAndBadARNsAreNamed() async throws {
        let api = try API()
        let machine = await api.create("express", #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#, type: "EXPRESS")
        let e = await api.start(machine)
        #expect(e.contains(":express:express:"))
        for action in ["DescribeExecution", "StopExecution", "GetExecutionHistory"] {
            let r = await api.call(action, ["executionArn": .string(e)])
            #expect(r["__type"] == "InvalidArn", "\(action)")
            #expect(r["message"] == "Invalid Arn: 'Resource type not valid in this context: express'", "\(action)")
        }
        let bad = await api.call("DescribeStateMachine", ["stateMachineArn": "not_a_valid_arn"])
        #expect(bad["message"] == "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'")
        #expect(await api.call("DescribeExecution", ["executionArn": .string(machine)])["message"]
                == "Invalid Arn: 'Resource type not valid in this context: stateMachine'")
    }

    @Test func startingTheSameNameTwice() async throws {
        let api = try API()
        let machine = await api.create("approve", approval)
        let a = await api.start(machine, input: #"{"order":1}"#, name: "n")
        #expect(await api.start(machine, input: #"{"order":1}"#, name: "n") == a)
        #expect(await api.errorCode("StartExecution", ["stateMachineArn": .string(machine), "name": "n", "input": #"{"order":2}"#])
                == "ExecutionAlreadyExists")
    }
}

@Suite struct JournalTests {
    static let twoApprovals = #"""
        {"StartAt":"First","States":{
          "First":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                   "Parameters":{"token.$":"$$.Task.Token"},"ResultPath":"$.first","Next":"Second"},
          "Second":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters":{"token.$":"$$.Task.Token"},"ResultPath":"$.second","End":true}}}
        """#

    @Test func aRestartedServiceResumesWaitingExecutionsWithTheSameTokens() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = try API(dataDirectory: dir)
        let machine = await before.create("two", Self.twoApprovals)
        await before.call("TagResource", ["resourceArn": .string(machine), "tags": [["key": "team", "value": "ops"]]])
        var executions: [String] = []
        for i in 0..<3 { executions.append(await before.start(machine, input: #"{"i":\#(i)}"#, name: "e\(i)")) }
        // Execution 0 gets its first answer before the "crash"; its second token is pending.
        let first0 = await before.tokens(executions[0])[0]
        await before.call("SendTaskSuccess", ["taskToken": .string(first0), "output": #"{"a":1}"#])
        let second0 = await before.tokens(executions[0], count: 2)[1]
        let first1 = await before.tokens(executions[1])[0]
        let first2 = await before.tokens(executions[2])[0]
        // A finished execution stays describable after the restart.
        let done = await before.start(await before.create("pass", #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#))
        #expect(await before.finalStatus(done) == "SUCCEEDED")

        // NOTE: `before` is simply abandoned, as a killed process would be.
        let after = try API(dataDirectory: dir)
        #expect(after.service.runningExecutions == 3)
        #expect(await after.call("ListTagsForResource", ["resourceArn": .string(machine)])["tags"] == [["key": "team", "value": "ops"]])
        #expect(await after.status(done) == "SUCCEEDED")
        #expect(await after.call("SendTaskSuccess", ["taskToken": .string(second0), "output": #"{"b":2}"#]) == [:])
        await after.call("SendTaskSuccess", ["taskToken": .string(first1), "output": "1"])
        await after.call("SendTaskFailure", ["taskToken": .string(first2), "error": "No"])
        #expect(await after.finalStatus(executions[0]) == "SUCCEEDED")
        let out0 = await after.describe(executions[0])["output"]?.stringValue.flatMap { try? JSON.parse($0) }
        #expect(out0 == ["i": 0, "first": ["a": 1], "second": ["b": 2]])
        let second1 = await after.tokens(executions[1], count: 2)[1]
        await after.call("SendTaskSuccess", ["taskToken": .string(second1), "output": "2"])
        #expect(await after.finalStatus(executions[1]) == "SUCCEEDED")
        #expect(await after.finalStatus(executions[2]) == "FAILED")
        #expect(await after.describe(executions[2])["error"] == "No")

        // And once more: everything ended, nothing runs after a second restart.
        let again = try API(dataDirectory: dir)
        #expect(again.service.runningExecutions == 0)
        #expect(await again.status(executions[1]) == "SUCCEEDED")
    }
}
