import CortadoJSON
@testable import CortadoJSONata
import Foundation
import Testing

/// Random and mutated expressions and inputs must never trap: errors are fine.
@Suite struct JSONataFuzzTests {
    static let seeds: [String] = [
        "Account.Order.Product[Price > 30].Name", "$sum(Account.Order.Product.(Price * Quantity))",
        "Account.Order#$i.Product@$p.{'i': $i, 'n': $p.Name, 'o': %.OrderID}", "**.Price ~> $max()",
        "Account.Order.Product{Name: $count(Price)}", "Account.Order.Product^(>Price, Name).Name",
        "($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(5))", "$map([1..5], function($v, $i){ $v * $i })",
        "$ ~> |Account.Order.Product|{'Price': Price * 2}, ['Quantity']|", "$string($) & $formatNumber(1234.5, '#,##0.00')",
        "$fromMillis(1521801216617, '[D1o] [MNn] [Y] [h]:[m01][P]')", "$match('ab12cd', /[a-z]+/i).match",
        "$replace('hello', /l+/, function($m){ $uppercase($m.match) })", "$reduce([1,2,3], function($a,$b){$a+$b}, 10)",
        "[1,2,3][$ > 1][-1]", "$sort(Account.Order.Product, function($a,$b){ $a.Price > $b.Price }).Name",
        "{'a': [1, {'b': null}], 'c': true and false or 1 in [1]}", "$formatInteger(1999, 'W') & $parseInteger('xii', 'i')",
        "$spread($merge([{'a':1},{'b':2}]))", "$keys(Account.Order[0]) ~> $join(',')", "$substring('héllo😀', 1, 3)",
    ]
    static let tokens = ["a", "b", ".", "[", "]", "(", ")", "{", "}", ":", ",", ";", "$", "$x", "$$", "@", "#", "%", "*", "**",
                         "..", "1", "0", "-1", "2.5", "'s'", "\"t\"", "true", "null", "+", "-", "/", "=", "!=", "<", ">=", "&",
                         "and", "or", "in", "?", "~>", ":=", "|", "^(", "function($v)", "$sum(", "$map(", "$string(", "/x+/",
                         "$fromMillis(", "$formatNumber(", "$match(", "$keys(", "$lookup(", "$each(", "$sort(", "`q`", "λ", " "]
    static let inputs: [String?] = [nil, accountJSON, "[1, [2, 3], {\"a\": [4]}]", "\"str\"", "42", "null",
                                    #"{"a":{"b":[{"c":1},{"c":[2,3]}]},"x":[null,true,"s"]}"#]

    @Test func randomAndMutatedExpressionsNeverTrap() {
        var rng = TestRNG(state: 0xC0FFEE)
        var corpus = Self.seeds
        if let url = suiteURL(), let text = try? String(contentsOf: url, encoding: .utf8) {
            for line in text.split(separator: "\n").prefix(400) {
                if let j = try? JSON.parse(String(line)), case .string(let e)? = j["expr"] { corpus.append(e) }
            }
        }
        let parsedInputs = Self.inputs.map { $0.map { try! JSON.parse($0) } }
        var evaluated = 0, errors = 0
        let options = JSONataOptions(maxDepth: 200, stackBudgetBytes: 64 << 20, timeLimitMillis: 100)
        runOnLargeStack {
            for i in 0..<3000 {
                var expr: String
                if i % 3 == 0 {
                    expr = (0..<Int.random(in: 1...12, using: &rng)).map { _ in Self.tokens.randomElement(using: &rng)! }.joined()
                } else {
                    var chars = Array(corpus[Int.random(in: 0..<corpus.count, using: &rng)])
                    for _ in 0..<Int.random(in: 1...3, using: &rng) where !chars.isEmpty {
                        let at = Int.random(in: 0..<chars.count, using: &rng)
                        let tok = Array(Self.tokens.randomElement(using: &rng)!)
                        switch Int.random(in: 0..<3, using: &rng) {
                        case 0: chars.remove(at: at)
                        case 1: chars.insert(contentsOf: tok, at: at)
                        default: chars.replaceSubrange(at...at, with: tok)
                        }
                    }
                    expr = String(chars)
                }
                let input = parsedInputs[Int.random(in: 0..<parsedInputs.count, using: &rng)]
                do throws(JSONataError) {
                    let e = try JSONataExpression(expr, options: options)
                    _ = try e.evaluate(input, bindings: ["x": 1])
                    evaluated += 1
                } catch {
                    #expect(!error.code.isEmpty)
                    errors += 1
                }
            }
        }
        #expect(evaluated + errors == 3000)
        #expect(evaluated > 100)
    }

    /// Inputs that trapped earlier versions (found by fuzzing against the reference).
    @Test(arguments: ["$fromMillis(0, '[,2]')", "$parseInteger('12', '٠٠')", "function($a,$b)<n?s>{$b}(\"x\")",
                      "$toMillis('2018', '[,Y]')", "$formatInteger(1e300, 'a')", "$formatInteger(1e300, 'i')", "[1..3][1e300]",
                      "$substring('abc', 1e300, -1e300)", "$pad('x', 1e300)", "$round(1, 1e300)", "$fromMillis(1e300)",
                      "$split('a', 'a', 1e300)"])
    func formerTraps(_ expr: String) {
        let options = JSONataOptions(timeLimitMillis: 500)
        let e = try? JSONataExpression(expr, options: options)
        #expect(e != nil)
        let code = errorCode(expr, options: options)
        #expect(code == nil || code!.count == 5, "\(expr): \(code ?? "")")
    }

    @Test func randomInputsThroughFixedExpressions() throws {
        var rng = TestRNG(state: 7)
        func randomJSON(_ depth: Int) -> JSON {
            switch Int.random(in: 0..<(depth > 3 ? 4 : 7), using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2: return .number(JSONNumber(Double(Int.random(in: -1000...1000, using: &rng)) / 8))
            case 3: return .string(["", "a", "Price", "😀", "1e5"].randomElement(using: &rng)!)
            case 4, 5: return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomJSON(depth + 1) })
            default:
                return .object(JSONObject((0..<Int.random(in: 0..<4, using: &rng)).map { _ in
                    (["a", "b", "Price", "Name"].randomElement(using: &rng)!, randomJSON(depth + 1))
                }))
            }
        }
        let exprs = try Self.seeds.map { try JSONataExpression($0, options: JSONataOptions(timeLimitMillis: 100)) }
        var count = 0
        for _ in 0..<400 {
            let doc = randomJSON(0)
            for e in exprs {
                _ = try? e.evaluate(doc)
                count += 1
            }
        }
        #expect(count == 400 * exprs.count)
    }
}

/// `../shared/jsonata-suite/cases.jsonl` relative to the package root, when present.
func suiteURL() -> URL? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let url = root.deletingLastPathComponent().appendingPathComponent("shared/jsonata-suite/cases.jsonl")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}
