import CortadoASL
import CortadoJSON
import CortadoTestSupport
import Testing

/// Deterministic fuzzing of load + validate: mutated corpus definitions and random bytes
/// must only ever produce diagnostics, never a trap.
@Suite struct DefinitionFuzzTests {
    struct Outcomes: CustomStringConvertible {
        var loadFailed = 0, invalid = 0, valid = 0
        var total: Int { loadFailed + invalid + valid }
        var description: String { "\(total) inputs: \(loadFailed) not loaded, \(invalid) invalid, \(valid) valid" }
    }

    static let seeds: [String] = [
        #"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "B"}, "B": {"Type": "Succeed"}}}"#,
        #"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"And": [{"Variable": "$.a", "NumericGreaterThan": 1}, {"Not": {"Variable": "$.b", "IsNull": true}}], "Next": "W"}], "Default": "F"}, "W": {"Type": "Wait", "Seconds": 1, "End": true}, "F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}"#,
        #"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X"}], "End": true}, "X": {"Type": "Pass", "End": true}}}], "End": true}}}"#,
        #"{"StartAt": "M", "QueryLanguage": "JSONata", "States": {"M": {"Type": "Map", "Items": "{% $states.input.items %}", "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "Output": {"v": "{% $states.input %}"}, "End": true}}}, "End": true}}}"#,
        "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Parameters:\n      v.$: $.x\n    End: true\n",
    ]

    static func corpus() -> [String] {
        var texts = seeds
        if let cases = ConformanceCorpus.load() {
            texts += cases.map { String(decoding: $0.definitionText, as: UTF8.self) }
        }
        return texts
    }

