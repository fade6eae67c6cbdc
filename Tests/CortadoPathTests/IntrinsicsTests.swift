import Foundation
import Testing
import CortadoJSON
@testable import CortadoPath

// MARK: - Helpers

private func json(_ text: String) -> JSON {
    do { return try JSON.parse(text) } catch { fatalError("bad test JSON \(text): \(error)") }
}

private let emptyContext: @Sendable () -> JSON = { .object(JSONObject()) }

/// Parses and evaluates; parse errors are test failures.
private func run(_ text: String, _ input: JSON = .object(JSONObject()), context: () -> JSON = emptyContext) throws -> JSON {
    let call = try IntrinsicCall.parse(text)
    return try call.evaluate(input: input, context: context)
}

private func expectValue(_ text: String, _ input: String = "{}", _ expected: JSON, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let v = try run(text, json(input))
        #expect(v == expected, "\(text) gave \(v.serialized)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(text) failed: \(error)", sourceLocation: sourceLocation)
    }
}

private func expectString(_ text: String, _ input: String = "{}", _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    expectValue(text, input, .string(expected), sourceLocation: sourceLocation)
}

private func expectFailure(_ text: String, _ input: String = "{}", _ name: ErrorName = .intrinsicFailure, _ cause: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    let call: IntrinsicCall
    do { call = try IntrinsicCall.parse(text) } catch {
        Issue.record("\(text) did not parse: \(error)", sourceLocation: sourceLocation)
        return
    }
    do {
        let v = try call.evaluate(input: json(input), context: emptyContext)
        Issue.record("\(text) succeeded with \(v.serialized)", sourceLocation: sourceLocation)
    } catch {
        #expect(error == ASLError(name, cause), sourceLocation: sourceLocation)
    }
}

private func expectParseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(throws: PathSyntaxError.self, "\(text) should not parse", sourceLocation: sourceLocation) {
        _ = try IntrinsicCall.parse(text)
    }
}

// MARK: - Parser

@Suite struct IntrinsicsParserTests {
    @Test func parsesNestedCallsLiteralsAndPaths() throws {
        let call = try IntrinsicCall.parse("States.Format('Hello {}, {} {} {}', $.name, States.ArrayLength($.items), -1.5e3, true)")
        #expect(call.function == .format)
        #expect(call.arguments.count == 5)
        guard case .call(let inner) = call.arguments[2] else { Issue.record("expected a nested call"); return }
        #expect(inner.function == .arrayLength)
        #expect(inner.source == "States.ArrayLength($.items)")
        guard case .literal(.number(let n)) = call.arguments[3] else { Issue.record("expected a number"); return }
        #expect(n.literal == "-1.5e3")
        #expect(call.description == call.source)
    }

    @Test func isIntrinsic() {
        #expect(IntrinsicCall.isIntrinsic("States.Array()"))
        #expect(!IntrinsicCall.isIntrinsic("$.States.Array"))
        #expect(!IntrinsicCall.isIntrinsic("States"))
    }

    @Test func rejectsWhatAWSRejectsAtDefinitionTime() {
        expectParseError("States.Nope(1)")
        expectParseError("States.format('x')")
        expectParseError("States.JsonToString('x')")
        expectParseError("States.Array('unterminated)")
        expectParseError("States.Array('bad \\n escape')")
        expectParseError("States.Array(01)")
        expectParseError("States.Array(1.)")
        expectParseError("States.Array(abc)")
        expectParseError("States.Array(1) trailing")
        expectParseError("States.Array(1,)")
        expectParseError("States.Array(1")
        expectParseError("$.a")
    }

