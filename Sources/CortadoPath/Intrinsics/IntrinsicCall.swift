import CortadoJSON

/// The 18 `States.*` intrinsic functions of JSONPath mode.
public enum IntrinsicFunction: String, Sendable, CaseIterable, CustomStringConvertible {
    case format = "States.Format"
    case stringToJson = "States.StringToJson"
    case jsonToString = "States.JsonToString"
    case array = "States.Array"
    case arrayPartition = "States.ArrayPartition"
    case arrayContains = "States.ArrayContains"
    case arrayRange = "States.ArrayRange"
    case arrayGetItem = "States.ArrayGetItem"
    case arrayLength = "States.ArrayLength"
    case arrayUnique = "States.ArrayUnique"
    case base64Encode = "States.Base64Encode"
    case base64Decode = "States.Base64Decode"
    case hash = "States.Hash"
    case jsonMerge = "States.JsonMerge"
    case mathRandom = "States.MathRandom"
    case mathAdd = "States.MathAdd"
    case stringSplit = "States.StringSplit"
    case uuid = "States.UUID"

    /// The name as written in a definition, e.g. `States.Format`.
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// What a parameter accepts; checked against every value at run time.
    enum Param { case any, string, integer, number, array, object, boolean }

    /// Parameter kinds in order; `variadic` repeats the last kind.
    var params: (kinds: [Param], required: Int, variadic: Bool) {
        switch self {
        case .format: return ([.string, .any], 1, true)
        case .stringToJson: return ([.string], 1, false)
        case .jsonToString: return ([.any], 1, false)
        case .array: return ([.any], 0, true)
        case .arrayPartition: return ([.array, .integer], 2, false)
        case .arrayContains: return ([.array, .any], 2, false)
        case .arrayRange: return ([.integer, .integer, .integer], 3, false)
        case .arrayGetItem: return ([.array, .integer], 2, false)
        case .arrayLength: return ([.array], 1, false)
        case .arrayUnique: return ([.array], 1, false)
        case .base64Encode: return ([.string], 1, false)
        case .base64Decode: return ([.string], 1, false)
        case .hash: return ([.string, .string], 2, false)
        case .jsonMerge: return ([.object, .object, .boolean], 3, false)
        case .mathRandom: return ([.integer, .integer, .integer], 2, false)
        case .mathAdd: return ([.number, .number], 2, false)
        case .stringSplit: return ([.string, .string], 2, false)
        case .uuid: return ([], 0, false)
        }
    }
}

/// One argument of an intrinsic call, resolved at compile time.
public indirect enum IntrinsicArgument: Sendable, CustomStringConvertible {
    case literal(JSON)
    case path(JSONPath)
    case call(IntrinsicCall)

    public var description: String {
        switch self {
        case .literal(let v): return v.serialized
        case .path(let p): return p.source
        case .call(let c): return c.source
        }
    }
}

/// A parsed `States.*` intrinsic invocation. Parsing happens once, when the
/// definition is compiled; `evaluate` never looks at the text again.
public struct IntrinsicCall: Sendable, CustomStringConvertible {
    public let function: IntrinsicFunction
    public let arguments: [IntrinsicArgument]
    /// The call exactly as written (for a nested call, its own text).
    public let source: String
    /// For `States.Format` with a literal template: the template split at its
    /// unescaped `{}` placeholders (escaped `\{` `\}` are already plain braces).
    public let formatPieces: [String]?

    public var description: String { source }

    /// True when a `"key.$"` value is an intrinsic call rather than a path.
    public static func isIntrinsic(_ text: String) -> Bool { text.hasPrefix("States.") }

    /// Parses e.g. `States.Format('Hello {}', $.name, States.ArrayLength($.items))`.
    /// Rejects what AWS rejects when the definition is created: unknown functions,
    /// malformed literals and paths (see `IntrinsicParser.check`).
    public static func parse(_ text: String) throws(PathSyntaxError) -> IntrinsicCall {
        ParseCounter.record()
        var p = IntrinsicParser(text)
        let call = try p.parseCall()
        p.skipSpaces()
        guard p.atEnd else { throw p.error("unexpected text after the closing parenthesis") }
        return call
    }

