import CortadoJSON

/// Lets `Result<_, [Diagnostic]>` carry every problem of a definition at once.
extension Array: @retroactive Error where Element == Diagnostic {}

// MARK: - Codes AWS uses beyond those declared with the type

extension Diagnostic.Code {
    public static let missingEndState = Diagnostic.Code(rawValue: "MISSING_END_STATE")
    public static let invalidStateName = Diagnostic.Code(rawValue: "INVALID_STATE_NAME")
    public static let tooDeeplyNested = Diagnostic.Code(rawValue: "TOO_DEEPLY_NESTED")
    public static let invalidResource = Diagnostic.Code(rawValue: "INVALID_RESOURCE")
}

// MARK: - Messages, worded like AWS's ValidateStateMachineDefinition

extension Diagnostic {
    static func schema(_ message: String, at pointer: String) -> Diagnostic {
        Diagnostic(.schemaValidationFailed, message, at: pointer.isEmpty ? "/" : pointer)
    }

    // Loading

    static func notAnObject() -> Diagnostic {
        Diagnostic(.schemaValidationFailed, "Definition must be a valid JSON object", at: "/")
    }

    /// Jackson's wording, which AWS passes through for unparseable definitions
    /// (`JacksonMessage`), with the line and column.
    static func invalidJSON(_ error: JSONParseError, text: [UInt8]) -> Diagnostic {
        let (message, column) = JacksonMessage.describe(error, text: text)
        var d = Diagnostic(.invalidJSONDescription, message + "\n at [line: \(error.line), column: \(column)]", at: "/")
        d.line = error.line
        d.column = column
        return d
    }

    /// An unparseable definition's diagnostic as the API reports it: Jackson's location names
    /// the source, `[Source: (String)"<text>"; line: L, column: C]`, at the end of the message
    /// and as the `location` (recorded by AWS for ValidateStateMachineDefinition). The text is
    /// cut after 500 UTF-16 units (`[truncated N chars]` follows), and control characters
    /// other than CR and LF are written `\uXXXX`, as Jackson's `ContentReference` does.
    /// Other diagnostics come back as they are.
    public func namingJacksonSource(_ text: String) -> Diagnostic {
        guard code == .invalidJSONDescription, let line, let column else { return self }
        let at = "\n at [line: \(line), column: \(column)]"
        guard message.hasSuffix(at) else { return self }
        let units = Array(text.utf16)
        var snippet = ""
        for u in String(decoding: units.prefix(500), as: UTF16.self).unicodeScalars {
            let v = u.value
            if (v < 0x20 || (0x7F...0x9F).contains(v)), v != 0x0A, v != 0x0D {
                let hex = String(v, radix: 16, uppercase: true)
                snippet += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                snippet.unicodeScalars.append(u)
            }
        }
        var source = "[Source: (String)\"" + snippet + "\""
        if units.count > 500 { source += "[truncated \(units.count - 500) chars]" }
        source += "; line: \(line), column: \(column)]"
        var d = self
        d.message = String(message.dropLast(at.count)) + "\n at " + source
        d.location = source
        return d
    }

    static func invalidYAML(_ problem: String, line: Int?, column: Int?) -> Diagnostic {
        var where_ = ""
        if let line, let column { where_ = "\n at [line: \(line), column: \(column)]" }
        var d = Diagnostic(.invalidJSONDescription, "Invalid YAML: " + problem + where_, at: "/")
        d.line = line
        d.column = column
        return d
    }


    // Schema

    static func required(_ fields: [String], at pointer: String) -> Diagnostic {
        schema("These fields are required: [\(fields.joined(separator: ", "))]", at: pointer)
    }

    static func exactlyOne(_ fields: [String], at pointer: String) -> Diagnostic {
        schema("Exactly one of these fields is required: [\(fields.joined(separator: ", "))]", at: pointer)
    }

    static func mutuallyExclusive(_ fields: [String], at pointer: String) -> Diagnostic {
        schema("These fields cannot be specified together: [\(fields.joined(separator: ", "))]", at: pointer)
    }

    static func unsupportedField(_ field: String, at pointer: String) -> Diagnostic {
        schema("Field '\(field)' is not supported", at: pointer)
    }

    static func unsupportedField(_ field: String, queryLanguage: String, at pointer: String) -> Diagnostic {
        schema("Field '\(field)' is not supported when QueryLanguage is '\(queryLanguage)'", at: pointer)
    }

    static func expectedType(_ type: String, at pointer: String) -> Diagnostic {
        schema("Expected value of type \(type)", at: pointer)
    }

