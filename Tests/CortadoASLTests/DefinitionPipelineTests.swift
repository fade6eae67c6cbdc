import CortadoASL
import CortadoJSON
import Testing

@Suite struct DefinitionPipelineTests {
    @Test func loadsValidatesAndCompilesOnce() throws {
        let c = DefinitionPipeline.compile(text: #"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#)
        let p = try #require(c.program)
        #expect(c.diagnostics.isEmpty)
        // A worker's copy is a program of its own, with the same code.
        let copy = try #require(c.freshProgram())
        #expect(copy !== p)
        #expect(copy.headers.map(\.name) == p.headers.map(\.name))
    }

    @Test func everyProblemIsReported() throws {
        let bad = DefinitionPipeline.compile(text: #"{"StartAt":"Nope","States":{"A":{"Type":"Pass","Next":"Gone"}}}"#)
        #expect(bad.program == nil && bad.freshProgram() == nil)
        guard case .failure(let d) = bad.result else { Issue.record("compiled"); return }
        #expect(d.count >= 2)  // the StartAt and the Next, at once
        let notJSON = DefinitionPipeline.compile(bytes: Array("{".utf8), fileName: "x.json")
        #expect(notJSON.json == nil && notJSON.errors.first?.code == .invalidJSONDescription)
        let yaml = DefinitionPipeline.compile(bytes: Array("StartAt: A\nStates:\n  A: {Type: Succeed}\n".utf8), fileName: "m.yaml")
        #expect(yaml.program != nil)
    }
}
