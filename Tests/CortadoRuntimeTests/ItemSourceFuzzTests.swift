@testable import CortadoRuntime
import CortadoJSON
import CortadoPath
import Testing

/// The Distributed Map's item readers on random and mutated bytes: no trap, and the same
/// items however the object is cut into chunks (a row or a `""` may straddle two chunks).
@Suite struct ItemSourceFuzzTests {
    /// An object served in chunks of the given sizes (cycled).
    struct Cut: ObjectChunks {
        let bytes: [UInt8]
        let sizes: [Int]
        var at = 0, k = 0
        mutating func next() throws(ASLError) -> [UInt8]? {
            guard at < bytes.count else { return nil }
            let n = max(1, sizes[k % sizes.count]); k += 1
            defer { at = min(bytes.count, at + n) }
            return Array(bytes[at..<min(bytes.count, at + n)])
        }
    }

    /// Every item of `source`, or the error it ended with.
    static func drain(_ source: inout some ItemSource) -> Result<[JSON], ASLError> {
        var items: [JSON] = []
        do throws(ASLError) {
            while let x = try source.next() {
                items.append(x)
                if items.count > 100_000 { break }
            }
            return .success(items)
        } catch {
            return .failure(error)
        }
    }

    static func csv(_ bytes: [UInt8], _ sizes: [Int], headers: [String]? = nil) -> Result<[JSON], ASLError> {
        var s = CSVItems(data: ChunkBuffer(chunks: Cut(bytes: bytes, sizes: sizes)), headers: headers, delimiter: 0x2C)
        return drain(&s)
    }

    static func jsonl(_ bytes: [UInt8], _ sizes: [Int]) -> Result<[JSON], ASLError> {
        var s = JSONLItems(data: ChunkBuffer(chunks: Cut(bytes: bytes, sizes: sizes)))
        return drain(&s)
    }

    static func same(_ a: Result<[JSON], ASLError>, _ b: Result<[JSON], ASLError>) -> Bool {
        switch (a, b) {
        case (.success(let x), .success(let y)): return x.map(\.serialized) == y.map(\.serialized)
        case (.failure(let x), .failure(let y)): return x.name == y.name
        default: return false
        }
    }

    static let alphabet: [UInt8] = Array("ab,\"\\\n\r x1|{}".utf8)

    @Test func csvRowsDoNotDependOnChunkBoundaries() {
        var rng = SystemRandomNumberGenerator()
        let seeds: [String] = ["h1,h2,h3\n1,\"a,b\",\"say \"\"hi\"\"\"\n\"multi\nline\",x\\,y,\\q\n,,\n   \n"]
        var checked = 0
        for round in 0..<400 {
            var bytes = Array(seeds[0].utf8)
            if round > 0 {
                // Mutate: random bytes from a CSV-heavy alphabet, inserted, replaced or removed.
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let i = Int.random(in: 0...bytes.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: bytes.insert(Self.alphabet.randomElement(using: &rng)!, at: i)
                    case 1 where i < bytes.count: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                    default: if i < bytes.count { bytes.remove(at: i) }
                    }
                }
            }
            let whole = Self.csv(bytes, [1 << 20])
            for sizes in [[1], [2, 3], [7], [Int.random(in: 1...16, using: &rng), Int.random(in: 1...16, using: &rng)]] {
                #expect(Self.same(whole, Self.csv(bytes, sizes)), "round \(round): \(String(decoding: bytes, as: UTF8.self))")
                checked += 1
            }
            _ = Self.csv(bytes, [3], headers: ["a", "b"])  // GIVEN headers: no trap
        }
        #expect(checked == 1600)
    }

    @Test func jsonlLinesDoNotDependOnChunkBoundaries() {
        var rng = SystemRandomNumberGenerator()
        let seed = Array("{\"a\":1}\n\n  \n[1,2,{\"b\":\"x\\ny\"}]\r\n\"s\"\n7".utf8)
        for round in 0..<400 {
            var bytes = seed
            if round > 0 {
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[i] = [UInt8](Array("{}[]\",:\n\r 1a\\".utf8)).randomElement(using: &rng)!
                }
            }
            let whole = Self.jsonl(bytes, [1 << 20])
            for sizes in [[1], [5], [Int.random(in: 1...12, using: &rng)]] {
                #expect(Self.same(whole, Self.jsonl(bytes, sizes)), "round \(round)")
            }
        }
    }

    @Test func gzipOfRandomBytesFailsCleanly() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var bytes: [UInt8] = [0x1F, 0x8B]
            for _ in 0..<Int.random(in: 0...64, using: &rng) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
            do throws(ASLError) {
                var g = try GzipChunks.wrapIfCompressed(Cut(bytes: bytes, sizes: [Int.random(in: 1...9, using: &rng)]))
                while try g.next() != nil {}
            } catch {
                #expect(error.name == .itemReaderFailed)
            }
        }
    }
}
