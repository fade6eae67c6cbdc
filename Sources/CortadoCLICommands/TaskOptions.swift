import CortadoAWS
import ArgumentParser
import CortadoASL
import CortadoHTTP
import CortadoJSON
import CortadoRuntime
import CortadoTasks
import Foundation

/// Where Task states go, shared by `exec` and `run`. In order of precedence: the routes of
/// `--tasks FILE`, the states of the mock config's test case, http:invoke and (with
/// `--lambda-endpoint`) Lambda resources over HTTP, then `--worker` processes; anything
/// else fails its execution with a cause saying how to route it.
struct TaskOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Task routes (JSON or YAML): resource patterns to worker, lambda, http, mock or simulate backends.",
                                            discussion: TaskOptions.tasksFileHelp))
    var tasks: String?
    @Option(name: .customLong("mock-config"), help: "AWS Step Functions Local mock config file for Task states.")
    var mockConfig: String?
    @Option(name: .customLong("test-case"), help: "Test case of the mock config (default: default).") var testCase: String?
    @Option(name: .customLong("worker"), help: "A worker command (JSON lines on stdin/stdout; see examples/workers). Repeatable.")
    var workers: [String] = []
    @Option(name: .customLong("worker-concurrency"), help: "Processes started per --worker command.")
    var workerConcurrency: Int = 1
    @Option(name: .customLong("lambda-endpoint"), help: "Send Lambda tasks to this Lambda Invoke API endpoint (e.g. sam local start-lambda).")
    var lambdaEndpoint: String?
    @Flag(name: .customLong("aws"), help: ArgumentHelp(
        "Call AWS for the optimized integrations (dynamodb get/put/update/deleteItem, sqs:sendMessage, sns:publish, events:putEvents) and aws-sdk:* (DynamoDB, Step Functions, Secrets Manager, EventBridge, SQS), signed with SigV4.",
        discussion: "Credentials, region and endpoints as the AWS SDKs find them: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile, AWS_REGION, AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE> (DYNAMODB, SQS, SNS, EVENTBRIDGE) for a local endpoint (moto, DynamoDB Local)."))
    var aws = false
    @Option(name: .customLong("s3-dir"), help: ArgumentHelp(
        "BUCKET=DIR: a Distributed Map's ItemReader and ResultWriter read and write bucket BUCKET in directory DIR. Repeatable.",
        valueName: "bucket=dir"))
    var s3Dirs: [String] = []

    // Shown indented by 8 columns: each line fits in 71 (help breaks lines of 80).
    static let tasksFileHelp = """
        routes:
          - resource: "arn:aws:lambda:*:function:price-*"  # * matches any
            worker: "python3 workers/price.py"
            processes: 2
          - resource: "arn:aws:states:::lambda:invoke"
            lambda: "http://127.0.0.1:3001"
          # a simulated service (load tests):
          - resource: "arn:aws:states:::dynamodb:*"
            simulate: {latency: {p50: 20ms, p99: 200ms}, errorRate: 0.01,
              errors: [{error:
                DynamoDB.ProvisionedThroughputExceededException}]}
          - resource: "*"
            mock: {config: order.mocks.json, testCase: default}
        """

    func validate() throws {
        if workerConcurrency < 1 { throw ValidationError("--worker-concurrency must be at least 1") }
        _ = try objectStore()
    }

    /// The buckets of `--s3-dir`, the others in S3 with `--aws`, or nil with neither.
    func objectStore() throws(CLIError) -> (any ObjectStore)? {
        var remote: (any ObjectStore)? = nil
        if aws {
            let env = AWSEnvironment.load(environment: ProcessInfo.processInfo.environment,
                                          home: ProcessInfo.processInfo.environment["HOME"])
            remote = S3ObjectStore(environment: env, transport: s3Transport)
        }
        guard !s3Dirs.isEmpty else { return remote }
        var dirs: [String: String] = [:]
        for m in s3Dirs {
            guard let eq = m.firstIndex(of: "="), eq != m.startIndex, m.index(after: eq) != m.endIndex else {
                throw CLIError("--s3-dir takes BUCKET=DIR, got '\(m)'")
            }
            dirs[String(m[..<eq])] = String(m[m.index(after: eq)...])
        }
        let local = DirectoryObjectStore(directories: dirs)
        return remote.map { RoutedObjectStore(local: local, remote: $0) } ?? local
    }

    /// Builds the backend chain; `cleanup` stops worker processes and HTTP clients.
    /// - Parameter tokensWait: `.waitForTaskToken` tasks that nothing routes wait for their
    ///   token (the server) instead of failing (exec, run: nobody could answer them).
    func backend(machine: String, tokensWait: Bool = false) throws(CLIError) -> (backend: any TaskBackend, cleanup: () -> Void) {
        var stops: [() -> Void] = []
        var transport: HTTPTransport? = nil
        func http() -> HTTPTransport {
            if let transport { return transport }
            let t = HTTPTransport()
            transport = t
            stops.append { t.shutdown() }
            return t
        }
        func startWorker(_ cmd: String, _ n: Int) throws(CLIError) -> SubprocessWorkerPool {
            do {
                let pool = try SubprocessWorkerPool(shellCommand: cmd, processes: n)
                stops.append { pool.shutdown() }
                return pool
            } catch { throw CLIError("cannot start worker '\(cmd)': \(error)") }
        }
        do throws(CLIError) {
            // Built from the last resort forwards.
            var chain: any TaskBackend = UnroutedTasks(tokensWait: tokensWait)
            if !workers.isEmpty {
                let pools = try workers.map { (cmd) throws(CLIError) -> any TaskBackend in try startWorker(cmd, workerConcurrency) }
                chain = pools.count == 1 ? pools[0] : RoundRobin(pools)
            }
            let lambda = lambdaEndpoint.map { LambdaInvokeBackend(endpoint: $0, transport: http()) }
            if let lambda {
                chain = HTTPTaskRouter(http: HTTPInvokeBackend(transport: http()), lambda: lambda, fallback: chain)
            } else {
                // NOTE: http:invoke is always routed, but its client starts on first use only.
                let lazy = LazyHTTPInvoke()
                stops.append { lazy.shutdown() }
                chain = TaskRouter(rules: [.init(pattern: HTTPInvokeBackend.resource, backend: lazy)], fallback: chain)
            }
            if aws {
                let env = AWSEnvironment.load(environment: ProcessInfo.processInfo.environment,
                                              home: ProcessInfo.processInfo.environment["HOME"])
                let dynamo = DynamoDBIntegration(environment: env, transport: http())
                chain = TaskRouter(rules: DynamoDBIntegration.operations.map {
                    .init(pattern: "arn:aws:states:::dynamodb:" + $0, backend: dynamo)
                } + [
                    // With or without .waitForTaskToken (the token is in the message).
                    .init(pattern: "arn:aws:states:::sqs:sendMessage*", backend: SQSIntegration(environment: env, transport: http())),
                    .init(pattern: "arn:aws:states:::sns:publish*", backend: SNSIntegration(environment: env, transport: http())),
                    .init(pattern: "arn:aws:states:::events:putEvents*", backend: EventBridgeIntegration(environment: env, transport: http())),
                    .init(pattern: "arn:aws:states:::aws-sdk:*", backend: AWSSDKIntegration(environment: env, transport: http())),
                ] + (lambdaEndpoint != nil ? [] : [
                    // Lambda itself, signed, unless --lambda-endpoint names another endpoint.
                    .init(pattern: "arn:aws:states:::lambda:invoke*", backend: LambdaIntegration(environment: env, transport: http())),
                    .init(pattern: "arn:aws:lambda:*", backend: LambdaIntegration(environment: env, transport: http())),
                ]), fallback: chain)
            }
            chain = TokenDelivery(chain)
            if let mockConfig {
                guard let bytes = CLI.readFile(mockConfig) else { throw CLIError("cannot read mock config \(mockConfig): \(CLI.errorMessage())") }
                let json: JSON
                do { json = try JSON.parse(bytes) } catch { throw CLIError("mock config \(mockConfig) is not valid JSON: \(error)") }
                let next = chain
                do { chain = try MockBackend(config: json, stateMachine: machine, testCase: testCase ?? "default", fallback: next) }
                catch { throw CLIError("\(error)") }
            }
            if let tasks {
                chain = TaskRouter(rules: try routes(tasks, http: http, startWorker: startWorker, machine: machine), fallback: chain)
            }
            let all = stops
            return (chain, { for s in all.reversed() { s() } })
        } catch {
            for s in stops.reversed() { s() }
            throw error
        }
    }

    func routes(_ path: String, http: () -> HTTPTransport, startWorker: (String, Int) throws(CLIError) -> SubprocessWorkerPool,
                machine: String) throws(CLIError) -> [TaskRouter.Rule] {
        guard let bytes = CLI.readFile(path) else { throw CLIError("cannot read tasks file \(path): \(CLI.errorMessage())") }
        let doc: JSON
        switch DefinitionLoader.load(bytes: bytes, fileName: path) {
        case .success(let l): doc = l.json
        case .failure(let d): throw CLIError("tasks file \(path): \(d.first?.message ?? "not JSON or YAML")")
        }
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) + "/" : ""
        func relative(_ p: String) -> String { p.hasPrefix("/") ? p : dir + p }
        guard let list = doc["routes"]?.arrayValue else { throw CLIError("tasks file \(path): expected a 'routes' list") }
        var rules: [TaskRouter.Rule] = []
        for (i, r) in list.enumerated() {
            let at = "tasks file \(path), route \(i + 1)"
            guard let pattern = r["resource"]?.stringValue else { throw CLIError("\(at): 'resource' (a pattern) is required") }
            // (A misspelt key would be dropped without a word, and the route would go elsewhere.)
            guard case .object(let fields) = r else { throw CLIError("\(at): a route is an object") }
            let kinds = ["worker", "lambda", "http", "mock", "simulate"]
            for k in fields.keys where !(kinds + ["resource", "processes"]).contains(k) {
                throw CLIError("\(at): unknown key '\(k)' (expected resource and one of \(kinds.joined(separator: ", ")); processes with worker)")
            }
            let given = kinds.filter { fields[$0] != nil }
            if given.count > 1 { throw CLIError("\(at): one backend per route, not \(given.joined(separator: " and "))") }
            if let m = fields["mock"], case .object(let mock) = m {
                for k in mock.keys where !["config", "stateMachine", "testCase"].contains(k) {
                    throw CLIError("\(at): unknown key '\(k)' in mock (expected config, stateMachine, testCase)")
                }
            }
            let backend: any TaskBackend
            if let cmd = r["worker"]?.stringValue {
                backend = try startWorker(cmd, r["processes"]?.numberValue?.int ?? workerConcurrency)
            } else if let endpoint = r["lambda"]?.stringValue {
                backend = LambdaInvokeBackend(endpoint: endpoint, transport: http())
            } else if r["http"]?.boolValue == true {
                backend = HTTPInvokeBackend(transport: http())
            } else if let mock = r["mock"] {
                guard let cfg = mock["config"]?.stringValue, let bytes = CLI.readFile(relative(cfg)),
                      let json = try? JSON.parse(bytes) else { throw CLIError("\(at): mock needs a readable JSON 'config'") }
                do {
                    backend = try MockBackend(config: json, stateMachine: mock["stateMachine"]?.stringValue ?? machine,
                                              testCase: mock["testCase"]?.stringValue ?? "default")
                } catch { throw CLIError("\(at): \(error)") }
            } else if let sim = r["simulate"] {
                do { backend = try SimulatedService.parse(sim) } catch { throw CLIError("\(at): \(error)") }
            } else {
                throw CLIError("\(at): needs one of worker, lambda, http, mock, simulate")
            }
            // Mocks and simulated services answer the task themselves: not a delivery of its token.
            rules.append(.init(pattern: pattern, backend: r["mock"] == nil && r["simulate"] == nil ? TokenDelivery(backend) : backend))
        }
        return rules
    }
}

