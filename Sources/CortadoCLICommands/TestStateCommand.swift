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
            """)

    @Argument(help: "The request body file, or - for stdin.") var request: String

    func run() throws {
        guard let bytes = CLI.readFile(request) else {
            CLI.stderr("cortado: cannot read \(request): \(CLI.errorMessage())")
            throw ExitCode(2)
        }
        let response: JSON
        var failed = false
        do {
            guard case .object(let body) = try JSON.parse(bytes) else {
                throw APIError.serialization("The request body must be a JSON object")
            }
            response = .object(try TestStateRunner().run(body))
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
