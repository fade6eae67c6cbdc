import CortadoJSON
import Testing

/// A value held as a tree or as its text (`JSONPayload`): each form converts to the other
/// the way the writer and the parser do, and compares by value.
@Suite struct JSONPayloadTests {
    @Test func bothFormsAreTheSameValue() throws {
        let tree: JSON = ["n": .number(JSONNumber(literal: "1.50")), "s": "café \"q\"", "a": [true, nil]]
        let text = JSONPayload.textOf(tree)
        guard case .text(let bytes) = text else { Issue.record("not text"); return }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"n":1.50,"s":"café \"q\"","a":[true,null]}"#)
        #expect(text == .json(tree) && text.json == tree)
        #expect(text.serializedByteCount == bytes.count && JSONPayload.json(tree).serializedByteCount == bytes.count)
        #expect(JSONPayload.json(tree).serializedBytes == bytes)
        var w = JSONWriter()
        text.write(to: &w)
        #expect(w.bytes == bytes)
        #expect(text != .json(["n": 1]))
    }

    /// Text to be kept takes its own size, not the 512 bytes a writer reserves: a parked
    /// line holds its calls' answers until it ends.
    @Test func keptTextTakesItsOwnSize() {
        guard case .text(let bytes) = JSONPayload.textOf(["ok": true]) else { Issue.record("not text"); return }
        #expect(bytes.count == 11 && bytes.capacity < 64, "capacity \(bytes.capacity)")
    }
}
