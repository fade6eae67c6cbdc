import CortadoAWS
import ArgumentParser
import CortadoHTTP
import CortadoJSON
import CortadoRuntime
import CortadoServer
import CortadoService
import CortadoTasks
import Dispatch

/// `cortado serve`: the AWS Step Functions API on a local port, for boto3 and the AWS CLI.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the AWS Step Functions API (AWS JSON 1.0) for boto3 and the AWS CLI.",
        discussion: """
            Point a client at it with --endpoint-url, e.g.
              aws stepfunctions --endpoint-url http://127.0.0.1:8083 \\
                  list-state-machines
              boto3.client("stepfunctions",
                  endpoint_url="http://127.0.0.1:8083",
                  config=botocore.config.Config(inject_host_prefix=False))

            StartSyncExecution and TestState: botocore puts "sync-" in front of the
            host name (http://sync-127.0.0.1:8083), which does not resolve. Turn that
            off with AWS_DISABLE_HOST_PREFIX_INJECTION=true in the environment (AWS CLI
            and boto3), the config-file line disable_host_prefix_injection = true, or
            in boto3 Config(inject_host_prefix=False). The server accepts any Host.

            Actions: CreateStateMachine, DescribeStateMachine, UpdateStateMachine,
            DeleteStateMachine, ListStateMachines, StartExecution, StartSyncExecution,
            DescribeExecution, DescribeStateMachineForExecution, StopExecution,
            ListExecutions, GetExecutionHistory, SendTaskSuccess, SendTaskFailure,
            SendTaskHeartbeat, ValidateStateMachineDefinition, TestState.

            Task states use the same backends as `cortado run` (--tasks, --mock-config with
            the state machine's name, --worker, --lambda-endpoint). A `.waitForTaskToken`
            task that nothing routes waits for SendTaskSuccess/SendTaskFailure; its token
            is in the TaskScheduled event of GetExecutionHistory (parameters), as in AWS.
            TestState of a Task without a mock calls those backends too, as AWS calls
            the service (with --aws, the AWS integration); activity, .sync and
            .waitForTaskToken tasks need a mock, as in AWS.

            With --data-dir, machines, executions and accepted task answers are journaled:
            after a crash or kill -9 the restarted server resumes the waiting executions
            and their task tokens stay valid.
            """)

    @Option(name: .long, help: "TCP port (0 picks a free one; the port is printed).") var port: Int = 8083
    @Option(name: .long, help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(name: .customLong("data-dir"), help: "Journal directory: executions waiting on task tokens survive a restart.")
    var dataDir: String?
    @Flag(name: .customLong("sync-journal"), help: "fsync each journal record (survives an OS crash, slower).")
    var syncJournal = false
    @Option(name: .long, help: "The AWS account in ARNs (default: 111111111111, as `exec` and `run`).")
    var account: String = ExecutionOptions.defaultAccount
    @Option(name: .long, help: "The AWS region in ARNs.") var region: String = "us-east-1"
    @OptionGroup(title: "Task backends") var taskOptions: TaskOptions
    @Option(name: .long, help: ArgumentHelp(
        "Require SigV4-signed requests from the access keys of this AWS credentials file.",
        discussion: "The file is in ~/.aws/credentials' format ([profile] sections with aws_access_key_id and aws_secret_access_key). Requests that are unsigned, signed with another key or a wrong secret, or over 15 minutes old are refused with 403 and AWS's error (MissingAuthenticationTokenException, UnrecognizedClientException, InvalidSignatureException). Without it any request is served (on 127.0.0.1 only, by default)."))
    var auth: String?

    func run() throws {
        var verifier: SigV4Verifier?
        if let auth {
            guard let bytes = CLI.readFile(auth) else {
                CLI.stderr("cortado serve: cannot read --auth \(auth): \(CLI.errorMessage())")
                throw ExitCode(2)
            }
            let v = SigV4Verifier(credentialsFile: String(decoding: bytes, as: UTF8.self))
            guard !v.secrets.isEmpty else {
                CLI.stderr("cortado serve: --auth \(auth) holds no aws_access_key_id/aws_secret_access_key pair")
                throw ExitCode(2)
            }
            verifier = v
        }
        var base = taskOptions
        base.mockConfig = nil
        let chain: any TaskBackend
        let cleanup: () -> Void
        do { (chain, cleanup) = try base.backend(machine: "", tokensWait: true) } catch {
            CLI.stderr("cortado serve: \(error)")
            throw ExitCode(2)
        }
        defer { cleanup() }
        var mocks: JSON?
        if let path = taskOptions.mockConfig {
            guard let bytes = CLI.readFile(path), let json = try? JSON.parse(bytes) else {
                CLI.stderr("cortado serve: cannot read mock config \(path) as JSON")
                throw ExitCode(2)
            }
            mocks = json
        }
        let testCase = taskOptions.testCase ?? "default"
        let mockConfig = mocks
        var options = ServiceOptions { name in
            // A machine named in the mock config is mocked; others use the shared backends.
            if let mockConfig, let m = try? MockBackend(config: mockConfig, stateMachine: name, testCase: testCase, fallback: chain) {
                return m
            }
            return chain
        }
        options.account = account
        options.region = region
        options.dataDirectory = dataDir
        options.syncJournal = syncJournal
        do { options.objectStore = try taskOptions.objectStore() } catch { CLI.stderr("cortado serve: \(error)"); throw ExitCode(2) }
        let service: StatesService
        do { service = try StatesService(options: options) } catch {
            CLI.stderr("cortado serve: \(error.message)")
            throw ExitCode(2)
        }
        defer { service.shutdown() }
        let resumed = service.runningExecutions
        let host = self.host
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        Task {
            do {
                try await StatesServer.run(service: service, host: host, port: port, verifier: verifier) { bound in
                    var note = "cortado serve: listening on http://\(host):\(bound)"
                    if let dataDir { note += " (data dir \(dataDir), \(resumed) running executions resumed)" }
                    CLI.stderr(note)
                }
            } catch { failure = error }
            done.signal()
        }
        done.wait()
        if let failure {
            CLI.stderr("cortado serve: \(failure)")
            throw ExitCode(1)
        }
    }
}

