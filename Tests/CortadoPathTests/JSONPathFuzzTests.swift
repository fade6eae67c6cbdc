import CortadoTestSupport
import Testing
import CortadoJSON
@testable import CortadoPath


private let alphabet = Array("$@.[]()*?:,'\"!=<>&|~/ -_abcxyz0129")

private let seeds: [String] = [
    "$", "$$", "$.a", "$.a.b", "$['a']", "$[\"a b\"]", "$.arr[0]", "$.arr[-1]", "$.arr[0,2]", "$.arr[*]",
    "$.*", "$..a", "$..*", "$..[0]", "$.arr[1:]", "$.arr[:2]", "$.arr[-2:]", "$.arr[1:3]", "$['a','b']",
    "$.objs[?(@.v > 1)].v", "$.objs[?(@.v == 'x' && @.w)]", "$.objs[?(@.v =~ /a.*/i)]",
    "$.objs[?(@.v in [1,2,'x'])]", "$.objs[?(!@.w || @.v != null)]", "$..objs[?(@.v)].w",
    "$.arr.length()", "$$.Execution.Input.a", "$.objs[?(@.n[?(@ > 1)])]", "$[?(@.a == $.b)]",
    "$.objs[?(@.t size 2)]", "$.objs[?(@.t empty false)]", "$.objs[?(@.s contains 'b')]",
]

private let docs: [JSON] = [
    try! JSON.parse("""
    {"a":{"b":[1,{"c":null}]},"b":2,"a b":3,"arr":[10,"x",true,null,{"v":1},[5,6]],
     "objs":[{"v":1,"w":"a","t":[1,2],"s":"abc","n":[0,2]},{"v":"x","t":[],"s":""},{"v":2.5,"w":false},7,"str"],
     "Execution":{"Input":{"a":[1]}}}
    """),
    try! JSON.parse("[1,[2,[3,[4]]],{\"a\":{\"a\":{\"a\":1}}}]"),
    .string("scalar"),
    .null,
    try! JSON.parse("{}"),
]

private func randomString(_ rng: inout SplitMix64) -> String {
    let len = Int.random(in: 0...24, using: &rng)
    var s = Int.random(in: 0..<4, using: &rng) == 0 ? "" : "$"
    for _ in 0..<len { s.append(alphabet.randomElement(using: &rng)!) }
    return s
}

private func mutate(_ base: String, _ rng: inout SplitMix64) -> String {
    var chars = Array(base)
    let edits = Int.random(in: 1...4, using: &rng)
    for _ in 0..<edits {
        let pos = chars.isEmpty ? 0 : Int.random(in: 0...chars.count, using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: chars.insert(alphabet.randomElement(using: &rng)!, at: pos)
        case 1: if pos < chars.count { chars.remove(at: pos) }
        case 2: if pos < chars.count { chars[pos] = alphabet.randomElement(using: &rng)! }
        case 3: chars = Array(chars.prefix(pos))  // truncate
        case 4:  // duplicate a slice
            if !chars.isEmpty {
                let a = Int.random(in: 0..<chars.count, using: &rng)
                let b = Int.random(in: a...min(chars.count, a + 8), using: &rng)
                chars.insert(contentsOf: chars[a..<b], at: pos)
            }
        default:  // splice in another seed
            let other = Array(seeds.randomElement(using: &rng)!.dropFirst())
            chars.insert(contentsOf: other, at: pos)
        }
    }
    return String(chars)
}

@Suite struct JSONPathFuzzTests {
    @Test func randomAndMutatedPathsNeverTrap() {
        var rng = SplitMix64(state: 0xC0FF_EE00_1234_5678)
        var successes = 0, failures = 0, matches = 0
        for round in 0..<6000 {
            let text: String
            switch round % 3 {
            case 0: text = randomString(&rng)
            default: text = mutate(seeds.randomElement(using: &rng)!, &rng)
            }
            let path: JSONPath
            do {
                path = try JSONPath.parse(text)
            } catch {
                failures += 1
                #expect(!error.message.isEmpty)
                continue
            }
            successes += 1
            #expect(path.source == text)
            _ = path.normalized
            for doc in docs {
                let r = path.evaluate(doc)
                if !path.isDefinite {
                    // Indefinite paths always give an array.
                    #expect(r?.arrayValue != nil, "\(text)")
                }
                if r != nil { matches += 1 }
                _ = path.select(doc)
                if path.isReferencePath { _ = try? path.assigning(1, into: doc) }
            }
        }
        #expect(successes > 0)
        #expect(failures > 0)
        #expect(matches > 0)
    }

    @Test func hostileInputsAreSyntaxErrors() {
        let hostile: [String] = [
            String(repeating: "[", count: 5000), "$" + String(repeating: "[", count: 5000),
            "$" + String(repeating: "[?(", count: 2000), "$[?(" + String(repeating: "(", count: 3000) + "@.a)]",
            "$" + String(repeating: ".a", count: 2000) + ".",
            "$[99999999999999999999999999]", "$[-99999999999999999999]", "$[1:99999999999999]",
            "$['\u{0}']x", "$.\u{FFFF}\u{10FFFF}(", "$[?(@.a =~ /(/)]", "$[?(@.a =~ /a{99999999999}/)]",
            "$[?(@.a == '\\u12')]", "$[?(@.a == \"\\\")]", "$[\"\\\"]", "$['\\']",
            "$[?(@.a == [1,2)]", "$[?(@.a == {'a':})]", "$[?(@.a ==== 1)]",
        ]
        for text in hostile {
            if let p = try? JSONPath.parse(text) {
                for doc in docs { _ = p.evaluate(doc) }
            }
        }
        #expect(throws: PathSyntaxError.self) { try JSONPath.parse(String(repeating: "[", count: 5000)) }
        #expect(throws: PathSyntaxError.self) { try JSONPath.parse("$[99999999999999999999999999]") }
        #expect(throws: PathSyntaxError.self) { try JSONPath.parse("$" + String(repeating: "[?(", count: 2000)) }
    }

    @Test func validPathsAlwaysParse() throws {
        for s in seeds {
            let p = try JSONPath.parse(s)
            for doc in docs { _ = p.evaluate(doc) }
        }
    }
}
