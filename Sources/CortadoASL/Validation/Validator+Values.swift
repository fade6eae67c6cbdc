import CortadoJSON
import CortadoPath

// MARK: - Typed values

extension DefinitionCheck {
    @discardableResult
    mutating func expectString(_ value: JSON, at pointer: String) -> String? {
        guard case .string(let s) = value else {
            report(.expectedType("String", at: pointer))
            return nil
        }
        return s
    }

    @discardableResult
    mutating func expectBool(_ value: JSON, at pointer: String) -> Bool? {
        guard case .bool(let b) = value else {
            report(.expectedType("Boolean", at: pointer))
            return nil
        }
        return b
    }

    @discardableResult
    mutating func expectObject(_ value: JSON, at pointer: String) -> JSONObject? {
        guard case .object(let o) = value else {
            report(.expectedType("Object", at: pointer))
            return nil
        }
        return o
    }

    @discardableResult
    mutating func expectArray(_ value: JSON, at pointer: String, nonEmpty: Bool = false) -> [JSON]? {
        guard case .array(let a) = value else {
            report(.expectedType("Array", at: pointer))
            return nil
        }
        if nonEmpty && a.isEmpty { report(.emptyArray(at: pointer)) }
        return a
    }

    /// An integer literal (`3`, also `3.0` as Jackson reads it) within bounds.
    mutating func expectInteger(_ value: JSON, min: Int? = nil, max: Int? = nil, at pointer: String) {
        guard case .number(let n) = value, let i = n.int else {
            report(.expectedType("Integer", at: pointer))
            return
        }
        if let min, i < min { report(.minimum(String(min), at: pointer)) }
        if let max, i > max { report(.maximum(String(max), at: pointer)) }
    }

    mutating func expectNumber(_ value: JSON, min: Double? = nil, max: Double? = nil, at pointer: String) {
        guard case .number(let n) = value else {
            report(.expectedType("Number", at: pointer))
            return
        }
        let d = n.double
        if let min, d < min { report(.minimum(JSONNumber(min).literal, at: pointer)) }
        if let max, d > max { report(.maximum(JSONNumber(max).literal, at: pointer)) }
    }

    mutating func expectOneOf(_ value: JSON, _ allowed: [String], at pointer: String) {
        guard let s = expectString(value, at: pointer) else { return }
        if !allowed.contains(s) { report(.notOneOf(allowed, at: pointer)) }
    }

    /// An integer, or in JSONata mode also a `{% %}` expression that yields one at run time.
    mutating func expectIntegerOrExpression(_ value: JSON, min: Int? = nil, max: Int? = nil,
                                            language: QueryLanguage, at pointer: String) {
        if language == .jsonata, case .string(let s) = value {
            if !checkJSONataString(s, at: pointer) { report(.expectedType("Integer", at: pointer)) }
            return
        }
        expectInteger(value, min: min, max: max, at: pointer)
    }

    mutating func expectNumberOrExpression(_ value: JSON, min: Double? = nil, max: Double? = nil,
                                           language: QueryLanguage, at pointer: String) {
        if language == .jsonata, case .string(let s) = value {
            if !checkJSONataString(s, at: pointer) { report(.expectedType("Number", at: pointer)) }
            return
        }
        expectNumber(value, min: min, max: max, at: pointer)
    }
}

// MARK: - Paths

extension DefinitionCheck {
    enum PathKind {
        /// InputPath, OutputPath, ItemsPath: any JSONPath, `$$` context paths, `$var` variables.
        case path
        /// ResultPath: a definite path into the input; no context object, no variables.
        case resultPath
        /// Variable, *Path fields: a definite path, context path or variable.
        case referencePath
        /// ErrorPath, CausePath: a reference path or an intrinsic function call.
        case referenceOrIntrinsic
    }

    /// Checks a path-valued field; `null` is allowed only where AWS allows it.
    mutating func checkPathField(_ value: JSON, kind: PathKind, nullable: Bool = false, at pointer: String) {
        if nullable, case .null = value { return }
        guard case .string(let s) = value else {
            report(.expectedType("String", at: pointer))
            return
        }
        if kind == .referenceOrIntrinsic, IntrinsicCall.isIntrinsic(s) {
            do {
                let call = try IntrinsicCall.parse(s)
                if !FailField.stringIntrinsics.contains(call.function) {
                    let field = pointer.split(separator: "/").last.map(String.init) ?? "ErrorPath"
                    report(.schema(FailField.intrinsicNotAllowed(field), at: pointer))
                }
            } catch {
                report(.invalidIntrinsicCall(error.message, at: pointer))
            }
            return
        }
        switch Self.parsePath(s) {
        case .failure(let problem):
            if kind == .path {
                report(.invalidJSONPath(at: pointer, problem.description))
            } else {
                report(.notReferencePath(problem.description, at: pointer))
            }
        case .success(let parsed):
            switch kind {
            case .path:
                break
            case .resultPath:
                if parsed.isContext { report(.notReferencePath("the context object can not be written", at: pointer)) }
                else if parsed.isVariable { report(.notReferencePath("a variable can not be written", at: pointer)) }
                else if !parsed.isDefinite { report(.notReferencePath("path must be definite", at: pointer)) }
            case .referencePath, .referenceOrIntrinsic:
                if !parsed.isDefinite { report(.notReferencePath("path must be definite", at: pointer)) }
            }
        }
    }

