import CortadoJSON
import Testing

@Suite struct ByteSearchTests {
    @Test func containsFindsANeedleAnywhereAndOnlyWhole() {
        let arn = "arn:aws:states:us-east-1:123456789012:express:machine:run-1:0f5e"
        #expect(arn.utf8Contains(":express:"))
        #expect(!arn.utf8Contains(":expresss:"))
        #expect(!"arn:aws:states:us-east-1:1:execution:m:express".utf8Contains(":express:"))
        #expect(":express:".utf8Contains(":express:"))
        #expect(!":expres".utf8Contains(":express:"))
        #expect("anything".utf8Contains(""))
        // Non-ASCII text is searched byte by byte.
        #expect("état:express:é".utf8Contains(":express:"))
    }

    @Test func fieldAfterTheKthSeparator() {
        #expect("a:b:lambda:x".utf8Field(after: 2, of: UInt8(ascii: ":"), startsWith: "lambda:"))
        #expect(!"a:b:lambd".utf8Field(after: 2, of: UInt8(ascii: ":"), startsWith: "lambda:"))
        #expect(!"a:lambda:x".utf8Field(after: 2, of: UInt8(ascii: ":"), startsWith: "lambda:"))
        #expect(!"a:b".utf8Field(after: 2, of: UInt8(ascii: ":"), startsWith: ""))
    }
}
