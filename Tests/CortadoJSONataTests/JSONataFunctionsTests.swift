import CortadoJSON
@testable import CortadoJSONata
import Testing

@Suite struct JSONataFunctionsTests {
    @Test(arguments: [
        ("$string({'a': [1, 2.5, true]})", #""{\"a\":[1,2.5,true]}""#),
        ("$string([1,2], true)", #""[\n  1,\n  2\n]""#),
        ("$substring('hello world', -5, 3)", #""wor""#),
        ("$substringBefore('a-b-c', '-')", #""a""#),
        ("$substringAfter('a-b-c', '-')", #""b-c""#),
        ("$length('😀ab')", "3"),
        ("$trim('  a \n b  ')", #""a b""#),
        ("$pad('x', -4, '#')", "\"###x\""),
        ("$join(['a','b'], '/')", #""a/b""#),
        ("$split('a,b,c', ',', 2)", #"["a","b"]"#),
        ("$replace('aaa', 'a', 'b', 2)", #""bba""#),
        ("$base64encode('hello')", #""aGVsbG8=""#),
        ("$base64decode('aGVsbG8=')", #""hello""#),
        ("$encodeUrlComponent('a b&c')", #""a%20b%26c""#),
        ("$decodeUrl('a%20b')", #""a b""#),
        ("$number('0x1F')", "31"),
        ("$round(2.5)", "2"),
        ("$round(3.14159, 2)", "3.14"),
        ("$formatBase(255, 16)", #""ff""#),
        ("$power(2, 10)", "1024"),
        ("$sqrt(16)", "4"),
        ("$max([1,5,3])", "5"),
        ("$average([1,2,3,4])", "2.5"),
        ("$count([1,2,3])", "3"),
        ("$append([1], 2)", "[1,2]"),
        ("$reverse([1,2,3])", "[3,2,1]"),
        ("$distinct([1,1,2,'a','a'])", #"[1,2,"a"]"#),
        ("$sort([3,1,2])", "[1,2,3]"),
        ("$sort(['b','a'], function($l, $r){ $l < $r })", #"["b","a"]"#),
        ("$zip([1,2],[3,4])", "[[1,3],[2,4]]"),
        ("$map([1,2,3], function($v, $i){ $v * $i })", "[0,2,6]"),
        ("$filter([1,2,3,4], function($v){ $v % 2 = 0 })", "[2,4]"),
        ("$reduce([1,2,3,4], function($a, $b){ $a + $b })", "10"),
        ("$single([1,2,3], function($v){ $v = 2 })", "2"),
        ("$keys({'a':1,'b':2})", #"["a","b"]"#),
        ("$lookup({'a':1}, 'a')", "1"),
        ("$spread({'a':1,'b':2})", #"[{"a":1},{"b":2}]"#),
        ("$merge([{'a':1},{'b':2}])", #"{"a":1,"b":2}"#),
        ("$each({'a':1}, function($v, $k){ $k & $v })", #""a1""#),
        ("$sift({'a':1,'b':2}, function($v){ $v > 1 })", #"{"b":2}"#),
        ("$type([])", #""array""#),
        ("$exists(nothing)", "false"),
        ("$boolean([0, ''])", "false"),
        ("$eval('1 + x', {'x': 1})", "2"),
    ] as [(String, String?)])
    func builtins(_ c: (String, String?)) throws {
        #expect(try ev(c.0) == c.1, "\(c.0)")
    }

    @Test func errorsFromFunctions() {
        #expect(errorCode("$error('boom')") == "D3137")
        #expect(errorCode("$assert(false, 'no')") == "D3141")
        #expect(errorCode("$number('abc')") == "D3030")
        #expect(errorCode("$sqrt(-1)") == "D3060")
        #expect(errorCode("$single([1,2])") == "D3138")
        #expect(errorCode("$sort([1,'a'])") == "D3070")
        #expect(errorCode("$reduce([1], function($a){ $a })") == "D3050")
        #expect(errorCode("$formatBase(1, 99)") == "D3100")
        #expect(errorCode("$string(1/0)") == "D3001")
        #expect(errorCode("$decodeUrlComponent('%E0%A4%A')") == "D3140")
    }

    @Test func hostFunctionsAndBindings() throws {
        let e = try JSONataExpression("$double(x) + $offset")
        let fns = ["double": JSONataFunction(signature: "<n:n>") { args throws(JSONataError) in
            guard case .number(let n)? = args.first ?? nil else { return nil }
            return .number(JSONNumber(n.double * 2))
        }]
        let r = try e.evaluate(try JSON.parse(#"{"x": 21}"#), bindings: ["offset": 1], functions: fns)
        #expect(r == 43)
        #expect(throws: JSONataError.self) { try JSONataExpression("$double('a')").evaluate(nil, functions: fns) }
    }

    @Test func expressionsAreSharedAcrossThreads() async throws {
        let e = try JSONataExpression("$sum(items[price > 10].price)")
        let doc = try JSON.parse(#"{"items":[{"price":5},{"price":15},{"price":25}]}"#)
        let results = await withTaskGroup(of: JSON?.self) { g in
            for _ in 0..<16 { g.addTask { try? e.evaluate(doc) } }
            var out: [JSON?] = []
            for await r in g { out.append(r) }
            return out
        }
        #expect(results.count == 16)
        #expect(results.allSatisfy { $0 == 40 })
    }
}

/// `$round`'s decimal shift: the fast path (one exact multiplication or division) gives what
/// editing the exponent of the JS text and parsing it gives, wherever it answers.
@Suite struct ShiftDecimalTests {
    @Test func theFastPathAgreesWithTheTextPath() {
        var rng = SystemRandomNumberGenerator()
        var answered = 0
        var values: [Double] = [0.1, 1.005, 2.675, 1124.5599999999999, -8.345, 123456.789, 0.000123, 9007199254740991, 1e-7, 4.35,
                                1.0000000000000002, 99999999999999.99, -0.5, 12345678901234567]
        for _ in 0..<3000 {
            let cents = Double(Int.random(in: -10_000_000...10_000_000, using: &rng)) / 100
            values.append(cents)
            values.append(Double.random(in: -1e6...1e6, using: &rng))
            values.append(Double(Int.random(in: -999_999...999_999, using: &rng)) / 1000 * 3)
        }
        for x in values {
            for p in -4...6 {
                let s = formatJSNumber(x)
                guard let fast = Builtins.shiftDecimalFast(s, p) else { continue }
                answered += 1
                let slow = Builtins.shiftDecimalByText(s, p, x)
                #expect(fast == slow || (fast == 0 && slow == 0), "\(x) shifted by \(p): \(fast) vs \(slow)")
            }
        }
        #expect(answered > 20_000, "the fast path answered only \(answered)")
        #expect(Builtins.shiftDecimalFast("1.5e+21", 2) == nil)
    }
}
