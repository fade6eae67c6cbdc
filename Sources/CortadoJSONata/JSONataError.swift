/// A JSONata compile-time or evaluation error, with the reference implementation's code
/// (`S0101`…, `T2001`…, `D3030`…, `U1001`).
public struct JSONataError: Error, Sendable, CustomStringConvertible {
    /// The JSONata error code, e.g. `"T2001"`.
    public var code: String
    /// A human-readable message.
    public var message: String
    /// Character offset into the expression, when known.
    public var position: Int?
    /// The token the error relates to, when known.
    public var token: String?

    public init(code: String, message: String? = nil, position: Int? = nil, token: String? = nil) {
        self.code = code
        self.position = position
        self.token = token
        self.message = message ?? JSONataError.template(code, token: token)
    }

    public var description: String { "\(code): \(message)" + (position.map { " (at \($0))" } ?? "") }

    static func template(_ code: String, token: String?) -> String {
        let t = token ?? ""
        switch code {
        case "S0101": return "String literal must be terminated by a matching quote"
        case "S0102": return "Number out of range: \(t)"
        case "S0103": return "Unsupported escape sequence: \\\(t)"
        case "S0104": return "The escape sequence \\u must be followed by 4 hex digits"
        case "S0105": return "Quoted property name must be terminated with a backquote (`)"
        case "S0106": return "Comment has no closing tag"
        case "S0201": return "Syntax error: \(t)"
        case "S0202": return "Expected token, got \(t)"
        case "S0203": return "Expected token before end of expression"
        case "S0204": return "Unknown operator: \(t)"
        case "S0207": return "Unexpected end of expression"
        case "S0208": return "Parameter of function definition must be a variable name (start with $)"
        case "S0211": return "The symbol \(t) cannot be used as a unary operator"
        case "S0212": return "The left side of := must be a variable name (start with $)"
        case "S0213": return "The literal value \(t) cannot be used as a step within a path expression"
        case "S0214": return "The right side of \(t) must be a variable name (start with $)"
        case "S0217": return "The object representing the 'parent' cannot be derived from this expression"
        case "S0301": return "Empty regular expressions are not allowed"
        case "S0302": return "No terminating / in regular expression"
        case "T0410": return "Argument of function \(t) does not match function signature"
        case "T0411": return "Context value is not a compatible type with argument of function \(t)"
        case "T0412": return "Argument of function \(t) must be an array of the declared type"
        case "D1001": return "Number out of range"
        case "D1002": return "Cannot negate a non-numeric value"
        case "T1003": return "Key in object structure must evaluate to a string"
        case "D1004": return "Regular expression matches zero length string"
        case "T1005": return "Attempted to invoke a non-function. Did you mean $\(t)?"
        case "T1006": return "Attempted to invoke a non-function"
        case "T1007": return "Attempted to partially apply a non-function. Did you mean $\(t)?"
        case "T1008": return "Attempted to partially apply a non-function"
        case "D1009": return "Multiple key definitions evaluate to same key"
        case "T2001": return "The left side of the \(t) operator must evaluate to a number"
        case "T2002": return "The right side of the \(t) operator must evaluate to a number"
        case "T2003": return "The left side of the range operator (..) must evaluate to an integer"
        case "T2004": return "The right side of the range operator (..) must evaluate to an integer"
        case "T2006": return "The right side of the function application operator ~> must be a function"
        case "T2007": return "Type mismatch when comparing values in order-by clause"
        case "T2008": return "The expressions within an order-by clause must evaluate to numeric or string values"
        case "T2009": return "The values either side of operator \(t) must be of the same data type"
        case "T2010": return "The expressions either side of operator \(t) must evaluate to numeric or string values"
        case "T2011": return "The insert/update clause of the transform expression must evaluate to an object"
        case "T2012": return "The delete clause of the transform expression must evaluate to a string or array of strings"
        case "D2014": return "The size of the sequence allocated by the range operator (..) must not exceed 1e7"
        case "D3001": return "Attempting to invoke string function on Infinity or NaN"
        case "D3010": return "Second argument of replace function cannot be an empty string"
        case "D3011": return "Fourth argument of replace function must evaluate to a positive number"
        case "D3012": return "Attempted to replace a matched string with a non-string value"
        case "D3020": return "Third argument of split function must evaluate to a positive number"
        case "D3030": return "Unable to cast value to a number"
        case "D3040": return "Third argument of match function must evaluate to a positive number"
        case "D3050": return "The second argument of reduce function must be a function with at least two arguments"
        case "D3060": return "The sqrt function cannot be applied to a negative number"
        case "D3061": return "The power function has resulted in a value that cannot be represented as a JSON number"
        case "D3070": return "The single argument form of the sort function can only be applied to an array of strings or an array of numbers"
        case "D3100": return "The radix of the formatBase function must be between 2 and 36"
        case "D3110": return "The argument of the toMillis function must be an ISO 8601 formatted timestamp"
        case "D3137", "D3141": return t
        case "D3138": return "The $single() function expected exactly 1 matching result.  Instead it matched more."
        case "D3139": return "The $single() function expected exactly 1 matching result.  Instead it matched 0."
        case "U1001": return "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."
        default: return "JSONata error \(code)" + (t.isEmpty ? "" : ": \(t)")
        }
    }
}

@inline(__always) func jerr(_ code: String, _ pos: Int? = nil, _ token: String? = nil) -> JSONataError {
    JSONataError(code: code, position: pos, token: token)
}
