import CortadoJSON
import CortadoTestSupport
import Testing


@Suite struct JSONFuzzTests {
    static let seeds: [String] = [
        #"{"orderId":"o-1","customer":{"id":"c-1","tier":"gold"},"items":[{"sku":"a","qty":2,"price":9.5}],"total":19.0,"express":false}"#,
        #"[1,-2.5e3,"x\u00e9\n",null,true,{"":[]}]"#, #""\ud83d\ude00""#, "123456789012345678901234567890",
    ]

    @Test func mutatedAndRandomInputsNeverTrap() {
        var rng = SplitMix64(state: 42)
        var ok = 0, failed = 0
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-tfnrulsa/\u"#.utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0x0A]
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 4 == 0 {
                bytes = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            } else {
                bytes = Array(Self.seeds[i % Self.seeds.count].utf8)
                for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: bytes.remove(at: at)
                    case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: at)
                    default: bytes[at] = alphabet.randomElement(using: &rng)!
                    }
                }
            }
            do {
                let v = try JSON.parse(bytes)
                // Whatever parses must serialize to something that parses to the same value.
                #expect((try? JSON.parse(v.serialized)) == v)
                #expect(v.serializedByteCount == v.serializedBytes.count)
                ok += 1
            } catch {
                #expect(error.offset <= bytes.count)
                failed += 1
            }
        }
        #expect(ok > 0)
        #expect(failed > 0)
    }
}