    static func notOneOf(_ allowed: [String], at pointer: String) -> Diagnostic {
        schema("Value must be one of: [\(allowed.joined(separator: ", "))]", at: pointer)
    }

    static func minimum(_ bound: String, at pointer: String) -> Diagnostic {
        schema("Value must be at least \(bound)", at: pointer)
    }

    static func maximum(_ bound: String, at pointer: String) -> Diagnostic {
        schema("Value must be at most \(bound)", at: pointer)
    }

    static func emptyObject(at pointer: String) -> Diagnostic {
        schema("Value must have at least one field", at: pointer)
    }

    static func emptyArray(at pointer: String) -> Diagnostic {
        schema("Value must have at least one element", at: pointer)
    }

    static func downgradedQueryLanguage(at pointer: String) -> Diagnostic {
        schema("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", at: pointer)
    }

    // Paths

    static func invalidJSONPath(at pointer: String, _ detail: String? = nil) -> Diagnostic {
        schema("Value must be a valid JSONPath." + (detail.map { " " + $0 } ?? ""), at: pointer)
    }

    static func notReferencePath(_ detail: String, at pointer: String) -> Diagnostic {
        schema("Value is not a Reference Path: \(detail)", at: pointer)
    }

    static func invalidPayloadField(_ field: String, at pointer: String) -> Diagnostic {
        schema("The value for the field '\(field)' must be a valid JSONPath or a valid intrinsic function call", at: pointer)
    }

    static func invalidIntrinsicCall(_ detail: String, at pointer: String) -> Diagnostic {
        schema("Value is not a valid intrinsic function call: \(detail)", at: pointer)
    }

    static func invalidJSONata(_ detail: String, at pointer: String) -> Diagnostic {
        schema("Value is not a valid JSONata expression: \(detail)", at: pointer)
    }

    /// AWS's wording for a literal timestamp it refuses (recorded for Wait `Timestamp`). The
    /// test is `Timestamp.parse`, the runtime's parser, so creation and run time agree.
    static func invalidTimestamp(at pointer: String) -> Diagnostic {
        schema("String does not match RFC3339 timestamp", at: pointer)
    }

    /// What an EXPRESS state machine refuses in a Task `Resource`, in AWS's words: the
    /// `.waitForTaskToken`, `.sync` (and `.sync:2`) integration patterns and activities.
    /// Express workflows take request-response integrations only (AWS's developer guide,
    /// "Service integration patterns").
    static func notInExpress(_ resource: String, at pointer: String) -> Diagnostic? {
        // As recorded: the callback wording ends with a space, the job wording does not.
        if resource.hasSuffix(".waitForTaskToken") {
            return schema("Express state machine does not support '.waitForTaskToken' service integration ", at: pointer)
        }
        if let sync = [".sync:2", ".sync"].first(where: { resource.hasSuffix($0) }) {
            return schema("Express state machine does not support '\(sync)' service integration", at: pointer)
        }
        let parts = resource.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false)
        if parts.count == 7, parts[2] == "states", parts[5] == "activity" {
            return schema("Express state machine does not support Activity ARN", at: pointer)
        }
        return nil
    }

    // Retry / Catch

    static func statesAllNotLast(at pointer: String) -> Diagnostic {
        schema("States.ALL must appear alone in ErrorEquals and in the last retrier or catcher", at: pointer)
    }

    // Graph

    static func missingTarget(_ target: String, field: String = "Next", at pointer: String) -> Diagnostic {
        Diagnostic(.missingTransitionTarget, "Missing '\(field)' target: \(target)", at: pointer)
    }

    static func unreachable(_ state: String, at pointer: String) -> Diagnostic {
        Diagnostic(.missingTransitionTarget, "State \"\(state)\" is not reachable.", at: pointer)
    }

    static func noTerminalState(at pointer: String) -> Diagnostic {
        Diagnostic(.missingEndState, "Workflow has no terminal state.", at: pointer.isEmpty ? "/" : pointer)
    }

    static func duplicateStateName(_ name: String, at pointer: String) -> Diagnostic {
        Diagnostic(.duplicateStateName, "Duplicate State name: \(name)", at: pointer)
    }

    static func stateNameTooLong(_ name: String, at pointer: String) -> Diagnostic {
        Diagnostic(.invalidStateName, "State name exceeds the maximum length of 80 characters: \(name)", at: pointer)
    }

    static func emptyStateName(at pointer: String) -> Diagnostic {
        Diagnostic(.invalidStateName, "State name must not be empty", at: pointer)
    }
}