    @Test func escapesInStringLiterals() throws {
        expectString(#"States.Format('a\'b\{\}c\\d')"#, "{}", #"a'b{}c\d"#)
        // An escaped brace pair is not a placeholder.
        expectString(#"States.Format('\{}{}', 'x')"#, "{}", "{}x")
        expectValue(#"States.StringToJson('{"a": [1, "\}"]}')"#, "{}", json(#"{"a":[1,"}"]}"#))
    }

    @Test func pathsWithBracketsAndCommas() throws {
        let call = try IntrinsicCall.parse("States.Array($['a,b'], $.c)")
        #expect(call.arguments.count == 2)
        guard case .path(let p) = call.arguments[0] else { Issue.record("expected a path"); return }
        #expect(p.source == "$['a,b']")
    }

    @Test func contextIsLazyAndCached() throws {
        var calls = 0
        let input = json(#"{"a": 1}"#)
        _ = try IntrinsicCall.parse("States.Array($.a)").evaluate(input: input) { calls += 1; return .null }
        #expect(calls == 0)
        let v = try IntrinsicCall.parse("States.Array($$.x, $$.x)").evaluate(input: input) {
            calls += 1
            return json(#"{"x": "c"}"#)
        }
        #expect(calls == 1)
        #expect(v == json(#"["c", "c"]"#))
    }

    @Test func missingPathIsARuntimeError() {
        expectFailure("States.Array($.missing)", #"{"a":1}"#, .runtime,
                      #"Invalid path '$.missing' : No results for path: $['missing']"#)
    }
}

// MARK: - Functions

@Suite struct IntrinsicsFunctionTests {
    @Test func format() {
        expectString("States.Format('Hello, my name is {}.', $.name)", #"{"name":"Arnav"}"#, "Hello, my name is Arnav.")
        expectString("States.Format($.template, $.name)", #"{"name":"Arnav","template":"Hello, my name is {}."}"#, "Hello, my name is Arnav.")
        expectString("States.Format('{} {} {} {} {}', $.a, $.b, $.c, $.d, $.e)",
                     #"{"a":1,"b":1.0,"c":1.5,"d":true,"e":null}"#, "1 1.0 1.5 true null")
        expectString("States.Format('{}|{}|{}|{}', $.a, $.b, $.c, $.d)",
                     #"{"a":1e20,"b":0.0001,"c":12345678.9,"d":123456789012345678901234567890}"#,
                     "1.0E20|1.0E-4|1.23456789E7|123456789012345678901234567890")
        expectString("States.Format('{} and {}', $.o, $.a)", #"{"o":{"Arg1":1,"Arg2":[],"s":"x"},"a":[1,"b",null,{"k":[2]}]}"#,
                     "{Arg1=1, Arg2=[], s=x} and [1, b, null, {k=[2]}]")
        expectFailure("States.Format($.t, 1)", #"{"t":"{} {}"}"#, .intrinsicFailure,
                      "Invalid arguments in States.Format: the template has 2 placeholders but 1 value was given")
        expectFailure("States.Format($.t)", #"{"t":5}"#, .intrinsicFailure,
                      "Invalid arguments in States.Format: argument 1 must be a string, but was a number")
    }

    @Test func stringToJsonAndJsonToString() {
        expectValue("States.StringToJson($.s)", #"{"s":"{\"foo\": \"bar\"}"}"#, json(#"{"foo":"bar"}"#))
        // AWS (recorded): an empty or blank string gives null.
        expectValue("States.StringToJson($.s)", #"{"s":""}"#, .null)
        expectValue("States.StringToJson($.s)", #"{"s":" "}"#, .null)
        expectString("States.JsonToString($.o)", #"{"o":{"foo":"bar","n":[1,2.50,null,true]}}"#, #"{"foo":"bar","n":[1,2.5,null,true]}"#)
        expectFailure("States.StringToJson($.s)", #"{"s":"{nope"}"#, .intrinsicFailure,
                      "Invalid arguments in States.StringToJson: the string '{nope' is not valid JSON")
        expectFailure("States.StringToJson($.s)", #"{"s":[1]}"#, .intrinsicFailure,
                      "Invalid arguments in States.StringToJson: argument 1 must be a string, but was an array")
    }

    @Test func array() {
        expectValue("States.Array()", "{}", json("[]"))
        expectValue("States.Array('a', 1, true, null, $.x)", #"{"x":{"y":[1]}}"#, json(#"["a",1,true,null,{"y":[1]}]"#))
        expectFailure("States.Array($.nope)", "{}", .runtime,
                      "Invalid path '$.nope' : No results for path: $['nope']")
    }

    @Test func arrayPartition() {
        expectValue("States.ArrayPartition($.a, 4)", #"{"a":[1,2,3,4,5,6,7,8,9]}"#, json("[[1,2,3,4],[5,6,7,8],[9]]"))
        expectFailure("States.ArrayPartition($.a, 0)", #"{"a":[1]}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayPartition: the chunk size must be greater than 0, but was 0")
        // A fraction is cut off (Java's intValue), as AWS does for its integer parameters.
        expectValue("States.ArrayPartition($.a, 1.5)", #"{"a":[1,2]}"#, json("[[1],[2]]"))
        expectFailure("States.ArrayPartition($.a, 0.49)", #"{"a":[1]}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayPartition: the chunk size must be greater than 0, but was 0")
        expectFailure("States.ArrayPartition($.a, 3e10)", #"{"a":[1]}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayPartition: argument 2 must be an integer between -2147483648 and 2147483647, but was 3e10")
    }

    @Test func arrayContains() {
        expectValue("States.ArrayContains($.a, 3)", #"{"a":[1,2,3]}"#, .bool(true))
        expectValue("States.ArrayContains($.a, $.v)", #"{"a":[1,{"x":[1]}],"v":{"x":[1]}}"#, .bool(true))
        expectValue("States.ArrayContains($.a, 'x')", #"{"a":[1,2,3]}"#, .bool(false))
        expectFailure("States.ArrayContains($.a, 3)", #"{"a":"123"}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayContains: argument 1 must be an array, but was a string")
    }

    @Test func arrayRange() {
        expectValue("States.ArrayRange(1, 9, 2)", "{}", json("[1,3,5,7,9]"))
        expectValue("States.ArrayRange(10, 0, -5)", "{}", json("[10,5,0]"))
        expectValue("States.ArrayRange(0, 5, -1)", "{}", json("[]"))
        expectValue("States.ArrayRange(0, 999, 1)", "{}", .array((0...999).map { JSON($0) }))
        expectFailure("States.ArrayRange(0, 1000, 1)", "{}", .intrinsicFailure,
                      "Invalid arguments in States.ArrayRange: the range would have 1001 items, more than the maximum of 1000")
        expectFailure("States.ArrayRange(0, 10, 0)", "{}", .intrinsicFailure,
                      "Invalid arguments in States.ArrayRange: the step must not be 0")
        // Fractions are cut off towards zero (recorded against AWS by a public test suite).
        expectValue("States.ArrayRange($.a, $.b, $.c)", #"{"a":1.6,"b":1.4,"c":1}"#, json("[1]"))
        expectValue("States.ArrayRange($.a, $.b, $.c)", #"{"a":5.4,"b":-0.6,"c":-2.4}"#, json("[5,3,1]"))
        expectValue("States.ArrayRange($.a, $.b, $.c)", #"{"a":1.4,"b":5.6,"c":2.2}"#, json("[1,3,5]"))
        expectFailure("States.ArrayRange($.a, $.b, $.c)", #"{"a":1,"b":5,"c":0.49}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayRange: the step must not be 0")
    }

    @Test func arrayGetItem() {
        expectValue("States.ArrayGetItem($.a, 5)", #"{"a":[1,2,3,4,5,6,7,8,9]}"#, JSON(6))
        expectFailure("States.ArrayGetItem($.a, 9)", #"{"a":[1,2,3,4,5,6,7,8,9]}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayGetItem: the index 9 is out of bounds for an array of length 9")
        expectFailure("States.ArrayGetItem($.a, -1)", #"{"a":[1]}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayGetItem: the index -1 is out of bounds for an array of length 1")
        // An empty array gives null, as AWS does.
        expectValue("States.ArrayGetItem($.a, 999)", #"{"a":[]}"#, .null)
        expectValue("States.ArrayGetItem($.a, 0)", #"{"a":[]}"#, .null)
    }

    @Test func arrayLength() {
        expectValue("States.ArrayLength($.a)", #"{"a":[1,2,3]}"#, JSON(3))
        expectFailure("States.ArrayLength($.a)", #"{"a":{"b":1}}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayLength: argument 1 must be an array, but was an object")
    }

    @Test func arrayUnique() {
        expectValue("States.ArrayUnique($.a)", #"{"a":[1,2,3,3,3,3,3,3,4,null,null,"1",{"a":1},{"a":1}]}"#,
                    json(#"[1,2,3,4,null,"1",{"a":1}]"#))
        expectFailure("States.ArrayUnique($.a)", #"{"a":null}"#, .intrinsicFailure,
                      "Invalid arguments in States.ArrayUnique: argument 1 must be an array, but was a null")
    }

    @Test func base64() {
        expectString("States.Base64Encode($.s)", #"{"s":"Data to encode"}"#, "RGF0YSB0byBlbmNvZGU=")
        expectString("States.Base64Encode('é😀!')", "{}", "w6nwn5iAIQ==")
        expectString("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "{}", "Data to encode")
        expectString("States.Base64Decode('w6nwn5iAIQ')", "{}", "é😀!")
        // Decoded leniently, as AWS does: spaces, line breaks and other characters outside
        // the alphabet are skipped, the padding ends the data.
        expectString("States.Base64Decode(' YWJjZA== ')", "{}", "abcd")
        expectString("States.Base64Decode($.s)", #"{"s":"RGF0YSB0\r\nbyBlbmNv\nZGU="}"#, "Data to encode")
        expectString("States.Base64Decode('ab==cd')", "{}", "i")
        expectString("States.Base64Decode('YWJj*!')", "{}", "abc")
        let big = String(repeating: "a", count: 10_001)
        expectFailure("States.Base64Encode($.s)", #"{"s":"\#(big)"}"#, .intrinsicFailure,
                      "Invalid arguments in States.Base64Encode: the input string has 10001 characters, more than the maximum of 10000")
        expectFailure("States.Base64Decode($.s)", #"{"s":"\#(big)"}"#, .intrinsicFailure,
                      "Invalid arguments in States.Base64Decode: the input string has 10001 characters, more than the maximum of 10000")
    }

    @Test func hash() throws {
        let vectors: [(String, String, String)] = [
            ("input data", "MD5", "812f45842bc6d66ee14572ce20db8e86"),
            ("input data", "SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
            ("input data", "SHA-256", "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"),
            ("input data", "SHA-384", "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"),
            ("input data", "SHA-512", "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"),
            ("", "MD5", "d41d8cd98f00b204e9800998ecf8427e"),
            ("", "SHA-1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("", "SHA-384", "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"),
            (String(repeating: "a", count: 200) + "é😀", "MD5", "bd39e5c894c6ed01e8d31c1c9783fc79"),
            (String(repeating: "a", count: 200) + "é😀", "SHA-1", "e65f8fd33a72f01a7e6c41b88c5ca05fbee14a38"),
            (String(repeating: "a", count: 200) + "é😀", "SHA-256", "efe22f0f1b70ad0fd402943e781efc6a399e190b1a4a5e8552751e9fe939aeda"),
            (String(repeating: "a", count: 200) + "é😀", "SHA-512", "65d5b4a8826744f4d0e0987d7d87fa8104ef7f0ff6b16b73874078629ab47241142fe796b36eba0bab0aa31ef57f2e96e50596db29b8080c6409c3959058dfc4"),
        ]
        for (data, alg, digest) in vectors {
            let input = JSON.object(JSONObject([(key: "d", value: .string(data)), (key: "a", value: .string(alg))]))
            #expect(try run("States.Hash($.d, $.a)", input) == .string(digest), "\(alg) of \(data.prefix(10))")
        }
        expectFailure("States.Hash('x', 'SHA-2')", "{}", .intrinsicFailure,
                      "Invalid arguments in States.Hash: the hash algorithm 'SHA-2' is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512")
        // A number or object is hashed as its JSON text (AWS does not refuse it).
        expectValue("States.Hash($.d, 'MD5')", #"{"d":1}"#, "c4ca4238a0b923820dcc509a6f75849b")
        expectValue("States.Hash($.d, 'MD5')", #"{"d":{"a":1}}"#, .string(Digest.hex(Digest.md5(Array(#"{"a":1}"#.utf8)))))
        expectFailure("States.Hash('x', $.a)", #"{"a":1}"#, .intrinsicFailure,
                      "Invalid arguments in States.Hash: argument 2 must be a string, but was a number")
    }

    @Test func jsonMerge() {
        expectValue("States.JsonMerge($.a, $.b, false)", #"{"a":{"a":{"a1":1},"b":2,"d":3},"b":{"a":{"a3":1},"c":3,"d":4}}"#,
                    json(#"{"a":{"a3":1},"b":2,"d":4,"c":3}"#))
        expectFailure("States.JsonMerge($.a, $.b, true)", #"{"a":{},"b":{}}"#, .intrinsicFailure,
                      "Invalid arguments in States.JsonMerge: deep merge is not supported, the third argument must be false")
        // Any flag but true merges shallowly (AWS takes the string "false").
        expectValue("States.JsonMerge($.a, $.b, 'false')", #"{"a":{"x":1},"b":{"y":2}}"#, json(#"{"x":1,"y":2}"#))
        expectFailure("States.JsonMerge($.a, $.b, false)", #"{"a":{},"b":[]}"#, .intrinsicFailure,
                      "Invalid arguments in States.JsonMerge: argument 2 must be an object, but was an array")
    }

    @Test func mathRandom() throws {
        for _ in 0..<50 {
            guard case .number(let n) = try run("States.MathRandom(1, 5)") else { Issue.record("not a number"); return }
            #expect((1..<5).contains(n.int ?? -1))
        }
        // Seeded: java.util.Random, so the same seed always gives the same value.
        let a = try run("States.MathRandom(0, 1000, 42)")
        #expect(a == (try run("States.MathRandom(0, 1000, 42)")))
        var r = JavaRandom(seed: 42)
        #expect(r.next(32) == -1_170_105_035)  // new java.util.Random(42).nextInt()
        expectFailure("States.MathRandom(5, 5)", "{}", .intrinsicFailure,
                      "Invalid arguments in States.MathRandom: the start value 5 must be less than the end value 5")
        expectFailure("States.MathRandom($.a, $.b)", #"{"a":1.4,"b":1.6}"#, .intrinsicFailure,
                      "Invalid arguments in States.MathRandom: the start value 1 must be less than the end value 1")
    }

    @Test func mathAdd() {
        expectValue("States.MathAdd($.a, $.b)", #"{"a":111,"b":-1}"#, JSON(110))
        expectValue("States.MathAdd(1.5, -2.5)", "{}", JSON(0))
        // The sum is a Java int: past its range the call fails, as it does on AWS.
        expectValue("States.MathAdd(2147483646, 1)", "{}", JSON(2_147_483_647))
        expectFailure("States.MathAdd(2147483647, 1)", "{}", .intrinsicFailure,
                      "Invalid arguments in States.MathAdd: the sum 2147483648 is outside the range -2147483648 to 2147483647")
        expectFailure("States.MathAdd(-2147483648, -1)", "{}", .intrinsicFailure,
                      "Invalid arguments in States.MathAdd: the sum -2147483649 is outside the range -2147483648 to 2147483647")
        expectFailure("States.MathAdd($.a, 1)", #"{"a":"1"}"#, .intrinsicFailure,
                      "Invalid arguments in States.MathAdd: argument 1 must be a number, but was a string")
        expectFailure("States.MathAdd(2147483648, 1)", "{}", .intrinsicFailure,
                      "Invalid arguments in States.MathAdd: argument 1 must be a number between -2147483648 and 2147483647, but was 2147483648")
    }

    @Test func stringSplit() {
        expectValue("States.StringSplit('1,2,3,4,5', ',')", "{}", json(#"["1","2","3","4","5"]"#))
        expectValue("States.StringSplit($.s, '.+,=')", #"{"s":"This.is+a,test=string"}"#, json(#"["This","is","a","test","string"]"#))
        expectValue("States.StringSplit(',,a,,', ',')", "{}", json(#"["a"]"#))
        expectValue("States.StringSplit('a\r\nb', '\n')", "{}", json(#"["a\r","b"]"#))
        expectFailure("States.StringSplit($.s, ',')", #"{"s":1}"#, .intrinsicFailure,
                      "Invalid arguments in States.StringSplit: argument 1 must be a string, but was a number")
    }

    @Test func uuid() throws {
        let a = try run("States.UUID()"), b = try run("States.UUID()")
        #expect(a != b)
        let s = a.stringValue ?? ""
        #expect(s.count == 36)
        let chars = Array(s)
        #expect(chars[14] == "4")
        #expect("89ab".contains(chars[19]))
        #expect(s == s.lowercased())
        expectFailure("States.UUID('x')", "{}", .intrinsicFailure, "Invalid arguments in States.UUID: States.UUID takes 0 arguments, but 1 were given")
    }

    /// AWS deploys a call with the wrong number of arguments, a literal of the wrong type or
    /// Format placeholders that do not match its values, and fails it when it runs
    /// (recorded by a suite run against AWS: `States.Hash()`, `States.ArrayGetItem('x', 0)`,
    /// `States.Format('{} {}', $.a)` are States.Runtime executions, not invalid definitions).
    @Test func wrongArgumentsFailWhenTheCallRuns() {
        func fails(_ text: String, _ detail: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let fn = String(text.prefix { $0 != "(" })
            expectFailure(text, #"{"a":[1]}"#, .intrinsicFailure, "Invalid arguments in \(fn): \(detail)", sourceLocation: sourceLocation)
        }
        fails("States.ArrayLength()", "States.ArrayLength takes 1 argument, but 0 were given")
        fails("States.ArrayLength($.a, $.a)", "States.ArrayLength takes 1 argument, but 2 were given")
        fails("States.UUID(1)", "States.UUID takes 0 arguments, but 1 were given")
        fails("States.MathRandom(1)", "States.MathRandom takes 2 to 3 arguments, but 1 were given")
        fails("States.Format()", "States.Format takes at least 1 argument, but 0 were given")
        fails("States.Format('{} {}', 1)", "the template has 2 placeholders but 1 value was given")
        fails("States.Format('{}', 1, 2)", "the template has 1 placeholder but 2 values were given")
        fails("States.ArrayLength('abc')", "argument 1 must be an array, but was a string")
        fails("States.MathAdd('1', 2)", "argument 1 must be a number, but was a string")
        fails("States.ArrayGetItem('not-array', 0)", "argument 1 must be an array, but was a string")
        // AWS hashes a number literal as its text, as it does a number from the input.
        expectValue("States.Hash(123, 'MD5')", "{}", .string("202cb962ac59075b964b07152d234b70"))
    }

    @Test func javaDoubleText() {
        #expect(JavaText.double(1.0) == "1.0")
        #expect(JavaText.double(100) == "100.0")
        #expect(JavaText.double(1234567) == "1234567.0")
        #expect(JavaText.double(1e7) == "1.0E7")
        #expect(JavaText.double(0.001) == "0.001")
        #expect(JavaText.double(0.000123) == "1.23E-4")
        #expect(JavaText.double(-2.5e-10) == "-2.5E-10")
        #expect(JavaText.double(1.7976931348623157e308) == "1.7976931348623157E308")
    }
}

// MARK: - Conformance corpus (recorded against AWS)

@Suite struct IntrinsicsCorpusTests {
    static var casesDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/conformance/cases/intrinsic_functions").standardizedFileURL
    }

    /// A `<...>` placeholder in an expected string matches any string.
    static func matches(_ actual: JSON, _ expected: JSON) -> Bool {
        if case .string(let e) = expected, e.hasPrefix("<"), e.hasSuffix(">"), case .string = actual { return true }
        return actual == expected
    }

    @Test func corpusCases() throws {
        let dir = Self.casesDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        var checked = 0, skipped: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let data = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let c = try JSON.parse(data)
            let features = (c["features"]?.arrayValue ?? []).compactMap(\.stringValue)
            if features.contains("jsonata") || features.contains("variables") { continue }
            guard let states = c["definition"]?["States"]?.objectValue, states.count == 1,
                  let state = states.members.first?.value, state["Type"]?.stringValue == "Pass",
                  let params = state["Parameters"]?.objectValue,
                  c["expected"]?["status"]?.stringValue == "SUCCEEDED",
                  var expected = c["expected"]?["output"], let input = c["input"]
            else { skipped.append(name); continue }
            // ResultPath "$.r" + OutputPath "$.r.k": the output is the value of parameter k.
            var onlyKey: String? = nil
            if let rp = state["ResultPath"]?.stringValue, let op = state["OutputPath"]?.stringValue {
                guard op.hasPrefix(rp + ".") else { skipped.append(name); continue }
                onlyKey = String(op.dropFirst(rp.count + 1))
                expected = .object(JSONObject([(key: onlyKey!, value: expected)]))
            }
            let context = JSON.object(JSONObject([
                (key: "Execution", value: .object(JSONObject([(key: "Input", value: input), (key: "Name", value: "exec-name")]))),
                (key: "StateMachine", value: .object(JSONObject([(key: "Name", value: "sm-name-part-0")]))),
            ]))
            var caseChecked = false
            for m in params.members where m.key.hasSuffix(".$") {
                guard let text = m.value.stringValue, IntrinsicCall.isIntrinsic(text) else { continue }
                let key = String(m.key.dropLast(2))
                if let k = onlyKey, k != key { continue }
                let call = try IntrinsicCall.parse(text)
                let result = try call.evaluate(input: input, context: { context })
                guard let want = expected[key] else { Issue.record("\(name): no expected \(key)"); continue }
                #expect(Self.matches(result, want), "\(name): \(text) gave \(result.serialized), expected \(want.serialized)")
                caseChecked = true
            }
            if caseChecked { checked += 1 } else { skipped.append(name) }
        }
        #expect(skipped.isEmpty, "skipped: \(skipped)")
        #expect(checked >= 90, "checked \(checked) corpus cases")
    }
}
