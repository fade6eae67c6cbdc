import CortadoJSON
import CortadoJSONata
import CortadoPath

/// DescribeStateMachine's `variableReferences`: for each state that reads workflow variables,
/// their names, sorted and without duplicates; states that read none are left out (and AWS
/// leaves the whole field out when no state reads one).
///
/// As AWS records it: states inside Map and Parallel states are listed by their own names;
/// a JSONPath state reads a variable through a path field (`InputPath`, `ItemsPath`,
/// `SecondsPath`, `ErrorPath`, `MaxItemsPath`, ...), a `"key.$"` template value (Parameters,
/// ItemSelector, Assign; a path or an intrinsic's arguments) or a Choice rule's `Variable`
/// and `...Path` operands. A plain string such as `"$bucket"` under a key without `.$` is
/// text, not a reference. In a JSONata state every `{% %}` expression counts, for the
/// variables it reads and does not bind itself (`$states` is not a workflow variable).
public enum VariableReferences {
    public static func of(_ definition: JSON) -> [String: [String]] {
        var found: [String: Set<String>] = [:]
        let language = definition["QueryLanguage"]?.stringValue == QueryLanguage.jsonata.rawValue ? QueryLanguage.jsonata : .jsonPath
        machine(definition, language, &found, depth: 0)
        return found.filter { !$0.value.isEmpty }.mapValues { $0.sorted() }
    }

    /// The fields that hold a nested machine (or a list of them).
    static let machineFields: Set<String> = ["ItemProcessor", "Iterator", "Branches"]

    static func machine(_ m: JSON, _ language: QueryLanguage, _ found: inout [String: Set<String>], depth: Int) {
        guard depth < 100, case .object(let states)? = m["States"] else { return }
        for (name, state) in states {
            var own = language  // (nested machines take the state's language, as the validator's do)
            if let l = state["QueryLanguage"]?.stringValue, let q = QueryLanguage(rawValue: l) { own = q }
            var names: Set<String> = []
            guard case .object(let fields) = state else { continue }
            for (key, value) in fields {
                if machineFields.contains(key) {
                    if case .array(let branches) = value {
                        for b in branches { machine(b, own, &found, depth: depth + 1) }
                    } else {
                        machine(value, own, &found, depth: depth + 1)
                    }
                } else {
                    collect(key, value, own, template: false, &names, depth: 0)
                }
            }
            found[name, default: []].formUnion(names)
        }
    }

    /// The fields that are payload templates: inside them only `"key.$"` values are read as
    /// paths (a user's key may well end in `Path`).
    static let templateFields: Set<String> = ["Parameters", "ResultSelector", "ItemSelector", "Assign", "Credentials"]

    static func collect(_ key: String, _ value: JSON, _ language: QueryLanguage, template: Bool,
                        _ names: inout Set<String>, depth: Int) {
        guard depth < 200 else { return }
        let template = template || templateFields.contains(key)
        switch value {
        case .string(let s):
            if language == .jsonata {
                guard JSONataTemplate.isExpression(s),
                      let e = try? JSONataExpression(String(s.dropFirst(2).dropLast(2)), options: .stepFunctions) else { return }
                names.formUnion(e.freeVariables.subtracting(["states"]))
            } else if key.hasSuffix(".$") || (!template && (key == "Variable" || (key.hasSuffix("Path") && key != "ResultPath"))) {
                pathVariables(s, &names)
            }
        case .object(let o):
            for (k, v) in o { collect(k, v, language, template: template, &names, depth: depth + 1) }
        case .array(let a):
            for v in a { collect(key, v, language, template: template, &names, depth: depth + 1) }
        default:
            break
        }
    }

    /// The variable a path reads (`$name.rest`), or those an intrinsic call's arguments read.
    static func pathVariables(_ text: String, _ names: inout Set<String>) {
        if IntrinsicCall.isIntrinsic(text) {
            if let call = try? IntrinsicCall.parse(text) { callVariables(call, &names) }
        } else if let v = (try? JSONPath.parse(text, allowingVariables: true))?.variable {
            names.insert(v)
        }
    }

    static func callVariables(_ call: IntrinsicCall, _ names: inout Set<String>) {
        for a in call.arguments {
            switch a {
            case .path(let p): if let v = p.variable { names.insert(v) }
            case .call(let c): callVariables(c, &names)
            case .literal: break
            }
        }
    }
}