/// `cortado send-task-success TOKEN OUTPUT` and its siblings: answer a `.waitForTaskToken`
/// task of a running `cortado serve` from a terminal.
struct SendTaskSuccess: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-task-success",
        abstract: "Complete a task that waits for its token (SendTaskSuccess) on a `cortado serve`.",
        discussion: "Example: cortado send-task-success \"$TOKEN\" '{\"approved\": true}'")
    @Argument(help: "The task token ($$.Task.Token).") var token: String
    @Argument(help: "The task's output: JSON text, or @FILE to read it from a file.") var output: String
    @OptionGroup var endpoint: EndpointOption

    func run() throws {
        var text = output
        if output.hasPrefix("@") {
            guard let bytes = CLI.readFile(String(output.dropFirst())) else {
                CLI.stderr("cortado send-task-success: cannot read \(output.dropFirst()): \(CLI.errorMessage())")
                throw ExitCode(2)
            }
            text = String(decoding: bytes, as: UTF8.self)
        }
        guard (try? JSON.parse(Array(text.utf8))) != nil else {
            CLI.stderr("cortado send-task-success: OUTPUT is not valid JSON: \(text.prefix(200))")
            throw ExitCode(2)
        }
        try endpoint.call("SendTaskSuccess", ["taskToken": .string(token), "output": .string(text)], command: "send-task-success")
    }
}

struct SendTaskFailure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-task-failure",
        abstract: "Fail a task that waits for its token (SendTaskFailure) on a `cortado serve`.",
        discussion: "Example:\n  cortado send-task-failure \"$TOKEN\" --error Rejected --cause 'not approved'")
    @Argument(help: "The task token ($$.Task.Token).") var token: String
    @Option(name: .long, help: "The error name (what Retry/Catch match).") var error: String?
    @Option(name: .long, help: "The cause.") var cause: String?
    @OptionGroup var endpoint: EndpointOption

    func run() throws {
        var body: JSONObject = ["taskToken": .string(token)]
        if let error { body["error"] = .string(error) }
        if let cause { body["cause"] = .string(cause) }
        try endpoint.call("SendTaskFailure", body, command: "send-task-failure")
    }
}

struct SendTaskHeartbeat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-task-heartbeat",
        abstract: "Report that a task is alive (SendTaskHeartbeat) on a `cortado serve`.")
    @Argument(help: "The task token ($$.Task.Token).") var token: String
    @OptionGroup var endpoint: EndpointOption

    func run() throws {
        try endpoint.call("SendTaskHeartbeat", ["taskToken": .string(token)], command: "send-task-heartbeat")
    }
}

struct EndpointOption: ParsableArguments {
    @Option(name: .customLong("endpoint-url"),
            help: "The `cortado serve` endpoint (default: $CORTADO_ENDPOINT or http://127.0.0.1:8083).")
    var endpointURL: String?

    /// Calls one action; prints an API error as `CODE: message` and exits 1.
    func call(_ action: String, _ body: JSONObject, command: String) throws {
        let url = endpointURL ?? CLI.environment("CORTADO_ENDPOINT") ?? "http://127.0.0.1:8083"
        let reply: AWSJSONClient.Reply
        do {
            reply = try AWSJSONClient.call(endpoint: url, target: "AWSStepFunctions.\(action)", body: JSON.object(body).serializedBytes)
        } catch {
            CLI.stderr("cortado \(command): cannot reach \(url): \(error)")
            throw ExitCode(2)
        }
        guard reply.status == 200 else {
            let json = try? JSON.parse(reply.body)
            let code = json?["__type"]?.stringValue ?? "HTTP \(reply.status)"
            CLI.stderr("cortado \(command): \(code): \(json?["message"]?.stringValue ?? String(decoding: reply.body, as: UTF8.self))")
            throw ExitCode(1)
        }
    }
}
