import CortadoJSON
import Testing

@Suite struct JSONParserTests {
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"[1,-2,3.5,1e10,-0.25E-3,809.0,12345678901234567890123]"#,
        #""plain""#, "0", "null", "[]", "{}",
        #"{"esc":"q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00"}"#,
    ])
    func roundTripIsStable(_ text: String) throws {
        let v = try JSON.parse(text)
        let again = try JSON.parse(v.serialized)
        #expect(v == again)
        #expect(v.serialized == again.serialized)
    }

    @Test func numbersKeepTheirLiteral() throws {
        let v = try JSON.parse(#"[809.0,12345678901234567890123,1E+2,-0]"#)
        #expect(v.serialized == "[809.0,12345678901234567890123,1E+2,-0]")
        #expect(v.arrayValue?[0].numberValue?.int == 809)
        #expect(v.arrayValue?[1].numberValue?.int == nil)
    }

    @Test func semanticEquality() throws {
        #expect(try JSON.parse("1") == JSON.parse("1.0"))
        #expect(try JSON.parse(#"{"a":1,"b":2}"#) == JSON.parse(#"{"b":2,"a":1}"#))
        #expect(try JSON.parse("[1,2]") != JSON.parse("[2,1]"))
        #expect(try JSON.parse(#""1""#) != JSON.parse("1"))
    }

    @Test func keyOrderIsKept() throws {
        #expect(try JSON.parse(#"{"z":1,"a":2,"m":3}"#).serialized == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func duplicateKeysLastWins() throws {
        #expect(try JSON.parse(#"{"a":1,"a":2}"#).serialized == #"{"a":2}"#)
    }

    @Test func escapesAreDecodedAndReencoded() throws {
        let v = try JSON.parse(#""a\u0001b\"c\\d\/e\u00e9""#)
        #expect(v.stringValue == "a\u{01}b\"c\\d/eé")
        #expect(v.serialized == #""a\u0001b\"c\\d/eé""#)
    }

    @Test(arguments: [
        ("", "empty input"), ("{", "unexpected end"), (#"{"a" 1}"#, "unexpected character '1'"),
        ("[1,]", "unexpected character ']'"), ("01", "unexpected data"), ("1.", "invalid number"),
        ("-", "invalid number"), (#""\x""#, "invalid escape"), (#""\ud800""#, "invalid escape"),
        ("tru", "unexpected end"), ("[1] x", "unexpected data"), ("\"a\u{01}\"", "control character"),
        ("NaN", "unexpected character 'N'"),
    ])
    func rejectsBadInputWithAMessage(_ text: String, _ expected: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
        do { _ = try JSON.parse(text) } catch { #expect(error.description.contains(expected), "\(error.description)") }
    }

    @Test func reportsLineAndColumn() {
        do { _ = try JSON.parse("{\n  \"a\": tru\n}"); Issue.record("parsed") } catch {
            #expect(error.line == 2)
            #expect(error.column == 11)  // at the newline that cut `tru` short
        }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xFF, 0xFE, 0x22]
        #expect(throws: JSONParseError.self) { try JSON.parse(bytes) }
    }

    @Test func depthLimit() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        do { _ = try JSON.parse(deep); Issue.record("parsed") } catch {
            #expect(error.kind == .tooDeep(limit: 512))
        }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try JSON.parse(ok, limits: JSONLimits(maxDepth: 100)) != .null)
    }

    @Test func sizeLimit() {
        #expect(throws: JSONParseError.self) { try JSON.parse("[1,2,3]", limits: JSONLimits(maxBytes: 3)) }
    }

    @Test func hugeNumbersDoNotTrap() throws {
        let v = try JSON.parse("1e999999")
        #expect(v.numberValue?.double == .infinity)
        #expect(v.numberValue?.int == nil)
        #expect(v.serialized == "1e999999")
    }
}