    /// Why the call cannot run whatever its arguments are (nil: it can): an argument count
    /// the function does not take, or a literal Format template whose placeholders do not
    /// match its values.
    public var arityError: String? {
        let (kinds, required, variadic) = function.params
        let n = arguments.count
        if n < required || (!variadic && n > kinds.count) {
            let expected: String
            if variadic { expected = "at least \(required)" }
            else if required == kinds.count { expected = "\(required)" }
            else { expected = "\(required) to \(kinds.count)" }
            return "\(function.name) takes \(expected) argument\(expected.hasSuffix("1") && !expected.hasSuffix("to 1") ? "" : "s"), but \(n) were given"
        }
        if function == .format, let pieces = formatPieces, pieces.count - 1 != n - 1 {
            let placeholders = pieces.count - 1
            return "the template has \(placeholders) placeholder\(placeholders == 1 ? "" : "s") but \(n - 1) value\(n == 2 ? " was" : "s were") given"
        }
        return nil
    }

    init(function: IntrinsicFunction, arguments: [IntrinsicArgument], source: String, formatPieces: [String]?) {
        self.function = function
        self.arguments = arguments
        self.source = source
        self.formatPieces = formatPieces
    }
}

// MARK: - Parser

struct IntrinsicParser {
    let text: String
    let s: [Unicode.Scalar]
    var i = 0
    /// Nesting of calls being parsed; bounded so hostile input cannot exhaust the stack.
    var depth = 0
    static let maxDepth = 64

    init(_ text: String) {
        self.text = text
        self.s = Array(text.unicodeScalars)
    }

