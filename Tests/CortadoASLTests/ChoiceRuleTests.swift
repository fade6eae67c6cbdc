import CortadoASL
import CortadoJSON
import CortadoPath
import Testing

@Suite struct ChoiceRuleTests {
    /// Evaluates `{"Variable":"$.v", op: operand}` against `{"v": value, "o": other}`.
    static func check(_ op: ChoiceOperator, _ value: JSON?, _ operand: JSON, path: Bool = false) throws -> Bool {
        var doc = JSONObject()
        if let value { doc["v"] = value }
        doc["o"] = operand
        let rule = ChoiceRule.compare(
            variable: try JSONPath.parse("$.v"), op: op,
            operand: path ? .path(try JSONPath.parse("$.o")) : .literal(operand))
        return try rule.evaluate { $0.evaluate(.object(doc)) }
    }

    typealias Case = (op: ChoiceOperator, value: JSON?, operand: JSON, expected: Bool)
    static let cases: [Case] = [
        (.stringEquals, "a", "a", true), (.stringEquals, "a", "b", false), (.stringEquals, 1, "1", false),
        (.stringLessThan, "A", "AB", true), (.stringLessThan, "AB", "A", false),
        (.stringGreaterThan, "b", "a", true), (.stringGreaterThan, "", "", false),
        (.stringLessThanEquals, "a", "a", true), (.stringGreaterThanEquals, "a", "b", false),
        (.stringMatches, "log-2024.txt", "log-*.txt", true), (.stringMatches, "a*b", #"a\*b"#, true),
        (.stringMatches, "axb", #"a\*b"#, false), (.stringMatches, "abc", "*", true),
        (.numericEquals, 1, 1.0, true), (.numericEquals, 1.1, 1, false), (.numericEquals, "1", 1, false),
        (.numericLessThan, 1, 2, true), (.numericGreaterThan, 3, 2.5, true),
        (.numericLessThanEquals, 2, 2, true), (.numericGreaterThanEquals, 1, 2, false),
        (.booleanEquals, true, true, true), (.booleanEquals, 1, true, false), (.booleanEquals, false, false, true),
        (.timestampEquals, "2012-10-09T19:00:55Z", "2012-10-09T20:00:55+01:00", true),
        (.timestampLessThan, "2012-10-09T19:00:55Z", "2012-10-09T19:00:56Z", true),
        (.timestampGreaterThan, "2012-10-09T19:00:55.5Z", "2012-10-09T19:00:55Z", true),
        (.timestampLessThanEquals, "not a time", "2012-10-09T19:00:55Z", false),
        (.timestampGreaterThanEquals, "2012-10-09T19:00:55Z", "2012-10-09T19:00:55Z", true),
        (.isNull, .null, true, true), (.isNull, 0, false, true),
        (.isPresent, nil, true, false), (.isPresent, nil, false, true), (.isPresent, .null, true, true),
        (.isNumeric, 1.5, true, true), (.isNumeric, "1", true, false), (.isNumeric, "1", false, true),
        (.isString, "", true, true), (.isString, [], true, false),
        (.isBoolean, false, true, true), (.isBoolean, "true", true, false),
        (.isTimestamp, "2016-03-14T01:59:00Z", true, true), (.isTimestamp, "2016-03-14 01:59:00Z", true, false),
        (.isTimestamp, "2016-13-14T01:59:00Z", false, true),
    ]

    @Test(arguments: cases.indices)
    func literalOperand(_ i: Int) throws {
        let c = Self.cases[i]
        #expect(try Self.check(c.op, c.value, c.operand) == c.expected, "\(c.op.rawValue) \(String(describing: c.value)) \(c.operand)")
    }

    @Test(arguments: cases.indices.filter { cases[$0].op.hasPathForm })
    func pathOperandMatchesLiteral(_ i: Int) throws {
        let c = Self.cases[i]
        #expect(try Self.check(c.op, c.value, c.operand, path: true) == c.expected, "\(c.op.rawValue)Path")
    }

    @Test func everyOperatorIsCovered() {
        let covered = Set(Self.cases.map(\.op))
        #expect(covered == Set(ChoiceOperator.allCases))
    }

    static let missing = "The choice state's condition path references an invalid value."

    /// AWS fails the execution (States.Runtime) when a rule's Variable selects nothing; only
    /// IsPresent asks whether it is there. A regression test: these rules were simply false.
    @Test(arguments: ChoiceOperator.allCases.filter { $0 != .isPresent })
    func missingVariableIsAnError(_ op: ChoiceOperator) throws {
        let operand: JSON = op.rawValue.hasPrefix("Is") || op == .booleanEquals ? false
            : op.rawValue.hasPrefix("Numeric") ? 1 : "2016-03-14T01:59:00Z"
        #expect(throws: ASLError.runtime("Invalid path '$.v': \(Self.missing)")) { try Self.check(op, nil, operand) }
    }

    @Test func missingPathOperandIsAnError() throws {
        let rule = ChoiceRule.compare(variable: try JSONPath.parse("$.v"), op: .numericEquals, operand: .path(try JSONPath.parse("$.none")))
        #expect(throws: ASLError.runtime("Invalid path '$.none': \(Self.missing)")) { try rule.evaluate { $0.evaluate(["v": 1]) } }
    }

    @Test func andOrStopAtTheDecidingRule() throws {
        // The second rule reads a missing path, but And/Or are decided before it is read.
        let absent = ChoiceRule.compare(variable: try JSONPath.parse("$.zz"), op: .isPresent, operand: .literal(true))
        let reads = ChoiceRule.compare(variable: try JSONPath.parse("$.zz"), op: .stringEquals, operand: .literal("x"))
        let doc: JSON = ["v": 1]
        #expect(try !ChoiceRule.and([absent, reads]).evaluate { $0.evaluate(doc) })
        #expect(try ChoiceRule.or([.not(absent), reads]).evaluate { $0.evaluate(doc) })
        #expect(throws: ASLError.self) { try ChoiceRule.or([absent, reads]).evaluate { $0.evaluate(doc) } }
    }

    @Test func andOrNot() throws {
        let t = ChoiceRule.compare(variable: try JSONPath.parse("$.v"), op: .isPresent, operand: .literal(true))
        let f = ChoiceRule.not(t)
        let doc: JSON = ["v": 1]
        #expect(try ChoiceRule.and([t, t]).evaluate { $0.evaluate(doc) })
        #expect(try !ChoiceRule.and([t, f]).evaluate { $0.evaluate(doc) })
        #expect(try ChoiceRule.or([f, t]).evaluate { $0.evaluate(doc) })
        #expect(try !ChoiceRule.or([f, f]).evaluate { $0.evaluate(doc) })
    }
}

@Suite struct TimestampTests {
    @Test func parsesAndFormats() throws {
        let t = try #require(Timestamp.parse("2016-03-14T01:59:00.123+01:00"))
        #expect(t.iso8601 == "2016-03-14T00:59:00.123Z")
        #expect(Timestamp.parse("2016-02-30T00:00:00Z") == nil)
        #expect(Timestamp.parse("2016-02-29T00:00:00Z") != nil)
        #expect(Timestamp.parse("2016-03-14T01:59:00") == nil)
        #expect(Timestamp.parse("2016-03-14T01:59:00.1234567891Z") == nil)
        #expect(Timestamp(milliseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
    }
}

@Suite struct CompilerTests {
    static func compile(_ text: String) throws -> Result<Program, [Diagnostic]> { Compiler.compile(try JSON.parse(text)) }

    @Test func transitionsAreIndices() throws {
        let p = try Self.compile(#"{"StartAt":"B","States":{"A":{"Type":"Succeed"},"B":{"Type":"Pass","Next":"A"}}}"#).get()
        #expect(p.main.start == 1)
        #expect(p.headers[1].next == 0)
        #expect(p.headers.map(\.name) == ["A", "B"])
    }

    @Test func nestedMachinesShareTheCodeArray() throws {
        let p = try Self.compile("""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true}}}
            """).get()
        #expect(p.code.count == 2)
        guard case .map(let m) = p.code[0] else { Issue.record("not a map"); return }
        #expect(m.processor.start == 1)
    }

    @Test func jsonataAndVariablesCompile() throws {
        let p = try Self.compile(#"{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% 1 %}","Assign":{"x":"{% 2 %}"},"End":true}}}"#).get()
        #expect(p.headers[0].language == .jsonata)
        #expect(p.headers[0].output != nil)
        guard case .jsonata? = p.headers[0].assign else { Issue.record("no JSONata Assign"); return }
        let q = try Self.compile(#"{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1,"y.$":"$.a"},"End":true}}}"#).get()
        guard case .jsonPath? = q.headers[0].assign else { Issue.record("no JSONPath Assign"); return }
    }

    @Test func jsonataSyntaxErrorsAndUnsupportedReadersAreRejectedCleanly() throws {
        guard case .failure(let d) = try Self.compile(#"{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"v":"{% 1 + %}"},"End":true}}}"#) else {
            Issue.record("compiled"); return
        }
        #expect(d.first?.location == "/States/A/Output")
        #expect(d.first?.message.contains("'Output/v'") == true)
        guard case .failure(let d2) = try Self.compile("""
            {"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"PARQUET"},
             "Parameters":{"Bucket":"b","Key":"k"}},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true}}}
            """) else {
            Issue.record("compiled"); return
        }
        #expect(d2.first?.code == .unsupportedFeature)
        #expect(d2.first?.location == "/States/M/ItemReader/ReaderConfig/InputType")
    }

    @Test func badPathsAreDiagnostics() throws {
        guard case .failure(let d) = try Self.compile(#"{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.[","End":true}}}"#) else {
            Issue.record("compiled"); return
        }
        #expect(d.first?.code == .invalidJSONPath)
        #expect(d.first?.location == "/States/A/InputPath")
    }
}
