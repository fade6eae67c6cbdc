import ArgumentParser
import CortadoJSON
import CortadoJSONata
import CortadoPath
import Foundation

/// `cortado eval EXPR`: a JSONata expression (or a JSONPath / intrinsic) against a document,
/// from the terminal, like jq.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a JSONata expression (default) or a JSONPath against a document, like jq.",
        discussion: """
            JSONata is evaluated as AWS Step Functions evaluates it (JSONata 2.0.6 with
            $partition, $range, $hash, $random, $uuid and $parse; no $eval);
            --plain-jsonata is the language as its own project ships it. --jsonpath takes a
            path ($.a.b, $..x, $.items[?(@.n > 1)]) or an intrinsic (States.Format('{}',
            $.a)); --bindings gives `$$` as {"$$": {...}}.
              cortado eval '$sum(items.price)' --input order.json
              echo '{"a":[1,2,3]}' | cortado eval 'a[$ > 1]' --input -
              cortado eval --jsonpath '$.items[0].name' --input order.json
            Prints the value as JSON; with --json one object: {"value": ...}, {"undefined":
            true} or {"error": {"code", "message"}} (the contract of
            ../shared/jsonata-suite/run).
            Exit status: 0, or 1 when the expression fails (an error, not undefined).
            """)

    @Argument(help: "The expression (or give --expr-file).") var expression: String?
    @Option(name: .customLong("expr-file"), help: "Read the expression from this file.") var exprFile: String?
    @Option(name: .long, help: "The input document: a JSON file, or - for stdin. Default: none (JSONata's undefined).")
    var input: String?
    @Option(name: .long, help: "A JSON object of variables ($name -> value) the expression may read.") var bindings: String?
    @Flag(name: .long, help: "Print one JSON object: {\"value\"}, {\"undefined\"} or {\"error\"}.") var json = false
    @Flag(name: .long, help: "JSONata (the default).") var jsonata = false
    @Flag(name: .long, help: "A JSONPath or States.* intrinsic instead of JSONata.") var jsonpath = false
    @Flag(name: .customLong("plain-jsonata"), help: "JSONata 2.0.6 as its project ships it ($eval, no AWS functions).")
    var plainJSONata = false

    func validate() throws {
        if (expression == nil) == (exprFile == nil) { throw ValidationError("give the expression or --expr-file, not both") }
        if jsonata && jsonpath { throw ValidationError("--jsonata and --jsonpath exclude each other") }
    }

    func run() throws {
        var source = expression ?? ""
        if let exprFile {
            guard let b = CLI.readFile(exprFile) else { CLI.stderr("cortado eval: cannot read \(exprFile): \(CLI.errorMessage())"); throw ExitCode(2) }
            source = String(decoding: b, as: UTF8.self)
        }
        var document: JSON?
        if let input {
            guard let b = CLI.readFile(input) else { CLI.stderr("cortado eval: cannot read \(input): \(CLI.errorMessage())"); throw ExitCode(2) }
            do { document = try JSON.parse(b) } catch { CLI.stderr("cortado eval: \(input) is not JSON: \(error)"); throw ExitCode(2) }
        }
        var vars: [String: JSON] = [:]
        if let bindings {
            guard let b = CLI.readFile(bindings), case .object(let o)? = try? JSON.parse(b) else {
                CLI.stderr("cortado eval: --bindings \(bindings) must be a JSON object file"); throw ExitCode(2)
            }
            for m in o.members { vars[m.key] = m.value }
        }
        let line: String
        if jsonpath {
            line = Self.jsonPath(source.trimmingCharacters(in: .whitespacesAndNewlines), document ?? .null, context: vars["$$"] ?? .object(JSONObject()))
        } else {
            var options = JSONataOptions(maxDepth: 5000, stackBudgetBytes: 400 << 20, timeLimitMillis: 8000)
            options.stepFunctions = !plainJSONata
            line = JSONataEvalCommand.run(exprSource: source, input: document, bindings: vars, options: options)
        }
        let result = try? JSON.parse(Array(line.utf8))
        if json {
            CLI.stdout(Array((line + "\n").utf8))
        } else if let v = result?["value"] {
            CLI.stdout(v.serializedBytes + [10])
        } else if let e = result?["error"] {
            CLI.stderr("cortado eval: \(e["code"]?.stringValue ?? "error"): \(e["message"]?.stringValue ?? "")")
        } else {
            CLI.stderr("cortado eval: (undefined)")
        }
        if result?["error"] != nil { throw ExitCode(1) }
    }

    /// A JSONPath (definite or not) or an intrinsic call, in the same three-way contract.
    static func jsonPath(_ text: String, _ input: JSON, context: JSON) -> String {
        func failure(_ code: String, _ m: String) -> String {
            JSON.object(["error": .object(["code": .string(code), "message": .string(m)])]).serialized
        }
        if IntrinsicCall.isIntrinsic(text) {
            do {
                let call = try IntrinsicCall.parse(text)
                do { return JSON.object(["value": try call.evaluate(input: input, context: { context })]).serialized }
                catch { return failure(error.name?.rawValue ?? "States.Runtime", error.cause ?? "") }
            } catch { return failure("States.Runtime", error.message) }
        }
        do {
            let path = try JSONPath.parse(text)
            guard let v = path.evaluate(path.isContextPath ? context : input) else { return #"{"undefined":true}"# }
            return JSON.object(["value": v]).serialized
        } catch {
            return failure("INVALID_JSON_PATH", error.message)
        }
    }
}
