import CortadoTestSupport
import Testing
import CortadoJSON
@testable import CortadoPath


private struct IntrinsicGenerator {
    var rng: SplitMix64

    static let names = IntrinsicFunction.allCases.map(\.name) + ["States.Nope", "States.", "States.format"]
    static let paths = ["$", "$.s", "$.n", "$.f", "$.a", "$.o", "$.b", "$.z", "$.nums", "$.strs", "$.missing",
                        "$.a[0]", "$.a[-1]", "$.o.k", "$['s']", "$$", "$$.Execution.Input", "$.nums[1:3]", "$..k", "$.a[*]"]
    static let strings = ["''", "'x'", "'{}'", "'{} {}'", "'a,b,c'", "','", "'MD5'", "'SHA-1'", "'SHA-256'", "'SHA-384'",
                          "'SHA-512'", "'RGF0YQ=='", "'{\"a\":1}'", "'[1,2]'", "'\\{\\}'", "'\\''", "'\\\\'", "'é😀'", "'not json'"]
    static let numbers = ["0", "1", "-1", "2", "3", "5", "1000", "1.5", "-2.5", "1e3", "2147483647", "-2147483648",
                          "2147483648", "99999999999999999999", "0.0001"]
    static let alphabet: [Character] = Array("States.Format()$,'\\{}[]@?:*-0123456789 abcAB\"\n")

    mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    mutating func argument(depth: Int) -> String {
        switch int(depth > 2 ? 4 : 5) {
        case 0: return Self.paths[int(Self.paths.count)]
        case 1: return Self.strings[int(Self.strings.count)]
        case 2: return Self.numbers[int(Self.numbers.count)]
        case 3: return ["true", "false", "null"][int(3)]
        default: return call(depth: depth + 1)
        }
    }

    mutating func call(depth: Int = 0) -> String {
        let name = int(10) == 0 ? Self.names[int(Self.names.count)] : IntrinsicFunction.allCases[int(18)].name
        let count = int(5)
        var args: [String] = []
        for _ in 0..<count { args.append(argument(depth: depth)) }
        let sep = int(4) == 0 ? " , " : ", "
        return name + "(" + args.joined(separator: sep) + ")"
    }

    /// Well-formed calls whose argument types fit, so evaluation is reached often.
    mutating func typedCall() -> String {
        let options = [
            "States.Format('{} and {}', $.s, $.n)", "States.Format($.s)", "States.StringToJson($.j)",
            "States.JsonToString($.o)", "States.Array($.s, $.n, $.o)", "States.ArrayPartition($.nums, \(int(4)))",
            "States.ArrayContains($.nums, \(int(5)))", "States.ArrayRange(\(int(9) - 4), \(int(40)), \(int(7) - 3))",
            "States.ArrayGetItem($.nums, \(int(6) - 1))", "States.ArrayLength($.strs)", "States.ArrayUnique($.nums)",
            "States.Base64Encode($.s)", "States.Base64Decode('SGVsbG8=')", "States.Hash($.s, 'SHA-256')",
            "States.JsonMerge($.o, $.o2, false)", "States.MathRandom(0, \(int(100) + 1), \(int(1000)))",
            "States.MathAdd($.n, \(int(100) - 50))", "States.StringSplit($.csv, ',;')", "States.UUID()",
            "States.ArrayLength(States.StringSplit($.csv, ','))",
        ]
        return options[int(options.count)]
    }

    mutating func mutate(_ s: String) -> String {
        var chars = Array(s)
        for _ in 0...int(4) {
            let op = int(4)
            if chars.isEmpty || op == 0 {
                chars.insert(Self.alphabet[int(Self.alphabet.count)], at: chars.isEmpty ? 0 : int(chars.count + 1))
            } else if op == 1 {
                chars.remove(at: int(chars.count))
            } else if op == 2 {
                chars[int(chars.count)] = Self.alphabet[int(Self.alphabet.count)]
            } else {
                let k = int(chars.count)
                chars = Array(chars[..<k]) + Array(chars[k...].prefix(int(8))) + Array(chars[k...])
            }
        }
        return String(chars)
    }

    mutating func random() -> String {
        var s = ""
        for _ in 0..<int(40) { s.append(Self.alphabet[int(Self.alphabet.count)]) }
        return s
    }
}

@Suite struct IntrinsicsFuzzTests {
    static let input: JSON = {
        do {
            return try JSON.parse(#"""
            {"s":"Hello, world","n":42,"f":1.5,"b":true,"z":null,"j":"{\"k\":[1,2]}","csv":"a,b;c,,d",
             "a":[1,"two",{"k":3},[4]],"nums":[1,2,2,3,3,3],"strs":["x","y"],
             "o":{"k":"v","n":[1,2,{"deep":true}]},"o2":{"k":"w","x":1}}
            """#)
        } catch { return .null }
    }()
    static let context: JSON = .object(JSONObject([(key: "Execution", value: .object(JSONObject([(key: "Input", value: input)])))]))

    @Test func parseAndEvaluateNeverTrap() {
        var gen = IntrinsicGenerator(rng: SplitMix64(seed: 0xC0FFEE))
        var parsed = 0, rejected = 0, evaluated = 0, failed = 0
        for round in 0..<6000 {
            let text: String
            switch round % 5 {
            case 0: text = gen.call()
            case 1: text = gen.typedCall()
            case 2: text = gen.mutate(gen.typedCall())
            case 3: text = gen.mutate(gen.call())
            default: text = gen.int(2) == 0 ? gen.random() : "States." + gen.random()
            }
            let call: IntrinsicCall
            do {
                call = try IntrinsicCall.parse(text)
                parsed += 1
            } catch {
                rejected += 1
                continue
            }
            do {
                _ = try call.evaluate(input: Self.input, context: { Self.context })
                evaluated += 1
            } catch {
                failed += 1
            }
        }
        // Deep nesting is rejected, not recursed into.
        let deep = String(repeating: "States.Array(", count: 5000) + String(repeating: ")", count: 5000)
        #expect(throws: PathSyntaxError.self) { try IntrinsicCall.parse(deep) }
        #expect(parsed > 0 && rejected > 0, "parsed \(parsed), rejected \(rejected)")
        #expect(evaluated > 0 && failed > 0, "evaluated \(evaluated), failed \(failed)")
    }
}