    var atEnd: Bool { i >= s.count }
    var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }

    func error(_ what: String) -> PathSyntaxError {
        PathSyntaxError("Invalid intrinsic function call '\(text)': \(what) at position \(i)")
    }

    mutating func skipSpaces() {
        while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1 }
    }

    func slice(_ from: Int, _ to: Int) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s[from..<to])
        return String(v)
    }

    static func isIdent(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }

    mutating func parseCall() throws(PathSyntaxError) -> IntrinsicCall {
        let start = i
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("intrinsic functions are nested more than \(Self.maxDepth) deep") }
        let prefix: [Unicode.Scalar] = Array("States.".unicodeScalars)
        guard i + prefix.count <= s.count, Array(s[i..<(i + prefix.count)]) == prefix else {
            throw error("expected an intrinsic function name starting with 'States.'")
        }
        i += prefix.count
        while let c = peek, Self.isIdent(c) { i += 1 }
        let name = slice(start, i)
        guard let fn = IntrinsicFunction(rawValue: name) else {
            throw error("unknown intrinsic function '\(name)'")
        }
        skipSpaces()
        guard peek == "(" else { throw error("expected '(' after \(name)") }
        i += 1
        var args: [IntrinsicArgument] = []
        var formatPieces: [String]? = nil
        skipSpaces()
        if peek == ")" {
            i += 1
        } else {
            while true {
                skipSpaces()
                let (arg, pieces) = try parseArgument()
                if args.isEmpty && fn == .format { formatPieces = pieces }
                args.append(arg)
                skipSpaces()
                guard let c = peek else { throw error("missing ')'") }
                i += 1
                if c == ")" { break }
                guard c == "," else { throw error("expected ',' or ')'") }
            }
        }
        let call = IntrinsicCall(function: fn, arguments: args, source: slice(start, i), formatPieces: formatPieces)
        let t = text, pos = i
        try Self.check(call) { PathSyntaxError("Invalid intrinsic function call '\(t)': \($0) at position \(pos)") }
        return call
    }

    /// What AWS rejects when the definition is created beyond the call's syntax: a literal
    /// argument of States.JsonToString. Argument counts and literal types are not checked
    /// here: AWS deploys `States.Hash()` or `States.ArrayGetItem('x', 0)` and fails them at
    /// run time (States.Runtime), which `IntrinsicCall.arityError` and the arguments'
    /// accessors do.
    static func check(_ call: IntrinsicCall, error: (String) -> PathSyntaxError) throws(PathSyntaxError) {
        if call.function == .jsonToString, call.arguments.contains(where: { if case .literal = $0 { return true } else { return false } }) {
            throw error("the argument of States.JsonToString must be a path or an intrinsic function")
        }
    }

    /// One argument; for a string literal also its pieces split at unescaped `{}`.
    mutating func parseArgument() throws(PathSyntaxError) -> (IntrinsicArgument, [String]?) {
        guard let c = peek else { throw error("missing argument") }
        switch c {
        case "'":
            let (value, pieces) = try parseString()
            return (.literal(.string(value)), pieces)
        case "$":
            return (.path(try parsePath()), nil)
        case "S":
            return (.call(try parseCall()), nil)
        case "-", "0"..."9":
            return (.literal(try parseNumber()), nil)
        default:
            let start = i
            while let d = peek, Self.isIdent(d) { i += 1 }
            switch slice(start, i) {
            case "true": return (.literal(.bool(true)), nil)
            case "false": return (.literal(.bool(false)), nil)
            case "null": return (.literal(.null), nil)
            default:
                i = start
                throw error("unexpected character '\(c)'")
            }
        }
    }

    /// `'...'` with the escapes AWS documents: `\'`, `\{`, `\}`, `\\`.
    mutating func parseString() throws(PathSyntaxError) -> (String, [String]) {
        i += 1  // opening quote
        var value = String.UnicodeScalarView()
        var piece = String.UnicodeScalarView()
        var pieces: [String] = []
        while true {
            guard let c = peek else { throw error("unterminated string literal") }
            i += 1
            switch c {
            case "'":
                pieces.append(String(piece))
                return (String(value), pieces)
            case "\\":
                guard let e = peek, e == "'" || e == "{" || e == "}" || e == "\\" else {
                    i -= 1
                    throw error("invalid escape sequence in string literal (only \\', \\{, \\} and \\\\ are allowed)")
                }
                i += 1
                value.append(e); piece.append(e)
            case "{" where peek == "}":
                i += 1
                value.append("{"); value.append("}")
                pieces.append(String(piece)); piece = String.UnicodeScalarView()
            default:
                value.append(c); piece.append(c)
            }
        }
    }

    /// A JSON-syntax number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    mutating func parseNumber() throws(PathSyntaxError) -> JSON {
        let start = i
        func digits(_ p: inout IntrinsicParser) -> Int {
            let from = p.i
            while let d = p.peek, d >= "0" && d <= "9" { p.i += 1 }
            return p.i - from
        }
        if peek == "-" { i += 1 }
        let intStart = i
        let n = digits(&self)
        if n == 0 { throw error("invalid number literal") }
        if n > 1 && s[intStart] == "0" { i = intStart; throw error("invalid number literal (leading zero)") }
        if peek == "." {
            i += 1
            if digits(&self) == 0 { throw error("invalid number literal") }
        }
        if peek == "e" || peek == "E" {
            i += 1
            if peek == "+" || peek == "-" { i += 1 }
            if digits(&self) == 0 { throw error("invalid number literal") }
        }
        if let c = peek, Self.isIdent(c) || c == "." { throw error("invalid number literal") }
        return .number(JSONNumber(literal: slice(start, i)))
    }

    /// A path runs to the next `,` or `)` outside brackets, parentheses and quotes.
    mutating func parsePath() throws(PathSyntaxError) -> JSONPath {
        let start = i
        var depth = 0
        var quote: Unicode.Scalar? = nil
        scan: while let c = peek {
            if let q = quote {
                if c == "\\" { i += 2; continue }
                if c == q { quote = nil }
                i += 1
                continue
            }
            switch c {
            case "'", "\"": if depth > 0 { quote = c }
            case "[", "(": depth += 1
            case "]":
                if depth > 0 { depth -= 1 }
            case ")":
                if depth == 0 { break scan }
                depth -= 1
            case ",":
                if depth == 0 { break scan }
            default: break
            }
            i += 1
        }
        if i > s.count { i = s.count }
        var end = i
        while end > start, s[end - 1] == " " || s[end - 1] == "\t" || s[end - 1] == "\n" || s[end - 1] == "\r" { end -= 1 }
        let text = slice(start, end)
        do {
            return try JSONPath.parse(text, allowingVariables: true)
        } catch {
            throw PathSyntaxError("Invalid intrinsic function call '\(self.text)': invalid path '\(text)': \(error.message)")
        }
    }
}

extension IntrinsicFunction.Param {
    var article: String {
        switch self {
        case .any: return "a value"
        case .string: return "a string"
        case .integer: return "an integer"
        case .number: return "a number"
        case .array: return "an array"
        case .object: return "an object"
        case .boolean: return "a boolean"
        }
    }
}
