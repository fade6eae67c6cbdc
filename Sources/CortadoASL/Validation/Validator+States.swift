import CortadoJSON

// MARK: - Which fields each state type accepts

extension DefinitionCheck {
    /// Field sets per state type and query language, from the ASL specification and
    /// AWS's JSONata additions.
    enum StateFields {
        static let types = ["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"]

        private static let common: Set<String> = ["Type", "Comment", "QueryLanguage"]
        private static let jsonPathIO: Set<String> = ["InputPath", "OutputPath"]
        private static let transition: Set<String> = ["Next", "End"]
        private static let errorHandling: Set<String> = ["Retry", "Catch"]
        private static let mapCommon: Set<String> = [
            "ItemProcessor", "Iterator", "ItemSelector", "ItemReader", "ResultWriter", "ItemBatcher", "Label",
            "MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage",
        ]

        static let jsonPath: [String: Set<String>] = [
            "Pass": common.union(jsonPathIO).union(transition).union(["Parameters", "ResultPath", "Result", "Assign"]),
            "Task": common.union(jsonPathIO).union(transition).union(errorHandling).union([
                "Resource", "Parameters", "ResultSelector", "ResultPath", "Assign", "Credentials",
                "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
            ]),
            "Choice": common.union(jsonPathIO).union(["Choices", "Default", "Assign"]),
            "Wait": common.union(jsonPathIO).union(transition).union(["Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"]),
            "Succeed": common.union(jsonPathIO),
            "Fail": common.union(["Error", "ErrorPath", "Cause", "CausePath"]),
            "Parallel": common.union(jsonPathIO).union(transition).union(errorHandling).union([
                "Branches", "Parameters", "ResultSelector", "ResultPath", "Assign",
            ]),
            "Map": common.union(jsonPathIO).union(transition).union(errorHandling).union(mapCommon).union([
                "ItemsPath", "Parameters", "ResultSelector", "ResultPath", "Assign",
                "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath",
            ]),
        ]

        static let jsonata: [String: Set<String>] = [
            "Pass": common.union(transition).union(["Output", "Assign"]),
            "Task": common.union(transition).union(errorHandling).union([
                "Resource", "Arguments", "Output", "Assign", "Credentials", "TimeoutSeconds", "HeartbeatSeconds",
            ]),
            "Choice": common.union(["Choices", "Default", "Output", "Assign"]),
            "Wait": common.union(transition).union(["Seconds", "Timestamp", "Output", "Assign"]),
            "Succeed": common.union(["Output"]),
            "Fail": common.union(["Error", "Cause"]),
            "Parallel": common.union(transition).union(errorHandling).union(["Branches", "Arguments", "Output", "Assign"]),
            "Map": common.union(transition).union(errorHandling).union(mapCommon).union(["Items", "Output", "Assign"]),
        ]

        static func allowed(_ type: String, _ language: QueryLanguage) -> Set<String> {
            (language == .jsonPath ? jsonPath : jsonata)[type] ?? []
        }

        /// Types that need exactly one of Next and End.
        static let transitioning: Set<String> = ["Pass", "Task", "Wait", "Parallel", "Map"]
    }
}

// MARK: - States

extension DefinitionCheck {
    mutating func checkState(name: String, _ state: JSONObject, at pointer: String,
                             machineLanguage: QueryLanguage, graph: inout TransitionGraph) {
        // The state's own QueryLanguage may upgrade JSONPath to JSONata, never the reverse.
        var language = machineLanguage
        if let value = state["QueryLanguage"], let own = queryLanguage(value, at: pointer + "/QueryLanguage") {
            if machineLanguage == .jsonata && own == .jsonPath {
                report(.downgradedQueryLanguage(at: pointer))
            } else {
                language = own
            }
        }

        guard let typeValue = state["Type"] else {
            report(.required(["Type"], at: pointer))
            recordTransitionsOfUnknownState(name, state, at: pointer, graph: &graph)
            return
        }
        guard case .string(let type) = typeValue, StateFields.types.contains(type) else {
            if case .string = typeValue {
                report(.notOneOf(StateFields.types, at: pointer + "/Type"))
            } else {
                report(.expectedType("String", at: pointer + "/Type"))
            }
            recordTransitionsOfUnknownState(name, state, at: pointer, graph: &graph)
            return
        }

        let allowed = StateFields.allowed(type, language)
        let other = StateFields.allowed(type, language == .jsonPath ? .jsonata : .jsonPath)
        for (key, value) in state {
            guard allowed.contains(key) else {
                if other.contains(key) {
                    report(.unsupportedField(key, queryLanguage: language.rawValue, at: pointer))
                } else {
                    report(.unsupportedField(key, at: pointer))
                }
                continue
            }
            checkField(key, value, of: type, state: name, at: pointer, language: language, graph: &graph)
        }

        if type == "Succeed" || type == "Fail" { graph.terminal = true }
        checkRequiredAndExclusive(type, state, at: pointer, allowed: allowed)
    }