    struct ParsedPath { var isDefinite: Bool; var isContext: Bool; var isVariable: Bool }

    /// Parses `$...`, `$$...` or `$variable...` with CortadoPath's JSONPath parser.
    static func parsePath(_ s: String) -> Result<ParsedPath, PathProblem> {
        let u = Array(s.utf8)
        guard u.first == UInt8(ascii: "$") else { return .failure(PathProblem("path must start with '$'")) }
        // `$name...` is a variable reference; its tail is a path into the variable's value.
        if u.count > 1, isIdentifierStart(u[1]) {
            var i = 2
            while i < u.count, isIdentifierPart(u[i]) { i += 1 }
            let tail = String(decoding: u[i...], as: UTF8.self)
            if !tail.isEmpty, !tail.hasPrefix("."), !tail.hasPrefix("[") {
                return .failure(PathProblem("invalid variable reference"))
            }
            do {
                let p = try JSONPath.parse("$" + tail)
                return .success(ParsedPath(isDefinite: p.isDefinite, isContext: false, isVariable: true))
            } catch {
                return .failure(PathProblem(String(describing: error)))
            }
        }
        do {
            let p = try JSONPath.parse(s)
            return .success(ParsedPath(isDefinite: p.isDefinite, isContext: p.isContextPath, isVariable: false))
        } catch {
            return .failure(PathProblem(String(describing: error)))
        }
    }

    struct PathProblem: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || b == UInt8(ascii: "_")
    }

    static func isIdentifierPart(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }
}

// MARK: - Payload templates

extension DefinitionCheck {
    /// Parameters, ResultSelector, ItemSelector and JSONPath-mode Assign: every `"key.$"`
    /// value must be a path or an intrinsic call; other values are literals.
    mutating func checkPayloadTemplate(_ value: JSON, at pointer: String, depth: Int = 0) {
        guard depth < Self.maxNesting else {
            report(Diagnostic(.tooDeeplyNested, "The payload template is too deeply nested", at: pointer))
            return
        }
        switch value {
        case .object(let object):
            for (key, member) in object {
                let at = pointer + "/" + pointerToken(key)
                if key.hasSuffix(".$") {
                    guard case .string(let s) = member, Self.isPathOrIntrinsic(s) else {
                        report(.invalidPayloadField(key, at: pointer))
                        continue
                    }
                } else {
                    checkPayloadTemplate(member, at: at, depth: depth + 1)
                }
            }
        case .array(let items):
            for (i, item) in items.enumerated() {
                checkPayloadTemplate(item, at: pointer + "/" + String(i), depth: depth + 1)
            }
        default:
            break
        }
    }

    /// AWS checks an intrinsic call whole when the definition is created (function name,
    /// argument count and literal types, escapes, number literals, Format's placeholders):
    /// one that does not parse is a SCHEMA_VALIDATION_FAILED, as a malformed path is.
    static func isPathOrIntrinsic(_ s: String) -> Bool {
        if IntrinsicCall.isIntrinsic(s) { return (try? IntrinsicCall.parse(s)) != nil }
        if case .success = parsePath(s) { return true }
        return false
    }
}

// MARK: - JSONata

extension DefinitionCheck {
    /// A string that starts with `{%` must be a whole `{% expression %}`. Returns whether the
    /// string is an expression (as opposed to a literal).
    @discardableResult
    mutating func checkJSONataString(_ s: String, at pointer: String) -> Bool {
        let trimmed = s
        guard trimmed.hasPrefix("{%") else { return false }
        guard trimmed.count >= 4, trimmed.hasSuffix("%}") else {
            report(.invalidJSONata("expression must end with '%}'", at: pointer))
            return true
        }
        let body = trimmed.dropFirst(2).dropLast(2)
        if body.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
            report(.invalidJSONata("empty expression", at: pointer))
        }
        return true
    }

    /// Arguments, Output, Assign and Items in JSONata mode: every string inside may be an expression.
    mutating func checkJSONataValue(_ value: JSON, at pointer: String, depth: Int = 0) {
        guard depth < Self.maxNesting else {
            report(Diagnostic(.tooDeeplyNested, "The value is too deeply nested", at: pointer))
            return
        }
        switch value {
        case .string(let s):
            checkJSONataString(s, at: pointer)
        case .object(let object):
            for (key, member) in object {
                checkJSONataValue(member, at: pointer + "/" + pointerToken(key), depth: depth + 1)
            }
        case .array(let items):
            for (i, item) in items.enumerated() {
                checkJSONataValue(item, at: pointer + "/" + String(i), depth: depth + 1)
            }
        default:
            break
        }
    }
}
