import ArgumentParser
import CortadoASL
import CortadoJSON
import CortadoLoad

/// `cortado graph DEF`: the state graph as Mermaid, DOT or SVG, optionally coloured by time.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw a definition's state graph (Mermaid, Graphviz DOT or SVG), coloured by per-state time.",
        discussion: """
            Every state is a node; Choice rules label their edges, Retry and Catch edges
            are dashed, Map iterations and Parallel branches are boxes of their own. With
            --metrics, each state is filled by its share of the time, from a metrics line
            of `cortado run --metrics` or a `cortado load` JSON report (the last object
            with "states").

            Examples:
              cortado graph order.asl.json                       (Mermaid, for Markdown)
              cortado graph order.asl.json --format dot | dot -Tpng -o order.png
              cortado run order.asl.json --events e.jsonl --out r.jsonl --metrics m.jsonl
              cortado graph order.asl.json --format svg --metrics m.jsonl --out order.svg
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case mermaid, dot, svg }

    @Argument(help: "The definition file (JSON or YAML).") var definition: String
    @Option(name: .long, help: "mermaid (default), dot or svg.") var format: Format = .mermaid
    @Option(name: .long, help: "Colour states by time from this metrics file or load report.") var metrics: String?
    @Option(name: .long, help: "Write here instead of to stdout.") var out: String?

    func run() throws {
        guard let bytes = CLI.readFile(definition) else {
            CLI.stderr("cortado graph: cannot read \(definition): \(CLI.errorMessage())")
            throw ExitCode(2)
        }
        let loaded: LoadedDefinition
        switch DefinitionLoader.load(bytes: bytes, fileName: definition) {
        case .success(let l): loaded = l
        case .failure(let d):
            for x in d { CLI.stderr("\(definition): \(x)") }
            throw ExitCode(2)
        }
        var heat: StateHeat?
        if let metrics {
            guard let m = CLI.readFile(metrics) else {
                CLI.stderr("cortado graph: cannot read \(metrics): \(CLI.errorMessage())")
                throw ExitCode(2)
            }
            do { heat = try StateHeat(metricsText: String(decoding: m, as: UTF8.self)) } catch {
                CLI.stderr("cortado graph: \(metrics): \(error)")
                throw ExitCode(2)
            }
        }
        let graph = StateGraph(definition: loaded.json)
        let text: String
        switch format {
        case .mermaid: text = graph.mermaid(heat: heat)
        case .dot: text = graph.dot(heat: heat)
        case .svg: text = graph.svg(heat: heat, title: CLI.machineName(nil, path: definition))
        }
        guard let out else { CLI.stdout(Array(text.utf8)); return }
        if !CLI.writeText(out, text) { throw ExitCode(2) }
    }
}
