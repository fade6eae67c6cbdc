import CortadoASL
import CortadoJSON
import CortadoRuntime
@testable import CortadoTape
import Testing

/// Lines whose strings have escape sequences run on the lane: written again as the general
/// engine writes them (`Tape.parseCanonicalLine`), their strings copied verbatim and decoded
/// where compared. Every line here must stay on the lane and give the general engine's bytes.
@Suite struct TapeLaneEscapesTests {
    static let lines = [
        #"{"a":"x\ny","b":1}"#,
        #"{"a":"say \"hi\"","b":[1,"\t",{"c":"\\"}]}"#,
        #"{"a":"caf\u00e9","b":"http:\/\/example.com\/x"}"#,
        #"{"a":"\ud83d\ude00 smile","b":"\u0001\u001f"}"#,
        #"{"a":"plain","b":"\/"}"#,
        #"{"k\"ey":"v","a":"w","b":2}"#,
        #"{"a":"\u0041BC","b":"abc"}"#,
        "{ \"a\" : \"x\\ty\" , \"b\" : [ \"\\u00e9\" ] }",
    ]

    @Test func escapedStringsGiveTheGeneralEnginesBytes() throws {
        for definition in [
            #"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#,
            #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.a","all.$":"$","n":"\u00e9"},"ResultPath":"$.copy","End":true}}}"#,
            #"{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.b","OutputPath":"$","End":true}}}"#,
            #"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"x\ny","Next":"Y"},{"Variable":"$.a","StringMatches":"caf*","Next":"Y"},{"Variable":"$.a","StringGreaterThan":"b","Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","Result":"y","End":true},"N":{"Type":"Pass","Result":"n","End":true}}}"#,
            #"{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"v.$":"$.a"},"Next":"Q"},"Q":{"Type":"Pass","Parameters":{"v.$":"$v"},"End":true}}}"#,
            #"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% {'a': $states.input.a, 'len': $length($states.input.a), 'up': $uppercase($states.input.a)} %}","End":true}}}"#,
            #"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"f.$":"$.b[?(@.c)]","g.$":"$..c"},"End":true}}}"#,
        ] {
            let p = try Lane.program(definition)
            let lane = try Lane.lane(p)
            for line in Self.lines {
                #expect(Lane.agree(p, lane, line, "\(definition)"), "handed back: \(line) \(definition)")
            }
        }
    }

    @Test func theOutputIsTheWritersText() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"a":"caf\u00e9 \/ \"q\" \u0001"}"#) == "{\"a\":\"café / \\\"q\\\" \\u0001\"}")
    }

    /// A key spelled two ways is one key (the general engine's parser keeps the last
    /// value): written again, the two are the same bytes, and the repeated-key check hands
    /// the line back when the object is read, as for any repeated key.
    @Test func keysSpelledTwoWaysAreOneKey() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.a"},"End":true}}}"#)
        let lane = try Lane.lane(p)
        #expect(Lane.run(lane, #"{"a":1,"\u0061":2}"#) == nil)
        #expect(Lane.general(p, #"{"a":1,"\u0061":2}"#)?.output == ["a": 2])
        #expect(Lane.run(lane, #"{"a":1,"\u0062":2}"#) == #"{"a":1}"#)
    }

    @Test func invalidEscapesStillGoBack() throws {
        let p = try Lane.program(#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#)
        let lane = try Lane.lane(p)
        for line in [#"{"a":"\x"}"#, #"{"a":"\u12"}"#, #"{"a":"\"}"#, #"{"a":"x\"#] {
            #expect(Lane.run(lane, line) == nil, "\(line)")
        }
    }

    /// Random strings of random escapes (valid or not), as keys and values: whatever the
    /// lane keeps, it ends as the general engine does.
    @Test func randomEscapesAgreeWithTheGeneralEngine() throws {
        let pieces = [#"\""#, #"\\"#, #"\/"#, #"\n"#, #"\t"#, #"\b"#, #"\f"#, #"\r"#, #"\u0041"#, #"\u00e9"#,
                      #"\u0001"#, #"\u001F"#, #"\u007f"#, #"\u2028"#, #"\ud83d\ude00"#, #"\ud800"#, #"\udc00x"#,
                      #"\x"#, #"\u12"#, "a", "é", " ", "b", "\\u0061"]
        var rng = SystemRandomNumberGenerator()
        func text() -> String { (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() }
        let p = try Lane.program(#"{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"é","Next":"Y"},{"Variable":"$.a","StringLessThan":"b","Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","Parameters":{"a.$":"$.a","o.$":"$.o","all.$":"$"},"End":true},"N":{"Type":"Pass","OutputPath":"$.o","End":true}}}"#)
        let lane = try Lane.lane(p)
        var kept = 0, valid = 0
        for _ in 0..<400 {
            let line = #"{"a":"\#(text())","o":{"\#(text())":"\#(text())","k":["\#(text())"]}}"#
            if (try? JSON.parse(line)) != nil { valid += 1 }
            if Lane.agree(p, lane, line) { kept += 1 }
        }
        // Every line the general engine's parser takes stays on the lane.
        #expect(kept == valid, "\(kept) of \(valid) valid lines kept")
    }
}
