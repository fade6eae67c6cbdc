import CortadoASL
import CortadoBatch
import CortadoJSON
import CortadoRuntime

/// The input of each execution of a load test: the lines of a JSONL file in turn (cycled),
/// or a template whose strings hold generators.
///
/// Template generators, in any string value (a string that is one generator alone becomes
/// that value, with its type; inside text they are written into it):
/// `{{seq}}` (0, 1, 2, ...), `{{uuid}}`, `{{int A B}}` (A...B), `{{float A B}}`,
/// `{{choice x y z}}` (one of the words), `{{bool}}`, `{{now}}` (ISO-8601, UTC).
public struct LoadInputs: Sendable {
    enum Source: Sendable {
        /// The lines' bytes, each checked to be JSON once, kept as they were written.
        case lines(InputChunk, [Range<Int>])
        case template(Template)
    }
    let source: Source

    /// These documents in turn.
    public static func lines(_ docs: [JSON]) -> LoadInputs {
        var bytes: [UInt8] = [], ranges: [Range<Int>] = []
        for d in docs.isEmpty ? [.object(JSONObject())] : docs {
            let start = bytes.count
            bytes += d.serializedBytes
            ranges.append(start..<bytes.count)
        }
        return LoadInputs(source: .lines(InputChunk(bytes), ranges))
    }

