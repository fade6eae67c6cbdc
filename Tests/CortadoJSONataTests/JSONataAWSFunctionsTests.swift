import CortadoJSON
@testable import CortadoJSONata
import Testing

@Suite struct JSONataAWSFunctionsTests {
    let sf = JSONataOptions.stepFunctions

    @Test(arguments: [
        ("MD5", "abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("SHA-1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("SHA-256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("SHA-384", "abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        ("SHA-512", "abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        ("MD5", "", "d41d8cd98f00b204e9800998ecf8427e"),
    ])
    func hashKnownVectors(_ c: (String, String, String)) throws {
        #expect(try ev("$hash('\(c.1)', '\(c.0)')", options: sf) == "\"\(c.2)\"")
    }

    @Test func hashMultiBlockInputs() throws {
        let a1000 = String(repeating: "a", count: 1000)
        let b = ["s": JSON.string(a1000)]
        #expect(try ev("$hash($s, 'SHA-256')", bindings: b, options: sf) == #""41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3""#)
        #expect(try ev("$hash($s, 'MD5')", bindings: b, options: sf) == #""cabe45dcc9ae5b66ba86600cca6b8ba8""#)
        #expect(try ev("$hash($s, 'SHA-1')", bindings: b, options: sf) == #""291e9a6c66994949b57ba5e650361e98fc36b1ba""#)
        #expect(try ev("$hash($s, 'SHA-384')", bindings: b, options: sf)
            == #""f54480689c6b0b11d0303285d9a81b21a93bca6ba5a1b4472765dca4da45ee328082d469c650cd3b61b16d3266ab8ced""#)
        #expect(try ev("$hash($s, 'SHA-512')", bindings: b, options: sf)
            == #""67ba5535a46e3f86dbfbed8cbbaf0125c76ed549ff8b0b9e03e0c88cf90fa634fa7b12b47d77b694de488ace8d9a65967dc96df599727d3292a8d9d447709c97""#)
        #expect(errorCode("$hash('x', 'CRC32')", options: sf) != nil)
    }

    @Test func partitionRangeParse() throws {
        #expect(try ev("$partition([0,1,2,3], 3)", options: sf) == "[[0,1,2],[3]]")
        #expect(try ev("$range(0, 10, 3)", options: sf) == "[0,3,6,9]")
        #expect(try ev("$range(1, 9, 9)", options: sf) == "1")
        #expect(try ev("$parse('{\"a\":[1,{\"b\":null}]}').a[1]", options: sf) == #"{"b":null}"#)
        #expect(errorCode("$parse('{')", options: sf) != nil)
    }

    @Test func uuidAndRandom() throws {
        let u = try #require(try ev("$uuid()", options: sf))
        let chars = Array(u.dropFirst().dropLast())
        #expect(chars.count == 36)
        #expect(chars[14] == "4")
        #expect("89ab".contains(chars[19]))
        #expect(try ev("$uuid() = $uuid()", options: sf) == "false")
        #expect(try ev("$random(7) = $random(7)", options: sf) == "true")
        let text = try ev("$random()", options: sf) ?? "x"
        let r = try #require(Double(text))
        #expect(r >= 0 && r < 1)
    }

    @Test func evalIsRemovedInStepFunctionsMode() {
        #expect(errorCode("$eval('1')", options: sf) == "T1006")
        #expect(errorCode("$eval('1')") == nil)
        #expect(errorCode("$partition([1], 1)") == "T1006")
    }
}
