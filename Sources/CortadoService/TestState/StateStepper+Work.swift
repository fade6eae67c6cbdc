import CortadoJSON
import CortadoPath
import CortadoRuntime

/// The states that do work, whose result comes from the mock: Task, Parallel, Map.
extension StateStepper {
    mutating func runTask() throws(ASLError) -> StateOutcome {
        if isJSONata {
            var arguments = input
            if let a = state["Arguments"] { arguments = try expressions.evaluate(a, field: "Arguments", input: input) }
            inspection.stage("afterArguments", arguments)
            let result = try invoke()
            inspection.stage("result", result)
            return try finishJSONata(result: result)
        }
        _ = try inputPathAndParameters()
        let result = try invoke()
        inspection.stage("result", result)
        return try finishJSONPath(result: result)
    }

    mutating func runParallel() throws(ASLError) -> StateOutcome {
        if isJSONata {
            if let a = state["Arguments"] { _ = try expressions.evaluate(a, field: "Arguments", input: input) }
            return try finishJSONata(result: try invoke())
        }
        // NOTE: AWS reports neither afterInputPath nor afterParameters for a Parallel state.
        let effective = try paths.filter(state["InputPath"], input)
        if let t = state["Parameters"] { _ = try paths.template(t, effective) }
        return try finishJSONPath(result: try invoke())
    }

    mutating func runMap() throws(ASLError) -> StateOutcome {
        let items: [JSON]
        if isJSONata {
            items = try jsonataItems()
        } else {
            let effective = try paths.filter(state["InputPath"], input)
            inspection.stage("afterInputPath", effective)
            items = try jsonPathItems(effective)
            if let t = state["ItemSelector"] ?? state["Parameters"] {
                var selected: [JSON] = []
                for (i, item) in items.enumerated() {
                    let withItem = JSONPathFields(context: mapContext(i, item), variables: variables)
                    selected.append(try withItem.template(t, effective))
                }
                inspection.stage("afterItemSelector", .array(selected))
            }
        }
        let limits = try mapLimits()
        inspection.value("maxConcurrency", JSON(limits.maxConcurrency))
        if let n = limits.count { inspection.value("toleratedFailureCount", JSON(n)) }
        if let p = limits.percentage { inspection.value("toleratedFailurePercentage", .number(JSONNumber(p))) }
        let result = try invoke()
        if ToleratedFailures.exceeds(failures: configuration.mapIterationFailureCount, of: items.count,
                                     count: limits.count, percentage: limits.percentage) {
            throw ToleratedFailures.exceeded
        }
        return isJSONata ? try finishJSONata(result: result) : try finishJSONPath(result: result)
    }

    // MARK: - Map pieces

    /// The items of a JSONPath Map: ItemsPath over the effective input, or the mocked ItemReader data.
    private mutating func jsonPathItems(_ effective: JSON) throws(ASLError) -> [JSON] {
        if state["ItemReader"] != nil { return try readerItems() }
        var path = "$"
        var value = effective
        if case .string(let p)? = state["ItemsPath"] {
            path = p
            value = try paths.filter(state["ItemsPath"], effective)
        }
        guard case .array(let items) = value else {
            // AWS names a context path without its first `$` here.
            let shown = path.hasPrefix("$$") ? String(path.dropFirst()) : path
            throw ASLError.runtime("Reference path \"\(shown)\" must point to array.")
        }
        inspection.stage("afterItemsPath", value)
        return items
    }

    /// The items of a JSONata Map: `Items`, the mocked ItemReader data, or the input itself.
    private func jsonataItems() throws(ASLError) -> [JSON] {
        if state["ItemReader"] != nil { return try readerItems() }
        var value = input
        if let items = state["Items"] { value = try expressions.evaluate(items, field: "Items", input: input, expecting: "array") }
        guard case .array(let a) = value else {
            throw ASLError(.queryEvaluationError, "Map state input must be an array but was: \(value.serialized)")
        }
        return a
    }

    /// `stateConfiguration.mapItemReaderData`: what the ItemReader would have read.
    private func readerItems() throws(ASLError) -> [JSON] {
        guard let text = configuration.mapItemReaderData else { return [] }
        guard case .array(let a)? = try? JSON.parse(text) else {
            throw ASLError(.itemReaderFailed, "The mocked ItemReader data must be a JSON array")
        }
        return a
    }

    /// `$$` while evaluating ItemSelector for item `i`: the context plus `Map.Item`.
    private func mapContext(_ i: Int, _ item: JSON) -> JSON {
        guard case .object(var o) = context else { return context }
        o["Map"] = ["Item": ["Index": JSON(i), "Value": item]]
        return .object(o)
    }

    struct MapLimits {
        var maxConcurrency = 0
        var count: Int?
        var percentage: Double?
    }

    /// MaxConcurrency and the tolerated failure thresholds, as literals, paths or expressions.
    private func mapLimits() throws(ASLError) -> MapLimits {
        var limits = MapLimits()
        if let v = try limit("MaxConcurrency") {
            guard let n = v.numberValue?.int, n >= 0 else {
                throw ASLError.runtime("MaxConcurrency must be a non-negative integer, but was \(v.serialized)")
            }
            limits.maxConcurrency = n
        }
        if let v = try limit("ToleratedFailureCount") {
            guard let n = v.numberValue?.int, n >= 0 else {
                throw ASLError.runtime("ToleratedFailureCount must be a non-negative integer, but was \(v.serialized)")
            }
            limits.count = n
        }
        if let v = try limit("ToleratedFailurePercentage") {
            guard let p = v.numberValue?.double, p >= 0, p <= 100 else {
                throw ASLError.runtime("ToleratedFailurePercentage must be a number between 0 and 100, but was \(v.serialized)")
            }
            limits.percentage = p
        }
        return limits
    }

    /// A Map limit field: `<Field>` (a literal, or a JSONata expression) or `<Field>Path`.
    private func limit(_ field: String) throws(ASLError) -> JSON? {
        if let v = state[field] {
            return isJSONata ? try expressions.evaluate(v, field: field, input: input) : v
        }
        if let p = state[field + "Path"]?.stringValue {
            return try paths.read(p, try paths.filter(state["InputPath"], input))
        }
        return nil
    }
}
