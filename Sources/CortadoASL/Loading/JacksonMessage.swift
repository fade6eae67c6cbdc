import CortadoJSON

/// Text that does not parse as JSON, worded as AWS words it: AWS parses definitions and
/// execution input with Jackson and passes its messages through (recorded: "Unrecognized
/// token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or
/// 'false')", "Unexpected character (''' (code 39)): was expecting double-quote to start field
/// name"). The parse error's position says what Jackson was expecting there.
public enum JacksonMessage {
    /// Jackson's message for `error` in `text` (without its location), and the column
    /// Jackson reports (past the whole token, for an unrecognized one).
    public static func describe(_ error: JSONParseError, text: [UInt8]) -> (message: String, column: Int) {
        var column = error.column
        // A run of letters where a value should be: "Unrecognized token", the column just
        // past the token.
        var start = min(error.offset, text.count)
        while start > 0, isTokenByte(text[start - 1]) { start -= 1 }
        if start < text.count, isTokenByte(text[start]), error.kind != .unexpectedEnd {
            var end = start
            while end < text.count, isTokenByte(text[end]), end - start < 256 { end += 1 }
            let token = String(decoding: text[start..<end], as: UTF8.self)
            column += end - error.offset
            return ("Unrecognized token '\(token)': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", column)
        }
        switch error.kind {
        case .unexpectedEnd:
            return ("Unexpected end-of-input", column)
        case .unexpectedByte(let b):
            guard let expecting = expectation(text, before: min(error.offset, text.count)) else { break }
            return ("Unexpected character (\(characterDescription(b))): \(expecting)", column)
        default:
            break
        }
        return ("Unexpected character: " + error.description, column)
    }

    /// StartExecution's message for unparseable `input` (recorded: empty input has its own).
    public static func executionInput(_ error: JSONParseError, text: [UInt8]) -> String {
        if error.kind == .emptyInput { return "Invalid execution input." }
        return describe(error, text: text).message
    }

    /// Jackson's description of a character: `'x' (code 120)`; a control character is
    /// `(CTRL-CHAR, code 9)`.
    static func characterDescription(_ b: UInt8) -> String {
        if b < 0x20 { return "(CTRL-CHAR, code \(b))" }
        return "'\(Character(Unicode.Scalar(b)))' (code \(b))"
    }

    /// What Jackson expects at `offset`, from the text before it: a field name, a value, a
    /// colon or a comma (nil inside a string or after the root value).
    static func expectation(_ text: [UInt8], before offset: Int) -> String? {
        // Each open container, and the last ':' or ',' seen directly inside it.
        var stack: [(open: UInt8, last: UInt8)] = []
        var inString = false, escaped = false
        var last: UInt8 = 0  // the last significant byte; 0 at the start
        for b in text[..<offset] {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") {
                    inString = false
                    last = b
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): stack.append((b, b)); last = b
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast(); last = b
            case UInt8(ascii: ":"), UInt8(ascii: ","):
                if !stack.isEmpty { stack[stack.count - 1].last = b }
                last = b
            case 0x20, 0x09, 0x0A, 0x0D: break
            default: last = b
            }
        }
        if inString { return nil }
        let value = "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        guard let top = stack.last else { return last == 0 ? value : nil }
        let inObject = top.open == UInt8(ascii: "{")
        switch last {
        case UInt8(ascii: "{"): return "was expecting double-quote to start field name"
        case UInt8(ascii: ","): return inObject ? "was expecting double-quote to start field name" : value
        case UInt8(ascii: "["), UInt8(ascii: ":"): return value
        default:
            // After a value (or, in an object, after a field name).
            if !inObject { return "was expecting comma to separate Array entries" }
            return top.last == UInt8(ascii: ":") ? "was expecting comma to separate Object entries"
                : "was expecting a colon to separate field name and value"
        }
    }

    static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b >= 0x80
    }
}