    static let interestingBytes: [UInt8] = Array(#"{}[]":,$.\ 0123456789-eE{%}trufalsn\#n"#.utf8) + [0x00, 0xFF, 0xC3, 0x80]

    static func mutateBytes(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0...rng.below(4) {
            let pick = rng.below(5)
            if bytes.isEmpty { bytes.append(interestingBytes[rng.below(interestingBytes.count)]); continue }
            let i = rng.below(bytes.count)
            switch pick {
            case 0: bytes.remove(at: i)
            case 1: bytes.insert(interestingBytes[rng.below(interestingBytes.count)], at: i)
            case 2: bytes[i] ^= UInt8(1 << rng.below(8))
            case 3: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            default:
                let j = min(bytes.count, i + rng.below(32))
                bytes.insert(contentsOf: bytes[i..<j], at: rng.below(bytes.count))
            }
        }
        return bytes
    }

    // MARK: - Value-level mutation (swap and replace values)

    static func pointers(_ value: JSON, _ prefix: [PathStep] = [], into out: inout [[PathStep]]) {
        out.append(prefix)
        switch value {
        case .object(let o): for m in o.members { pointers(m.value, prefix + [.key(m.key)], into: &out) }
        case .array(let a): for (i, v) in a.enumerated() { pointers(v, prefix + [.index(i)], into: &out) }
        default: break
        }
    }

    enum PathStep { case key(String), index(Int) }

    static func get(_ value: JSON, _ path: ArraySlice<PathStep>) -> JSON? {
        guard let step = path.first else { return value }
        switch (step, value) {
        case (.key(let k), .object(let o)): return o[k].flatMap { get($0, path.dropFirst()) }
        case (.index(let i), .array(let a)) where i < a.count: return get(a[i], path.dropFirst())
        default: return nil
        }
    }

    static func set(_ value: inout JSON, _ path: ArraySlice<PathStep>, _ new: JSON) {
        guard let step = path.first else { value = new; return }
        switch (step, value) {
        case (.key(let k), .object(var o)):
            guard var child = o[k] else { return }
            set(&child, path.dropFirst(), new)
            o[k] = child
            value = .object(o)
        case (.index(let i), .array(var a)) where i < a.count:
            set(&a[i], path.dropFirst(), new)
            value = .array(a)
        default:
            return
        }
    }

    static let replacements: [JSON] = [
        .null, true, false, 0, -1, 1.5, 100000000000, "", "$", "$$", "$.x[*]", "$var", "States.Format('{}', $.x)",
        "States.Nope(", "{% 1 %}", "{%", "Pass", "Succeed", "Map", "A", "States.ALL", "2016-03-14T01:59:00Z",
        [], [:], ["States.ALL"], ["k": "v"],
    ]

    static func mutateValues(_ input: JSON, _ rng: inout SplitMix64) -> JSON {
        var value = input
        var paths: [[PathStep]] = []
        pointers(value, into: &paths)
        for _ in 0...rng.below(3) {
            let a = paths[rng.below(paths.count)]
            if rng.chance(50) {
                let b = paths[rng.below(paths.count)]
                if let va = get(value, a[...]), let vb = get(value, b[...]) {
                    set(&value, a[...], vb)
                    set(&value, b[...], va)
                }
            } else {
                set(&value, a[...], replacements[rng.below(replacements.count)])
            }
        }
        return value
    }

    // MARK: - Tests

    static func run(_ bytes: [UInt8], fileName: String?, _ outcomes: inout Outcomes) {
        switch DefinitionLoader.load(bytes: bytes, fileName: fileName) {
        case .failure(let ds):
            #expect(!ds.isEmpty)
            outcomes.loadFailed += 1
        case .success(let loaded):
            let ds = Validator.validate(loaded.json, sourceMap: loaded.sourceMap)
            for d in ds {
                #expect(d.location.hasPrefix("/"), "\(d)")
                if let line = d.line { #expect(line >= 1) }
            }
            if ds.isEmpty { outcomes.valid += 1 } else { outcomes.invalid += 1 }
        }
    }

    @Test func mutatedCorpusBytes() {
        let texts = Self.corpus().map { Array($0.utf8) }
        var rng = SplitMix64(state: 0xC0FFEE)
        var outcomes = Outcomes()
        for round in 0..<3000 {
            let source = texts[round % texts.count]
            let mutated = rng.chance(10) ? source : Self.mutateBytes(source, &rng)
            let fileName: String? = [nil, "d.json", "d.yaml"][rng.below(3)]
            Self.run(mutated, fileName: fileName, &outcomes)
        }
        print("\(#function): \(outcomes)")
        #expect(outcomes.total == 3000)
        #expect(outcomes.loadFailed > 0)
        #expect(outcomes.invalid > 0)
        #expect(outcomes.valid > 0)
    }

    @Test func swappedAndReplacedValues() {
        let definitions = Self.corpus().compactMap { text -> JSON? in
            if case .success(let loaded) = DefinitionLoader.load(bytes: Array(text.utf8), fileName: nil) { return loaded.json }
            return nil
        }
        var rng = SplitMix64(state: 42)
        var outcomes = Outcomes()
        for round in 0..<3000 {
            let source = definitions[round % definitions.count]
            let mutated = rng.chance(10) ? source : Self.mutateValues(source, &rng)
            // Both directly and through text, so the source map is exercised too.
            if rng.chance(50) {
                let ds = Validator.validate(mutated)
                if ds.isEmpty { outcomes.valid += 1 } else { outcomes.invalid += 1 }
            } else {
                Self.run(Array(mutated.serializedForTest().utf8), fileName: "d.json", &outcomes)
            }
        }
        // A value swap can turn the root into a non-object, which the loader rejects.
        print("\(#function): \(outcomes)")
        #expect(outcomes.total == 3000)
        #expect(outcomes.invalid > 0)
        #expect(outcomes.valid > 0)
    }

    @Test func randomBytes() {
        var rng = SplitMix64(state: 7)
        var outcomes = Outcomes()
        for _ in 0..<3000 {
            let count = rng.below(200)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            for _ in 0..<count {
                bytes.append(rng.chance(70) ? Self.interestingBytes[rng.below(Self.interestingBytes.count)]
                                            : UInt8(truncatingIfNeeded: rng.next()))
            }
            // Start some inputs like a mapping, so YAML and JSON both get past the first byte.
            if rng.chance(30) { bytes = Array("StartAt: A\nStates:\n  A: ".utf8) + bytes }
            else if rng.chance(30) { bytes = Array(#"{"StartAt": "A", "States": {"A": "#.utf8) + bytes }
            let fileName: String? = [nil, "r.json", "r.yml"][rng.below(3)]
            Self.run(bytes, fileName: fileName, &outcomes)
        }
        // A valid definition from random bytes is unlikely, so count it but do not require it;
        // valid outcomes are required by the corpus-based rounds.
        print("\(#function): \(outcomes)")
        #expect(outcomes.total == 3000)
        #expect(outcomes.loadFailed > 0)
        #expect(outcomes.invalid > 0)
    }
}

extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}
