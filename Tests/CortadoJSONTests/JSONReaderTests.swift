import CortadoJSON
import Testing

/// `JSONReader`: the reusable parser of the batch workers (scratch stacks, short-string cache).
@Suite struct JSONReaderTests {
    func parse(_ r: JSONReader, _ text: String) throws -> JSON {
        try Array(text.utf8).withUnsafeBufferPointer { b in try r.parse(buffer: b) }
    }

    @Test func cachedShortStringsAreTheStringsOfTheirBytes() throws {
        // Every length the cache takes (1...15), prefixes of each other, near the end of
        // the buffer and far from it, twice over, so the second pass reads the cache.
        let words = (1...16).map { String("abcdefghijklmnop".prefix($0)) } + ["EUR", "EUS", "Eur", "platinum", "gold"]
        let doc = "{" + words.enumerated().map { #""\#($1)":["\#($1)","\#(words[($0 + 1) % words.count])"]"# }
            .joined(separator: ",") + "}"
        let r = JSONReader()
        for _ in 0..<2 {
            let v = try parse(r, doc)
            #expect(v == (try JSON.parse(doc)))
            #expect(v.serialized == (try JSON.parse(doc)).serialized)
        }
        for w in words {  // a string alone: fewer than 16 bytes left after it in the buffer
            #expect(try parse(r, "\"\(w)\"") == .string(w))
        }
    }

    @Test func slotCollisionsNeverReturnAnotherString() throws {
        let r = JSONReader()
        let words = (0..<5000).map { "k\($0 * 7919 % 100_000)" }
        let doc = "[" + words.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        for _ in 0..<2 {
            #expect(try parse(r, doc).arrayValue?.compactMap(\.stringValue) == words)
        }
    }

    @Test func nestedContainersAndErrorsLeaveTheScratchStacksClean() throws {
        let r = JSONReader()
        #expect(throws: JSONParseError.self) { try parse(r, #"{"a":[1,{"b":[2,3"#) }
        let v = try parse(r, #"{"x":[1,[2,[3]],{"y":{"z":[]}}],"w":{}}"#)
        #expect(v.serialized == #"{"x":[1,[2,[3]],{"y":{"z":[]}}],"w":{}}"#)
        #expect(try parse(r, #"{"a":1,"a":2,"b":3}"#).serialized == #"{"a":2,"b":3}"#)
    }

    @Test func parsedContainersHoldTheirOwnExactStorage() throws {
        // A container that spanned the whole scratch stack once shared its buffer (64
        // slots), so each value kept the spare room and the next document copied the stack.
        let r = JSONReader()
        for _ in 0..<3 {
            let v = try parse(r, #"[1,[2,3],{"a":[4]}]"#)
            #expect(v.arrayValue.map { $0.capacity < 16 } == true)
            #expect(v.serialized == #"[1,[2,3],{"a":[4]}]"#)
            let o = try parse(r, #"{"k":"v","n":{"m":1}}"#)
            #expect(o.objectValue.map { $0.members.capacity < 16 } == true)
        }
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xF4, 0x90, 0x80, 0x80],
    ] as [[UInt8]])
    func invalidUTF8InStringsIsRejected(_ bad: [UInt8]) {
        let bytes = [UInt8(ascii: "\"")] + bad + [UInt8(ascii: "\"")]
        #expect(throws: JSONParseError.self) { try JSON.parse(bytes) }
        #expect(throws: JSONParseError.self) { try bytes.withUnsafeBufferPointer { try JSONReader().parse(buffer: $0) } }
    }

    @Test func validUTF8InStringsIsKept() throws {
        for s in ["é", "Zoë Núñez", "€", "𝄞", "Søren Østergaard", "\u{10FFFF}"] {
            #expect(try JSON.parse("\"\(s)\"") == .string(s))
        }
    }
}
