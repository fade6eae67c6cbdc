import Foundation
import CortadoJSON
@testable import CortadoJSONata
import Testing

@Suite struct JSONataEvaluatorTests {
    @Test func pathsFlattenSequences() throws {
        #expect(try ev("Account.Order.Product.Name", accountJSON) == #"["Hat","Cloak","Hat","Boots"]"#)
        #expect(try ev("Account.Order[0].OrderID", accountJSON) == #""o1""#)
        #expect(try ev("Account.Order.Product[Price > 50].Name", accountJSON) == #""Cloak""#)
        #expect(try ev("Account.Order.Product[Price > 50].Name[]", accountJSON) == #"["Cloak"]"#)
        #expect(try ev("Account.Missing.Field", accountJSON) == nil)
        #expect(try ev("$sum(Account.Order.Product.(Price * Quantity))", accountJSON) == "336.36")
    }

    @Test func numbersSerializeLikeJavaScript() throws {
        #expect(try ev("0.1 + 0.2") == "0.30000000000000004")
        #expect(try ev("3.0") == "3")
        #expect(try ev("1e21") == "1e+21")
        #expect(try ev("123456789012345680000") == "123456789012345680000")
        #expect(try ev("1/3") == "0.3333333333333333")
        #expect(try ev("$string(0.1 + 0.2)") == #""0.3""#)
        #expect(try ev("1e-7") == "1e-7")
        #expect(formatJSNumber(-0.000001) == "-0.000001")
        // The fast path (Swift's description) agrees with the JS layout wherever it is taken.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let d = (Bool.random(using: &rng) ? 1.0 : -1.0) * pow(10, Double.random(in: -4..<15, using: &rng))
            let v = Bool.random(using: &rng) ? d : (d * 100).rounded() / 100
            guard abs(v) >= 1e-4, v != v.rounded() else { continue }
            #expect(formatJSNumber(v) == jsLayout(v), "\(v)")
        }
    }

    @Test func operatorsAndErrors() throws {
        #expect(try ev("'a' & 1 & true") == #""a1true""#)
        #expect(try ev("3 in [1,2,3]") == "true")
        #expect(try ev("[1..5]") == "[1,2,3,4,5]")
        #expect(try ev("5 % 3 = 2 and $not(false)") == "true")
        #expect(errorCode("'a' + 1") == "T2001")
        #expect(errorCode("1 + 'a'") == "T2002")
        #expect(errorCode("1 < 'a'") == "T2009")
        #expect(errorCode("{} < 1") == "T2010")
        #expect(errorCode("-'x'") == "D1002")
        #expect(errorCode("[1..1e8]") == "D2014")
        #expect(errorCode("$x()") == "T1006")
    }

    @Test func contextPositionAndParent() throws {
        let data = #"{"a":[{"b":1,"c":[10,20]},{"b":2,"c":[30]}]}"#
        #expect(try ev("a#$i.{'i': $i, 'b': b}", data) == #"[{"i":0,"b":1},{"i":1,"b":2}]"#)
        #expect(try ev("a@$x.($x.c).{'b': $x.b, 'c': $}", data) == #"[{"b":1,"c":10},{"b":1,"c":20},{"b":2,"c":30}]"#)
        #expect(try ev("a.c.{'v': $, 'b': %.b}", data) == #"[{"v":10,"b":1},{"v":20,"b":1},{"v":30,"b":2}]"#)
    }

    @Test func groupingSortingAndTransforms() throws {
        #expect(try ev("Account.Order.Product{Name: $sum(Quantity)}", accountJSON) == #"{"Hat":6,"Cloak":1,"Boots":1}"#)
        #expect(try ev("Account.Order.Product^(>Price).Name", accountJSON) == #"["Cloak","Hat","Hat","Boots"]"#)
        #expect(try ev(#"$ ~> |Account.Order.Product|{'Price': 1}, ['Quantity']|"#, accountJSON)?.contains("Quantity") == false)
        #expect(errorCode("$ ~> |a|5|", "{\"a\":{}}") == "T2011")
    }

    @Test func lambdasClosuresAndPartials() throws {
        #expect(try ev("($add := function($a, $b) { $a + $b }; $inc := $add(?, 1); $inc(41))") == "42")
        #expect(try ev("($f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10))") == "3628800")
        #expect(try ev("($compose := $uppercase ~> $substring(?, 0, 2); $compose('hello'))") == #""HE""#)
        #expect(try ev("'hello' ~> $substring(0, 2) ~> $uppercase()") == #""HE""#)
        #expect(try ev("($c := function(){ ($x := 5; function(){ $x }) }; $c()())") == "5")
    }

    @Test func tailRecursionDoesNotGrowTheStack() throws {
        let sum = "($s := function($n, $acc) { $n = 0 ? $acc : $s($n - 1, $acc + $n) }; $s(100000, 0))"
        #expect(try ev(sum) == "5000050000")
    }

    @Test func endlessRecursionEndsInU1001() {
        #expect(errorCode("($f := function($n) { 1 + $f($n + 1) }; $f(0))") == "U1001")
        let timed = JSONataOptions(timeLimitMillis: 200)
        #expect(errorCode("($f := function() { $f() }; $f())", options: timed) == "U1001")
    }

    @Test func regexes() throws {
        #expect(try ev("$match('ab12cd345', /[0-9]+/).match") == #"["12","345"]"#)
        #expect(try ev("$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')") == #""Smith, John""#)
        #expect(try ev("$split('a1b22c', /[0-9]+/)") == #"["a","b","c"]"#)
        #expect(try ev("$contains('Hello', /^h/i)") == "true")
        #expect(try ev("names[$ ~> /^J/]", #"{"names":["Jo","Al","Jim"]}"#) == #"["Jo","Jim"]"#)
        #expect(errorCode("$replace('abc', /x*/, 'y')") == "D1004")
    }

    @Test func undefinedVersusNull() throws {
        #expect(try ev("null") == "null")
        #expect(try ev("nothing") == nil)
        #expect(try ev("[nothing, 1]") == "[1]")
        #expect(try ev("{'a': nothing, 'b': null}") == #"{"b":null}"#)
        #expect(try ev("$", nil) == nil)
    }
}
