import CortadoASL
import CortadoJSON
import Testing

@Suite struct DefinitionLoaderTests {
    static func load(_ text: String, fileName: String? = nil) -> Result<LoadedDefinition, [Diagnostic]> {
        DefinitionLoader.load(bytes: Array(text.utf8), fileName: fileName)
    }

    @Test func loadsJSONWithPositions() throws {
        let text = """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Pass", "Result": [1, {"k~/": 2}], "End": true}
          }
        }
        """
        let loaded = try Self.load(text).get()
        #expect(loaded.json["StartAt"] == "A")
        #expect(loaded.json["States"]?["A"]?["Result"] == [1, ["k~/": 2]])
        let map = try #require(loaded.sourceMap)
        #expect(map.position(of: "")! == (1, 1))
        #expect(map.position(of: "/StartAt")! == (2, 14))
        #expect(map.position(of: "/States/A")! == (4, 10))
        #expect(map.position(of: "/States/A/Result/1")! == (4, 41))
        #expect(map.position(of: "/States/A/Result/1/k~0~1")! == (4, 49))
        #expect(map.position(of: "/States/B") == nil)
    }

    @Test func keysWithEscapesAndUnicode() throws {
        let loaded = try Self.load(#"{"St\u0061rtAt": "é", "x": {"\ud83d\ude00": true}}"#).get()
        #expect(loaded.json["StartAt"] == "é")
        let map = try #require(loaded.sourceMap)
        #expect(map.position(of: "/StartAt")! == (1, 18))
        #expect(map.position(of: "/x/😀")! == (1, 45))
    }

    @Test func loadsYAMLWithCoreSchemaScalars() throws {
        let yaml = """
        # a comment
        StartAt: A
        States:
          A:
            Type: Pass
            Result:
              int: 42
              neg: -7
              hex: 0x1F
              float: 1.5
              exp: 2e3
              yes: yes
              on: on
              t: true
              n: ~
              empty:
              quoted: "42"
              ts: 2016-03-14T01:59:00Z
              list: [a, 1, false]
            End: true
        """
        let loaded = try Self.load(yaml, fileName: "m.yml").get()
        let result = try #require(loaded.json["States"]?["A"]?["Result"])
        #expect(result["int"] == 42)
        #expect(result["neg"] == -7)
        #expect(result["hex"] == 31)
        #expect(result["float"] == 1.5)
        #expect(result["exp"] == 2000)
        #expect(result["yes"] == "yes")
        #expect(result["on"] == "on")
        #expect(result["t"] == true)
        #expect(result["n"] == .null)
        #expect(result["empty"] == .null)
        #expect(result["quoted"] == "42")
        #expect(result["ts"] == "2016-03-14T01:59:00Z")
        #expect(result["list"] == ["a", 1, false])
        // Mappings keep their order.
        #expect(loaded.json.objectValue?.keys == ["StartAt", "States"])
        #expect(result.objectValue?.keys.first == "int")
        let map = try #require(loaded.sourceMap)
        #expect(map.position(of: "/States/A/Type")! == (5, 11))
        #expect(map.position(of: "/States/A/Result/list/1")! == (19, 17))
        #expect(Validator.validate(loaded.json, sourceMap: loaded.sourceMap).isEmpty)
    }

    @Test func yamlIsDetectedWithoutAFileName() throws {
        let loaded = try Self.load("StartAt: A\nStates:\n  A: {Type: Succeed}\n").get()
        #expect(loaded.json["States"]?["A"]?["Type"] == "Succeed")
    }

    @Test func badJSONReportsLineAndColumn() {
        let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}"
        guard case .failure(let ds) = Self.load(text) else {
            Issue.record("expected a failure")
            return
        }
        #expect(ds.count == 1)
        #expect(ds.first?.code == .invalidJSONDescription)
        #expect(ds.first?.line == 3)
        #expect(ds.first?.column == 14)
    }

    @Test func notJSONReadsLikeJackson() {
        guard case .failure(let ds) = Self.load("not a definition") else {
            Issue.record("expected a failure")
            return
        }
        #expect(ds.map(\.code) == [.invalidJSONDescription])
        #expect(ds.first?.message.hasPrefix("Unrecognized token 'not': was expecting") == true)
        #expect(ds.first?.line == 1)
        #expect(ds.first?.column == 4)
    }

    @Test func badYAMLReportsLineAndColumn() {
        let yaml = "StartAt: A\nStates:\n  A:\n    Type: [Pass\n    End: true\n"
        guard case .failure(let ds) = Self.load(yaml, fileName: "bad.yaml") else {
            Issue.record("expected a failure")
            return
        }
        #expect(ds.count == 1)
        #expect(ds.first?.code == .invalidJSONDescription)
        #expect(ds.first?.line != nil)
        #expect((ds.first?.line ?? 0) >= 4)
        #expect(ds.first?.column != nil)
    }

    @Test(arguments: ["", "   \n\t", "[1, 2]", "42", "\"text\"", "null", "- a\n- b\n"])
    func nonObjectsAreRejected(_ text: String) {
        guard case .failure(let ds) = Self.load(text) else {
            Issue.record("expected a failure for \(text.debugDescription)")
            return
        }
        #expect(ds.map(\.code) == [.schemaValidationFailed])
        #expect(ds.first?.message == "Definition must be a valid JSON object")
    }

    @Test func jsonFileNameForcesJSON() {
        guard case .failure(let ds) = Self.load("StartAt: A\n", fileName: "x.json") else {
            Issue.record("expected a failure")
            return
        }
        #expect(ds.map(\.code) == [.invalidJSONDescription])
    }

    @Test func deepNestingIsRejectedNotCrashed() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        for name in ["x.json", "x.yaml"] {
            guard case .failure(let ds) = Self.load(#"{"a": \#(deep)}"#, fileName: name) else {
                Issue.record("expected a failure for \(name)")
                continue
            }
            #expect(ds.count == 1)
        }
    }
}
