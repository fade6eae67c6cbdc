import CortadoASL
import CortadoJSON

/// The one state a TestState request runs, taken from its definition.
struct TestTarget {
    /// The state's name in the definition (`StateName` for a lone state, as AWS calls it).
    var name: String
    var state: JSONObject
    var type: String
    /// The machine that is compiled and run from the tested state: the definition, or for a
    /// lone state a machine of it and a Succeed state for each transition leading out.
    var machine: JSON = .null

    /// The name AWS gives a lone state when it validates it inside a one-state machine.
    static let loneStateName = "StateName"

    /// Loads and validates `text`, then picks the tested state: the whole definition, or the
    /// state `stateName` (searched in nested Parallel branches and Map processors too).
    /// - Throws: `InvalidDefinition` with AWS's diagnostics text for a definition AWS would
    ///   reject; `ValidationException` for a `stateName` that is not in the definition.
    static func resolve(definitionText: String, stateName: String?) throws(APIError) -> TestTarget {
        let json: JSON
        switch DefinitionLoader.load(text: definitionText, fileName: "definition.json") {
        case .success(let loaded): json = loaded.json
        case .failure(let diagnostics): throw .invalidDefinition(diagnostics)
        }
        guard case .object(let root) = json else { throw .invalidDefinition([]) }
        if let stateName {
            guard root["States"] != nil else {
                throw .validation("When stateName is given, the definition must be a state machine with 'StartAt' and 'States'.")
            }
            let diagnostics = Validator.validate(json).filter { $0.severity == .error }
            if !diagnostics.isEmpty { throw .invalidDefinition(diagnostics) }
            guard var found = find(stateName, in: root, depth: 0) else {
                throw .validation("State not found in definition")
            }
            found.machine = json
            return found
        }
        // A lone state is checked as the only state of a machine; its transitions lead out
        // of that machine, so their targets need not exist nor the machine end.
        let machine: JSON = .object(["StartAt": .string(loneStateName), "States": .object([loneStateName: json])])
        let outOfMachine: Set<Diagnostic.Code> = [.missingTransitionTarget, .missingEndState, .noTerminalState]
        let diagnostics = Validator.validate(machine).filter {
            $0.severity == .error && !outOfMachine.contains($0.code)
        }
        if !diagnostics.isEmpty { throw .invalidDefinition(diagnostics) }
        var states: JSONObject = [loneStateName: json]
        for name in transitions(of: root) where states[name] == nil { states[name] = ["Type": "Succeed"] }
        return TestTarget(name: loneStateName, state: root, type: root["Type"]?.stringValue ?? "",
                          machine: .object(["StartAt": .string(loneStateName), "States": .object(states)]))
    }

    /// The states a state's transitions name: Next, Default, each Choice rule's and Catcher's Next.
    private static func transitions(of state: JSONObject) -> [String] {
        var names: [String] = []
        for key in ["Next", "Default"] { if let n = state[key]?.stringValue { names.append(n) } }
        for key in ["Choices", "Catch"] {
            for entry in state[key]?.arrayValue ?? [] { if let n = entry["Next"]?.stringValue { names.append(n) } }
        }
        return names
    }

    /// Depth-first search of a machine's states, then of its nested machines.
    private static func find(_ name: String, in machine: JSONObject, depth: Int) -> TestTarget? {
        guard depth < 64, case .object(let states)? = machine["States"] else { return nil }
        for (key, value) in states {
            guard case .object(let state) = value else { continue }
            if key == name { return TestTarget(name: key, state: state, type: state["Type"]?.stringValue ?? "") }
        }
        for (_, value) in states {
            guard case .object(let state) = value else { continue }
            for sub in subMachines(of: state) {
                if let found = find(name, in: sub, depth: depth + 1) { return found }
            }
        }
        return nil
    }

    /// Parallel branches and the Map item processor of a state.
    static func subMachines(of state: JSONObject) -> [JSONObject] {
        var out: [JSONObject] = []
        for b in state["Branches"]?.arrayValue ?? [] { if let o = b.objectValue { out.append(o) } }
        for key in ["ItemProcessor", "Iterator"] { if let o = state[key]?.objectValue { out.append(o) } }
        return out
    }

    /// Every state name inside the nested machines of `state` (for `errorCausedByState`).
    static func nestedStateNames(of state: JSONObject, depth: Int = 0) -> Set<String> {
        guard depth < 64 else { return [] }
        var names: Set<String> = []
        for sub in subMachines(of: state) {
            for (key, value) in sub["States"]?.objectValue ?? JSONObject() {
                names.insert(key)
                if let o = value.objectValue { names.formUnion(nestedStateNames(of: o, depth: depth + 1)) }
            }
        }
        return names
    }
}

extension APIError {
    /// `InvalidDefinition` worded as AWS words it:
    /// `Invalid State Machine Definition: 'CODE: message at /pointer, CODE: ...'`.
    static func invalidDefinition(_ diagnostics: [Diagnostic]) -> APIError {
        let parts = diagnostics.map { "\($0.code.rawValue): \($0.message) at \($0.location)" }
        let text = parts.isEmpty ? "SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object at /" : parts.joined(separator: ", ")
        return .invalidDefinition("Invalid State Machine Definition: '\(text)'")
    }
}