    /// Every non-empty line of `bytes`, each checked to be JSON (and kept as written).
    /// - Throws: `LoadError` naming the first line that is not JSON.
    public static func jsonl(_ bytes: [UInt8]) throws(LoadError) -> LoadInputs {
        var ranges: [Range<Int>] = []
        var lineNo = 0, start = 0
        let reader = JSONReader()
        try bytes.withUnsafeBufferPointer { (all) throws(LoadError) in
            while start < all.count {
                let end = all[start...].firstIndex(of: 10) ?? all.count
                lineNo += 1
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                if !line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) {
                    do { _ = try reader.parse(buffer: line) } catch {
                        throw LoadError("line \(lineNo) is not JSON: \(error)")
                    }
                    ranges.append(start..<end)
                }
                start = end + 1
            }
        }
        guard !ranges.isEmpty else { throw LoadError("the events file has no JSON lines") }
        return LoadInputs(source: .lines(InputChunk(bytes), ranges))
    }

    /// A template document; its generators are parsed once.
    /// - Throws: `LoadError` for an unknown or malformed generator.
    public static func template(_ doc: JSON) throws(LoadError) -> LoadInputs {
        LoadInputs(source: .template(try Template(doc)))
    }

    /// The input of execution `i`.
    public func input(_ i: Int) -> JSON {
        switch source {
        case .lines(let chunk, let ranges):
            let r = ranges[i % ranges.count]
            return (try? JSONReader().parse(buffer: UnsafeBufferPointer(rebasing: chunk.buffer[r]))) ?? .null
        case .template(let t): return t.instantiate(i)
        }
    }

    /// The input of execution `i` as JSON text.
    public func text(_ i: Int) -> String {
        switch source {
        case .lines(let chunk, let ranges): return String(decoding: chunk.buffer[ranges[i % ranges.count]], as: UTF8.self)
        case .template(let t): return t.instantiate(i).serialized
        }
    }

    /// The inputs of executions `indexes` as byte ranges of one chunk: the lines' own chunk,
    /// or a new one holding the instantiated templates.
    public func bytes(_ indexes: some Collection<Int>) -> (chunk: InputChunk, ranges: [Range<Int>]) {
        switch source {
        case .lines(let chunk, let ranges):
            return (chunk, indexes.map { ranges[$0 % ranges.count] })
        case .template(let t):
            var w = JSONWriter(), out: [Range<Int>] = []
            out.reserveCapacity(indexes.count)
            for i in indexes {
                let start = w.bytes.count
                w.write(t.instantiate(i))
                out.append(start..<w.bytes.count)
            }
            return (InputChunk(w.bytes), out)
        }
    }

    /// A JSON document with generator strings, compiled once.
    public struct Template: Sendable {
        indirect enum Node: Sendable {
            case constant(JSON)
            case generator(Generator)
            case text([Piece])
            case array([Node])
            case object([(String, Node)])
        }

        enum Piece: Sendable { case literal(String), generator(Generator) }

        enum Generator: Sendable {
            case seq, uuid, bool, now
            case int(Int, Int)
            case float(Double, Double)
            case choice([String])
        }

        let root: Node

        init(_ doc: JSON) throws(LoadError) { root = try Self.compile(doc) }

        static func compile(_ j: JSON) throws(LoadError) -> Node {
            switch j {
            case .array(let a):
                var out: [Node] = []
                for x in a { out.append(try compile(x)) }
                return .array(out)
            case .object(let o):
                var out: [(String, Node)] = []
                for m in o.members { out.append((m.key, try compile(m.value))) }
                return .object(out)
            case .string(let s) where s.contains("{{"):
                let pieces = try parsePieces(s)
                if pieces.count == 1, case .generator(let g) = pieces[0] { return .generator(g) }
                return .text(pieces)
            default:
                return .constant(j)
            }
        }

        static func parsePieces(_ s: String) throws(LoadError) -> [Piece] {
            var pieces: [Piece] = []
            var rest = Substring(s)
            while let open = rest.range(of: "{{") {
                if open.lowerBound > rest.startIndex { pieces.append(.literal(String(rest[..<open.lowerBound]))) }
                guard let close = rest[open.upperBound...].range(of: "}}") else {
                    throw LoadError("unclosed generator in template string '\(s)'")
                }
                pieces.append(.generator(try generator(String(rest[open.upperBound..<close.lowerBound]))))
                rest = rest[close.upperBound...]
            }
            if !rest.isEmpty { pieces.append(.literal(String(rest))) }
            return pieces
        }

        static func generator(_ text: String) throws(LoadError) -> Generator {
            let words = text.split(separator: " ").map(String.init)
            switch words.first {
            case "seq" where words.count == 1: return .seq
            case "uuid" where words.count == 1: return .uuid
            case "bool" where words.count == 1: return .bool
            case "now" where words.count == 1: return .now
            case "int" where words.count == 3:
                guard let a = Int(words[1]), let b = Int(words[2]), a <= b else { break }
                return .int(a, b)
            case "float" where words.count == 3:
                guard let a = Double(words[1]), let b = Double(words[2]), a <= b else { break }
                return .float(a, b)
            case "choice" where words.count >= 2:
                return .choice(Array(words.dropFirst()))
            default: break
            }
            throw LoadError("unknown template generator '{{\(text)}}' (seq, uuid, int A B, float A B, choice x y, bool, now)")
        }

        func instantiate(_ i: Int) -> JSON {
            var rng = SystemRandomNumberGenerator()
            return Self.build(root, i, &rng)
        }

        static func build(_ n: Node, _ i: Int, _ rng: inout SystemRandomNumberGenerator) -> JSON {
            switch n {
            case .constant(let j): return j
            case .generator(let g): return value(g, i, &rng)
            case .text(let pieces):
                var s = ""
                for p in pieces {
                    switch p {
                    case .literal(let l): s += l
                    case .generator(let g):
                        let v = value(g, i, &rng)
                        s += v.stringValue ?? v.serialized
                    }
                }
                return .string(s)
            case .array(let a): return .array(a.map { build($0, i, &rng) })
            case .object(let o): return .object(JSONObject(o.map { (key: $0.0, value: build($0.1, i, &rng)) }))
            }
        }

        static func value(_ g: Generator, _ i: Int, _ rng: inout SystemRandomNumberGenerator) -> JSON {
            switch g {
            case .seq: return .number(JSONNumber(i))
            case .uuid: return .string(UUID4.random())
            case .bool: return .bool(Bool.random(using: &rng))
            case .now: return .string(Timestamp(milliseconds: wallClockMilliseconds()).iso8601)
            case .int(let a, let b): return .number(JSONNumber(Int.random(in: a...b, using: &rng)))
            case .float(let a, let b):
                return .number(JSONNumber(literal: "\(a < b ? Double.random(in: a..<b, using: &rng) : a)"))
            case .choice(let words): return .string(words.randomElement(using: &rng)!)
            }
        }
    }
}

/// A problem with a load test's inputs, schedule or report.
public struct LoadError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
