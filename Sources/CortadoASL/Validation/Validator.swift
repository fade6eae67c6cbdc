import CortadoJSON

/// Checks a definition the way AWS's ValidateStateMachineDefinition does.
public enum Validator {
    /// Every problem in `definition`, all at once (never only the first), each with a
    /// JSON Pointer location and, when `sourceMap` is given, a line and column.
    /// An empty result means AWS would accept the definition.
    /// - Parameter express: the definition is for an EXPRESS state machine (the API's `type`),
    ///   which takes only request-response integrations.
    public static func validate(_ definition: JSON, sourceMap: SourceMap? = nil, express: Bool = false) -> [Diagnostic] {
        var check = DefinitionCheck()
        check.express = express
        check.checkRoot(definition)
        var diagnostics = check.diagnostics
        if let sourceMap {
            for i in diagnostics.indices where diagnostics[i].line == nil {
                if let p = sourceMap.nearestPosition(of: diagnostics[i].location) {
                    diagnostics[i].line = p.line
                    diagnostics[i].column = p.column
                }
            }
        }
        return diagnostics
    }

    /// Loads and validates in one step: load diagnostics if the text does not load,
    /// else the validator's.
    public static func validate(bytes: [UInt8], fileName: String?) -> [Diagnostic] {
        switch DefinitionLoader.load(bytes: bytes, fileName: fileName) {
        case .success(let loaded): return validate(loaded.json, sourceMap: loaded.sourceMap)
        case .failure(let diagnostics): return diagnostics
        }
    }
}

/// One validation pass: collects diagnostics while walking the definition.
struct DefinitionCheck {
    /// The query language in force for a state (the machine's, or the state's own).
    var diagnostics: [Diagnostic] = []
    /// Every state name seen so far in the whole definition, for DUPLICATE_STATE_NAME.
    var stateNames: Set<String> = []
    /// Nested machines (Parallel branches, Map processors) currently open.
    var machineDepth = 0
    /// The definition is for an EXPRESS state machine (`Validator.validate`).
    var express = false

    /// Deepest nesting of machines, Choice rules or payload templates that is walked;
    /// deeper input is reported rather than recursed into, so no input exhausts the stack.
    static let maxNesting = 200

    mutating func report(_ d: Diagnostic) { diagnostics.append(d) }

    // MARK: - Top level

    static let rootFields: Set<String> = ["Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"]

    mutating func checkRoot(_ definition: JSON) {
        guard case .object(let root) = definition else {
            report(.notAnObject())
            return
        }
        var language = QueryLanguage.jsonPath
        for (key, value) in root {
            let at = "/" + pointerToken(key)
            switch key {
            case "Comment", "Version":
                expectString(value, at: at)
            case "TimeoutSeconds":
                expectInteger(value, min: 1, max: 99_999_999, at: at)
            case "QueryLanguage":
                if let l = queryLanguage(value, at: at) { language = l }
            case "StartAt", "States":
                break   // checked with the machine
            default:
                report(.unsupportedField(key, at: "/"))
            }
        }
        checkMachine(root, at: "", language: language, kind: .root)
    }

    mutating func queryLanguage(_ value: JSON, at pointer: String) -> QueryLanguage? {
        guard case .string(let s) = value else {
            report(.expectedType("String", at: pointer))
            return nil
        }
        guard let l = QueryLanguage(rawValue: s) else {
            report(.notOneOf(["JSONPath", "JSONata"], at: pointer))
            return nil
        }
        return l
    }

    // MARK: - Machines

    enum MachineKind { case root, branch, mapProcessor }

    /// Checks `StartAt`/`States` of the root machine, a Parallel branch or a Map processor,
    /// then every state and the transitions between them. Transitions only ever resolve
    /// within one machine, so a branch cannot jump into its parent.
    mutating func checkMachine(_ machine: JSONObject, at pointer: String, language: QueryLanguage, kind: MachineKind) {
        if kind != .root {
            for (key, value) in machine {
                let at = pointer + "/" + pointerToken(key)
                switch key {
                case "StartAt", "States": break
                case "Comment": expectString(value, at: at)
                case "ProcessorConfig" where kind == .mapProcessor: checkProcessorConfig(value, at: at)
                default: report(.unsupportedField(key, at: pointer))
                }
            }
        }
        // AWS names them in this order: "These fields are required: [States, StartAt]".
        var missing: [String] = []
        if machine["States"] == nil { missing.append("States") }
        if machine["StartAt"] == nil { missing.append("StartAt") }
        if !missing.isEmpty { report(.required(missing, at: pointer)) }

        var startAt: String?
        if let value = machine["StartAt"] {
            if case .string(let s) = value { startAt = s } else { report(.expectedType("String", at: pointer + "/StartAt")) }
        }
        guard let statesValue = machine["States"] else { return }
        guard case .object(let states) = statesValue else {
            report(.expectedType("Object", at: pointer + "/States"))
            return
        }
        if states.isEmpty { report(.emptyObject(at: pointer + "/States")) }

        guard machineDepth < Self.maxNesting else {
            report(Diagnostic(.tooDeeplyNested, "The states are too deeply nested", at: pointer + "/States"))
            return
        }
        machineDepth += 1
        defer { machineDepth -= 1 }

        var graph = TransitionGraph()
        for (name, value) in states {
            let at = pointer + "/States/" + pointerToken(name)
            if name.isEmpty {
                report(.emptyStateName(at: at))
            } else if name.count > 80 {
                report(.stateNameTooLong(name, at: at))
            }
            if !stateNames.insert(name).inserted {
                report(.duplicateStateName(name, at: at))
            }
            guard case .object(let state) = value else {
                report(.expectedType("Object", at: at))
                graph.terminal = true   // do not also claim a missing end state
                continue
            }
            checkState(name: name, state, at: at, machineLanguage: language, graph: &graph)
        }
        checkTransitions(graph, states: states, startAt: startAt, at: pointer)
    }

    /// Edges out of each state, with where each was written.
    struct TransitionGraph {
        struct Edge { var target: String; var field: String; var pointer: String }
        var edges: [String: [Edge]] = [:]
        var terminal = false

        mutating func add(from state: String, to target: String, field: String, at pointer: String) {
            edges[state, default: []].append(Edge(target: target, field: field, pointer: pointer))
        }
    }

    mutating func checkTransitions(_ graph: TransitionGraph, states: JSONObject, startAt: String?, at pointer: String) {
        let names = Set(states.keys)
        // Report in definition order.
        for name in states.keys {
            for edge in graph.edges[name] ?? [] where !names.contains(edge.target) {
                report(.missingTarget(edge.target, field: edge.field, at: edge.pointer))
            }
        }
        guard !states.isEmpty else { return }
        if !graph.terminal {
            report(.noTerminalState(at: pointer + "/States"))
        }
        guard let startAt else { return }
        guard names.contains(startAt) else {
            report(.missingTarget(startAt, at: pointer + "/StartAt"))
            return
        }
        var reached: Set<String> = [startAt]
        var queue = [startAt]
        while let name = queue.popLast() {
            for edge in graph.edges[name] ?? [] where names.contains(edge.target) {
                if reached.insert(edge.target).inserted { queue.append(edge.target) }
            }
        }
        for name in states.keys where !reached.contains(name) {
            report(.unreachable(name, at: pointer + "/States/" + pointerToken(name)))
        }
    }
}
