import ArgumentParser

/// The `cortado` command: validate, run one execution, batch runs, load tests, benchmarks, the API.
public struct CortadoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cortado",
        abstract: "Run Amazon States Language (AWS Step Functions) state machines locally and fast.",
        discussion: """
            Cortado compiles a definition once and runs Express-style executions with AWS's
            semantics: the same output, error and cause that AWS gives.

            Examples:
              cortado validate machine.asl.json
              cortado exec machine.asl.json --input input.json
              cortado run machine.asl.json --events events.jsonl --out results.jsonl
              cortado eval '$sum(items.price)' --input order.json   (JSONata, like jq)
              cortado load machine.asl.json --events e.jsonl --rate 500 --duration 30s \\
                  --report-html r.html
              cortado bench suite.yaml --baseline base.json
              cortado graph machine.asl.json --format svg --out machine.svg
              cortado serve --port 8083 --data-dir state/   (AWS API for boto3, aws CLI)
            """,
        version: "0.1.0",
        subcommands: [Validate.self, Exec.self, Run.self, Merge.self, Eval.self, Load.self, Bench.self, Graph.self, Serve.self, SendTaskSuccess.self,
                      SendTaskFailure.self, SendTaskHeartbeat.self, TestStateCommand.self]
    )
    public init() {}
}
