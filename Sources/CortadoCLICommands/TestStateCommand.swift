import ArgumentParser
import CortadoJSON
import CortadoService

/// `cortado test-state REQUEST.json`: the TestState action without a server.
struct TestStateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-state",
        abstract: "Run one state the way AWS's TestState API does (mocks, inspection levels, stateName).",
        discussion: """
            REQUEST is the action's JSON body as boto3 sends it: definition, input, context
            and variables are JSON strings; plus inspectionLevel, stateName, mock,
            stateConfiguration, roleArn, revealSecrets. Prints the response object on one
            line, or {"exception": CODE, "message": MSG} when the request is rejected (exit
            status 1).

            A Task state without a mock is called on the task backends given (--aws,
            --tasks, --worker, --lambda-endpoint), as AWS calls the service; with none, it
            needs a mock.
            """)

    @Argument(help: "The request body file, or - for stdin.") var request: String
    @OptionGroup(title: "Task backends (for a Task state without a mock)") var taskOptions: TaskOptions

    func run() throws {
        guard let bytes = CLI.readFile(request) else {
            CLI.stderr("cortado: cannot read \(request): \(CLI.errorMessage())")
            throw ExitCode(2)
        }
        var runner = TestStateRunner()
        var base = taskOptions
        base.mockConfig = nil  // (a mock config's test cases are by machine: TestState has its own mock)
        var cleanup: () -> Void = {}
        if base.aws || base.tasks != nil || !base.workers.isEmpty || base.lambdaEndpoint != nil {
            do {
                let (backend, stop) = try base.backend(machine: "")
                runner.backend = backend
                cleanup = stop
            } catch {
                CLI.stderr("cortado test-state: \(error)")
                throw ExitCode(2)
            }
        }
        defer { cleanup() }
        let response: JSON
        var failed = false
        do {
            guard case .object(let body) = try JSON.parse(bytes) else {
                throw APIError.serialization("The request body must be a JSON object")
            }
            response = .object(try runner.run(body))
        } catch let e as APIError {
            response = ["exception": .string(e.code), "message": .string(e.message)]
            failed = true
        } catch {
            response = ["exception": "SerializationException", "message": .string("The request body is not valid JSON: \(error)")]
            failed = true
        }
        CLI.stdout(response.serializedBytes + [10])
        if failed { throw ExitCode(1) }
    }
}