/// The S3 object store's HTTP client: made on first use, for the life of the process.
let s3Transport = HTTPTransport()

/// Spreads tasks over several backends in turn (several --worker commands).
final class RoundRobin: TaskBackend, @unchecked Sendable {
    let backends: [any TaskBackend]
    let next = NSLock()
    var i = 0
    init(_ b: [any TaskBackend]) { backends = b }
    func invoke(_ r: TaskRequest) -> TaskOutcome {
        next.lock(); let k = i; i = (i + 1) % backends.count; next.unlock()
        return backends[k].invoke(r)
    }
}

/// http:invoke whose HTTP client (and its event-loop thread) starts with the first call.
final class LazyHTTPInvoke: TaskBackend, @unchecked Sendable {
    private let lock = NSLock()
    private var transport: HTTPTransport?
    private var backend: HTTPInvokeBackend?

    func invoke(_ r: TaskRequest) -> TaskOutcome {
        lock.lock()
        if backend == nil {
            let t = HTTPTransport()
            transport = t
            backend = HTTPInvokeBackend(transport: t)
        }
        let b = backend!
        lock.unlock()
        return b.invoke(r)
    }

    func shutdown() {
        lock.lock(); let t = transport; transport = nil; lock.unlock()
        t?.shutdown()
    }
}