    /// A state whose type is unknown still names its successors, so they are not reported
    /// as unreachable on top of the real problem.
    private mutating func recordTransitionsOfUnknownState(_ name: String, _ state: JSONObject, at pointer: String,
                                                          graph: inout TransitionGraph) {
        graph.terminal = true
        if case .string(let next)? = state["Next"] { graph.add(from: name, to: next, field: "Next", at: pointer + "/Next") }
        if case .string(let next)? = state["Default"] { graph.add(from: name, to: next, field: "Default", at: pointer + "/Default") }
        if case .array(let rules)? = state["Choices"] {
            for (i, rule) in rules.enumerated() {
                if case .string(let next)? = rule["Next"] {
                    graph.add(from: name, to: next, field: "Next", at: pointer + "/Choices/\(i)/Next")
                }
            }
        }
        if case .array(let catchers)? = state["Catch"] {
            for (i, catcher) in catchers.enumerated() {
                if case .string(let next)? = catcher["Next"] {
                    graph.add(from: name, to: next, field: "Next", at: pointer + "/Catch/\(i)/Next")
                }
            }
        }
    }

    private mutating func checkRequiredAndExclusive(_ type: String, _ state: JSONObject, at pointer: String,
                                                    allowed: Set<String>) {
        func has(_ key: String) -> Bool { state[key] != nil && allowed.contains(key) }

        if StateFields.transitioning.contains(type) {
            let hasNext = state["Next"] != nil
            let ends = state["End"]?.boolValue == true
            if hasNext && ends {
                report(.mutuallyExclusive(["Next", "End"], at: pointer))
            } else if !hasNext && !ends {
                report(.exactlyOne(["Next", "End"], at: pointer))
            }
        }
        switch type {
        case "Task":
            if state["Resource"] == nil { report(.required(["Resource"], at: pointer)) }
            exclusive(["TimeoutSeconds", "TimeoutSecondsPath"], in: state, at: pointer)
            exclusive(["HeartbeatSeconds", "HeartbeatSecondsPath"], in: state, at: pointer)
        case "Choice":
            if state["Choices"] == nil { report(.required(["Choices"], at: pointer)) }
        case "Parallel":
            if state["Branches"] == nil { report(.required(["Branches"], at: pointer)) }
        case "Wait":
            let timing = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"].filter(allowed.contains)
            if timing.filter(has).count != 1 { report(.exactlyOne(timing, at: pointer)) }
        case "Fail":
            exclusive(["Error", "ErrorPath"], in: state, at: pointer)
            exclusive(["Cause", "CausePath"], in: state, at: pointer)
        case "Map":
            let processors = ["ItemProcessor", "Iterator"]
            if processors.filter(has).count != 1 { report(.exactlyOne(processors, at: pointer)) }
            exclusive(["ItemSelector", "Parameters"], in: state, at: pointer)
            exclusive(["MaxConcurrency", "MaxConcurrencyPath"], in: state, at: pointer)
            exclusive(["ToleratedFailureCount", "ToleratedFailureCountPath"], in: state, at: pointer)
            exclusive(["ToleratedFailurePercentage", "ToleratedFailurePercentagePath"], in: state, at: pointer)
        default:
            break
        }
    }

    private mutating func exclusive(_ fields: [String], in state: JSONObject, at pointer: String) {
        if fields.filter({ state[$0] != nil }).count > 1 { report(.mutuallyExclusive(fields, at: pointer)) }
    }

    // MARK: - Fields

