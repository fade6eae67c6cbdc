import CortadoJSON
@testable import CortadoJSONata
import Testing

@Suite struct JSONataParserTests {
    @Test(arguments: [
        ("\"unterminated", "S0101"), ("1e999", "S0102"), ("\"\\q\"", "S0103"), ("\"\\u12\"", "S0104"), ("`name", "S0105"),
        ("/* open", "S0106"), ("a b", "S0201"), ("(1; 2", "S0203"), ("[1, 2", "S0203"), ("1 ! 2", "S0204"),
        ("function(a){1}", "S0208"), ("${'x':1}[0]", "S0209"), ("1 := 2", "S0212"), ("a.1", "S0213"), ("a@b", "S0214"),
        ("%.a", "S0217"), ("$match('a', //)", "S0301"), ("$match('a', /abc)", "S0302"), (")", "S0211"),
        ("function($a)<x<y>:s>{1}", "S0401"),
    ])
    func syntaxErrorsCarryCodes(_ c: (String, String)) {
        #expect(errorCode(c.0) == c.1, "\(c.0)")
    }

    @Test func compiledExpressionKeepsSource() throws {
        let e = try JSONataExpression("a.b")
        #expect(e.source == "a.b")
        #expect(try e.evaluate(try JSON.parse(#"{"a":{"b":3}}"#)) == 3)
    }

    @Test func commentsAndBackquotedNames() throws {
        #expect(try ev("/* c */ `a b` /* d */", #"{"a b": 5}"#) == "5")
        #expect(try ev("$.'x y'", #"{"x y": true}"#) == "true")
    }

    @Test func deepNestingIsRejectedNotCrashing() throws {
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(errorCode(deep) != nil)
        let chain = Array(repeating: "1", count: 5000).joined(separator: "+")
        #expect(errorCode(chain) != nil)
        let ok = Array(repeating: "1", count: 200).joined(separator: "+")
        #expect(try ev(ok) == "200")
    }

    @Test func lexerHandlesEscapesAndSurrogatePairs() throws {
        #expect(try ev(#""\ud83d\ude00""#) == "\"😀\"")
        #expect(try ev(#""a\tb\n""#) == #""a\tb\n""#)
        #expect(try ev(#""it's""#) == #""it's""#)
        #expect(errorCode(#"'it\'s'"#) == "S0103")
    }

    @Test func signaturesParseAndValidate() throws {
        #expect(try ev("function($a, $b)<nn:n>{ $a + $b }(1, 2)") == "3")
        #expect(errorCode("function($a)<n:n>{ $a }('x')") == "T0410")
        #expect(try ev("function($s)<s-:s>{ $uppercase($s) }()", #""abc""#) == #""ABC""#)
        #expect(errorCode("function($a)<a<n>:n>{ $sum($a) }(['x'])") == "T0412")
    }
}
