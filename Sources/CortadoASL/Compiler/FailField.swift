import CortadoJSON
import CortadoPath

/// `Error`/`ErrorPath` or `Cause`/`CausePath` of a JSONPath Fail state: AWS's rules for both,
/// written once for the interpreter and TestState.
///
/// The path form must select a string, or be one of the intrinsics that return one
/// (AWS's Fail state documentation lists them: `stringIntrinsics`).
public enum FailField: Sendable {
    case none
    case literal(String)
    case path(JSONPath)
    case intrinsic(IntrinsicCall)
    /// A JSONata state's `Error` / `Cause` written `{% %}`: it must give a string.
    case expression(JSONataTemplate)

    /// The intrinsics AWS accepts in ErrorPath and CausePath.
    public static let stringIntrinsics: Set<IntrinsicFunction> = [
        .format, .jsonToString, .arrayGetItem, .base64Encode, .base64Decode, .hash, .uuid,
    ]

    /// AWS's validation message for any other intrinsic in `field` (ErrorPath, CausePath).
    public static func intrinsicNotAllowed(_ field: String) -> String {
        "The value for the field '\(field)' must be a valid JSONPath or an intrinsic function expression that returns a string (ArrayGetItem, Base64Encode, Base64Decode, Format, JsonToString, Hash, or UUID)"
    }

    /// The field of a Fail state object: `key` (a literal) or `pathKey` (a path or an intrinsic).
    /// - Throws: the parse problem of a malformed path or intrinsic, or `intrinsicNotAllowed`.
    public static func parse(_ state: JSONObject, _ key: String, _ pathKey: String) throws(PathSyntaxError) -> FailField {
        if let t = state[key]?.stringValue { return .literal(t) }
        guard let t = state[pathKey]?.stringValue else { return .none }
        if IntrinsicCall.isIntrinsic(t) {
            let call = try IntrinsicCall.parse(t)
            guard stringIntrinsics.contains(call.function) else { throw PathSyntaxError(intrinsicNotAllowed(pathKey)) }
            return .intrinsic(call)
        }
        return .path(try JSONPath.parse(t, allowingVariables: true))
    }

    /// The text of the field for one execution of the state.
    /// - Parameters:
    ///   - field: `ErrorPath` or `CausePath`, for the causes.
    ///   - input: the state's effective input, which paths and intrinsics read.
    ///   - root: the document a path reads (the input, the context object for `$$`, a variable).
    ///   - context: the context object, for intrinsics that read `$$`.
    /// - Throws: `States.Runtime` when the path selects nothing or something other than a string.
    public func text(field: String, input: JSON, root: (JSONPath) throws(ASLError) -> JSON,
                     variables: [String: JSON] = [:], context: () -> JSON,
                     scope: @autoclosure () -> JSONataScope? = nil) throws(ASLError) -> String? {
        switch self {
        case .none: return nil
        case .expression(let t):
            guard let scope = scope() else { return nil }
            guard case .string(let s) = try t.evaluate(scope, expecting: "string") else { return nil }
            return s
        case .literal(let s): return s
        case .path(let p):
            guard let v = p.evaluate(try root(p)) else { throw PathMiss.inField(p, field: field, input: input) }
            return try Self.string(v, field: field, source: p.source)
        case .intrinsic(let call):
            return try Self.string(try call.evaluate(input: input, field: field, variables: variables, context: context), field: field, source: call.source)
        }
    }

    // NOTE: AWS documents that the value must be a string; the cause for one that is not was
    // not recorded, so it follows AWS's wording for the other *Path parameters (SecondsPath,
    // TimestampPath: "The X parameter ... : <path> == <value>").
    static func string(_ v: JSON, field: String, source: String) throws(ASLError) -> String {
        guard case .string(let s) = v else {
            throw ASLError.runtime("The \(field) parameter does not reference a string value: \(source) == \(v.serialized)")
        }
        return s
    }
}

extension FailState {
    /// The error a Fail state ends the execution with: its Error and Cause read by
    /// `FailField.text` from the state's `input`, the `variables` and the `context` object,
    /// the fields named as the state's query language names them (`jsonata`: Error and
    /// Cause; else ErrorPath and CausePath). The one rule the interpreter and the lane call.
    public func failure(jsonata: Bool, input: JSON, variables: [String: JSON], context: () -> JSON,
                        scope: @autoclosure () -> JSONataScope?) throws(ASLError) -> ASLError {
        func text(_ field: FailField, _ name: String) throws(ASLError) -> String? {
            try field.text(field: name, input: input,
                           root: { (p) throws(ASLError) in try PathMiss.root(p, input: input, variables: variables, context: context) },
                           variables: variables, context: context, scope: scope())
        }
        let error = try text(self.error, jsonata ? "Error" : "ErrorPath")
        return ASLError(error.map(ErrorName.init), try text(cause, jsonata ? "Cause" : "CausePath"))
    }
}