    private mutating func checkField(_ key: String, _ value: JSON, of type: String, state name: String, at pointer: String,
                                     language: QueryLanguage, graph: inout TransitionGraph) {
        let at = pointer + "/" + pointerToken(key)
        switch key {
        case "Type", "QueryLanguage":
            break
        case "Comment", "Label":
            expectString(value, at: at)
        case "Next":
            if let next = expectString(value, at: at) { graph.add(from: name, to: next, field: "Next", at: at) }
        case "Default":
            if let next = expectString(value, at: at) { graph.add(from: name, to: next, field: "Default", at: at) }
        case "End":
            if expectBool(value, at: at) == true { graph.terminal = true }
        case "InputPath", "OutputPath":
            checkPathField(value, kind: .path, nullable: true, at: at)
        case "ResultPath":
            checkPathField(value, kind: .resultPath, nullable: true, at: at)
        case "ItemsPath":
            checkPathField(value, kind: .referencePath, at: at)
        case "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "MaxConcurrencyPath",
             "ToleratedFailureCountPath", "ToleratedFailurePercentagePath":
            checkPathField(value, kind: .referencePath, at: at)
        case "ErrorPath", "CausePath":
            checkPathField(value, kind: .referenceOrIntrinsic, at: at)
        case "Parameters", "ResultSelector", "ItemSelector", "Credentials":
            guard expectObject(value, at: at) != nil else { return }
            if language == .jsonPath { checkPayloadTemplate(value, at: at) } else { checkJSONataValue(value, at: at) }
        case "Assign":
            guard expectObject(value, at: at) != nil else { return }
            if language == .jsonPath { checkPayloadTemplate(value, at: at) } else { checkJSONataValue(value, at: at) }
        case "Result":
            break
        case "Arguments", "Output":
            checkJSONataValue(value, at: at)
        case "Items":
            if case .string(let s) = value, checkJSONataString(s, at: at) { return }
            if expectArray(value, at: at) != nil { checkJSONataValue(value, at: at) }
        case "Resource":
            guard let s = expectString(value, at: at) else { return }
            if !s.hasPrefix("arn:") { report(Diagnostic(.invalidResource, "Resource must be an ARN: \(s)", at: at)) }
            if express, let d = Diagnostic.notInExpress(s, at: at) { report(d) }
        case "TimeoutSeconds", "HeartbeatSeconds":
            expectIntegerOrExpression(value, min: 1, max: 99_999_999, language: language, at: at)
        case "Seconds":
            expectIntegerOrExpression(value, min: 0, max: 99_999_999, language: language, at: at)
        case "Timestamp":
            guard let s = expectString(value, at: at) else { return }
            if language == .jsonata, checkJSONataString(s, at: at) { return }
            if Timestamp.parse(s) == nil { report(.invalidTimestamp(at: at)) }
        case "Error", "Cause":
            guard let s = expectString(value, at: at) else { return }
            if language == .jsonata { checkJSONataString(s, at: at) }
        case "MaxConcurrency", "ToleratedFailureCount":
            expectIntegerOrExpression(value, min: 0, language: language, at: at)
        case "ToleratedFailurePercentage":
            expectNumberOrExpression(value, min: 0, max: 100, language: language, at: at)
        case "ItemReader", "ResultWriter", "ItemBatcher":
            guard expectObject(value, at: at) != nil else { return }
            if language == .jsonPath { checkPayloadTemplate(value, at: at) } else { checkJSONataValue(value, at: at) }
        case "Choices":
            checkChoices(value, state: name, at: at, language: language, graph: &graph)
        case "Retry":
            checkRetriers(value, at: at)
        case "Catch":
            checkCatchers(value, state: name, at: at, language: language, graph: &graph)
        case "Branches":
            guard let branches = expectArray(value, at: at, nonEmpty: true) else { return }
            for (i, branch) in branches.enumerated() {
                let branchAt = at + "/" + String(i)
                if let machine = expectObject(branch, at: branchAt) {
                    checkMachine(machine, at: branchAt, language: language, kind: .branch)
                }
            }
        case "ItemProcessor", "Iterator":
            if let machine = expectObject(value, at: at) {
                checkMachine(machine, at: at, language: language, kind: .mapProcessor)
            }
        default:
            break
        }
    }

    mutating func checkProcessorConfig(_ value: JSON, at pointer: String) {
        guard let config = expectObject(value, at: pointer) else { return }
        for (key, member) in config {
            let at = pointer + "/" + pointerToken(key)
            switch key {
            case "Mode": expectOneOf(member, ["INLINE", "DISTRIBUTED"], at: at)
            case "ExecutionType": expectOneOf(member, ["STANDARD", "EXPRESS"], at: at)
            default: report(.unsupportedField(key, at: pointer))
            }
        }
    }
}
