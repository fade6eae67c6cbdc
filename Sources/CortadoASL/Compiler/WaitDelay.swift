import CortadoJSON
import CortadoPath

/// How a Wait state reads its SecondsPath and TimestampPath values, and the longest delay
/// AWS accepts: AWS's rules and causes, written once for the interpreter and the tape lane.
public enum WaitDelay {
    /// The longest delay AWS accepts, in seconds (2^31 - 1).
    public static let maxDelaySeconds: Int64 = 2_147_483_647

    /// What a SecondsPath selected (nil: nothing) as whole seconds (at most 2^40: beyond the
    /// longest delay, refused by the caller), or AWS's cause.
    public static func seconds(fromPath v: JSON?, path: String) -> Result<Int64, ASLError> {
        guard let v else { return .failure(.runtime("The SecondsPath parameter does not reference an input value: \(path)")) }
        guard case .number(let n) = v, n.isIntegerLiteral, let s = n.int else {
            return .failure(.runtime("The SecondsPath parameter cannot be parsed as a long value: \(path) == \(v.stringValue ?? v.serialized)"))
        }
        guard s >= 0 else { return .failure(.runtime("The SecondsPath parameter references a negative value: \(path) == \(s)")) }
        return .success(Int64(min(s, 1 << 40)))
    }

    /// A JSONata Wait's Timestamp expression's text as epoch milliseconds, or AWS's cause.
    public static func instant(fromExpression text: String) -> Result<Int64, ASLError> {
        guard let ts = Timestamp.parse(text) else {
            return .failure(ASLError(.queryEvaluationError,
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: \(text)"))
        }
        return .success(ts.milliseconds)
    }

    /// What a TimestampPath selected (nil: nothing) as epoch milliseconds, or AWS's cause.
    /// (A path that selects nothing words as SecondsPath's, the recorded one.)
    public static func instant(fromPath v: JSON?, path: String) -> Result<Int64, ASLError> {
        guard let v else { return .failure(.runtime("The TimestampPath parameter does not reference an input value: \(path)")) }
        guard let text = v.stringValue, let ts = Timestamp.parse(text) else {
            return .failure(.runtime(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: \(path) == \(v.stringValue ?? v.serialized)"))
        }
        return .success(ts.milliseconds)
    }
}
