import CortadoASL
import CortadoJSON
@testable import CortadoTape
import Testing

/// The lane's Choice rules compare nodes in place through `ChoiceRule.compare`, the
/// interpreter's own comparison: for every operator, literal and `*Path` form, and values of
/// every kind, the lane keeps the line and routes it as the general engine does.
@Suite struct TapeLaneChoiceTests {
    static let values = [
        #""abc""#, #""abd""#, #""""#, #""Søren""#, #""ｱ""#, #""𝄞""#, #""a*c""#,
        #""2024-01-01T00:00:00Z""#, #""2024-01-01T00:00:00.5+01:00""#, #""not a time""#,
        "0", "-0", "1", "1.0", "1e3", "1000", "-3.25", "123456789012345678", "true", "false", "null",
        #"{"k":1}"#, "[1,2]",
    ]

    /// A literal operand of each type an operator is written with.
    static func literals(_ op: ChoiceOperator) -> [String] {
        switch op {
        case .stringEquals, .stringLessThan, .stringGreaterThan, .stringLessThanEquals, .stringGreaterThanEquals:
            return [#""abc""#, #""""#, #""ｱ""#, #""𝄞""#, #""Søren""#]
        case .stringMatches: return [#""a*c""#, #""*""#, #""S*n""#, #""a\\*c""#]
        case .numericEquals, .numericLessThan, .numericGreaterThan, .numericLessThanEquals, .numericGreaterThanEquals:
            return ["1", "1000", "-3.25", "0"]
        case .booleanEquals: return ["true", "false"]
        case .timestampEquals, .timestampLessThan, .timestampGreaterThan, .timestampLessThanEquals,
             .timestampGreaterThanEquals:
            return [#""2024-01-01T00:00:00Z""#]
        case .isNull, .isPresent, .isNumeric, .isString, .isBoolean, .isTimestamp: return ["true", "false"]
        }
    }

    static func program(_ rule: String) throws -> Program {
        try Lane.program("""
            {"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.v",\(rule),"Next":"Y"}],"Default":"N"},
             "Y":{"Type":"Pass","Result":"yes","End":true},"N":{"Type":"Pass","Result":"no","End":true}}}
            """)
    }

    @Test func everyOperatorAgreesWithTheInterpreterInPlace() throws {
        var checked = 0
        for op in ChoiceOperator.allCases {
            for literal in Self.literals(op) {
                let p = try Self.program(#""\#(op.rawValue)":\#(literal)"#)
                let lane = try Lane.lane(p)
                for v in Self.values {
                    #expect(Lane.agree(p, lane, #"{"v":\#(v)}"#, "\(op.rawValue) \(literal) on \(v)"),
                            "the lane handed back \(op.rawValue) \(literal) on \(v)")
                    checked += 1
                }
            }
            guard op.hasPathForm else { continue }
            let p = try Self.program(#""\#(op.rawValue)Path":"$.w""#)
            let lane = try Lane.lane(p)
            for v in Self.values {
                for w in Self.values {
                    #expect(Lane.agree(p, lane, #"{"v":\#(v),"w":\#(w)}"#, "\(op.rawValue)Path \(v) \(w)"),
                            "the lane handed back \(op.rawValue)Path on \(v), \(w)")
                    checked += 1
                }
            }
        }
        #expect(checked > 7_000)
    }

    /// Strings order by UTF-16 code units (Java's compareTo), not by code points: a
    /// character past U+FFFF sorts before U+FF71 on AWS.
    @Test func stringsOrderAsJavaDoes() throws {
        let p = try Self.program(#""StringLessThan":"ｱ""#)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"v":"𝄞"}"#) == #""yes""#)
        #expect(Lane.run(lane, #"{"v":"ｲ"}"#) == #""no""#)
    }

    /// IsPresent is the one test of a path that selects nothing; any other operator on it
    /// hands the line back, for the interpreter to raise AWS's error.
    @Test func aMissingVariableIsOnlyPresentOrHandedBack() throws {
        let present = try Self.program(#""IsPresent":false"#)
        #expect(Lane.run(try Lane.lane(present), "{}") == #""yes""#)
        let equals = try Self.program(#""StringEquals":"a""#)
        #expect(Lane.run(try Lane.lane(equals), "{}") == nil)
        #expect(Lane.general(equals, "{}")?.status == .failed)
    }
}
