import CortadoJSON
@testable import CortadoLoad
import Testing

@Suite struct StateGraphTests {
    static let order = #"""
        {"StartAt":"Validate","States":{
          "Validate":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:v",
            "Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":2}],
            "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Failed"}],"Next":"Route"},
          "Route":{"Type":"Choice","Choices":[
            {"Variable":"$.total","NumericGreaterThan":100,"Next":"Items"},
            {"And":[{"Variable":"$.tier","StringEquals":"gold"},{"Not":{"Variable":"$.x","IsPresent":true}}],"Next":"Both"}],
            "Default":"Done"},
          "Items":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"Price","States":{"Price":{"Type":"Pass","End":true}}},"Next":"Done"},
          "Both":{"Type":"Parallel","Branches":[
            {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
            {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":1,"Next":"B2"},"B2":{"Type":"Succeed"}}}],"Next":"Done"},
          "Failed":{"Type":"Fail","Error":"E"},
          "Done":{"Type":"Succeed"}}}
        """#

    static func graph() throws -> StateGraph { StateGraph(definition: try JSON.parse(order)) }

    func edge(_ g: StateGraph, _ from: String, _ to: String) -> StateGraph.Edge? {
        g.edges.first { g.nodes[$0.from].name == from && g.nodes[$0.to].name == to }
    }

    @Test func everyStateAndTransitionIsThere() throws {
        let g = try Self.graph()
        #expect(g.nodes.count == 12)  // Start, End and ten states
        #expect(g.clusters.map(\.label) == ["Map Items: each item", "Parallel Both: branch 1", "Parallel Both: branch 2"])
        #expect(g.nodes[g.nodes(named: "Price")[0]].cluster == 0)
        #expect(g.nodes[g.nodes(named: "B2")[0]].cluster == 2)
        #expect(edge(g, "Start", "Validate")?.kind == .next)
        #expect(edge(g, "Validate", "Route")?.kind == .next)
        #expect(edge(g, "Validate", "Validate")?.label == "retry States.Timeout ×2")
        #expect(edge(g, "Validate", "Failed")?.label == "catch States.ALL")
        #expect(edge(g, "Route", "Items")?.label == "$.total > 100")
        #expect(edge(g, "Route", "Both")?.label == #"($.tier == "gold") and (not ($.x is present: true))"#)
        #expect(edge(g, "Route", "Done")?.kind == .defaultChoice)
        let long = ChoiceLabel.text(["Variable": .string("$." + String(repeating: "x", count: 80)), "IsPresent": true])
        #expect(long.count == ChoiceLabel.maxLength && long.hasSuffix("…"))
        #expect(edge(g, "Items", "Price")?.kind == .iteration)
        #expect(edge(g, "Both", "A")?.kind == .iteration && edge(g, "Both", "B")?.kind == .iteration)
        #expect(edge(g, "Done", "End") != nil && edge(g, "Failed", "End") != nil)
        // A nested machine ends inside its box, not at the top End.
        #expect(edge(g, "B2", "End") == nil)
    }

    @Test func mermaidAndDot() throws {
        let g = try Self.graph()
        let m = g.mermaid()
        #expect(m.hasPrefix("flowchart TD\n"))
        #expect(m.contains(#"subgraph c0["Map Items: each item"]"#))
        #expect(m.contains(#"{"Route"}"#))
        #expect(m.contains(#"-->|"$.total #gt; 100"|"#))
        #expect(m.contains(#"-.->|"catch States.ALL"|"#))
        let d = g.dot()
        #expect(d.hasPrefix("digraph StateMachine {"))
        #expect(d.contains("subgraph cluster_c1 {"))
        #expect(d.contains(#"label="$.total > 100""#))
        #expect(d.hasSuffix("}\n"))
    }

    @Test func heatColoursTheSlowestStateRed() throws {
        let heat = try StateHeat(metricsText: """
            {"type":"metrics","states":{"Validate":{"entered":1,"total_ms":1,"avg_ms":1}}}
            {"type":"summary","states":{"Validate":{"entered":10,"total_ms":90,"avg_ms":9},"Route":{"entered":10,"total_ms":0,"avg_ms":0},"Done":{"entered":10,"total_ms":45,"avg_ms":4.5}}}
            """)
        #expect(heat.byName["Validate"]?.entered == 10)  // the last line wins
        #expect(heat.color(for: "Validate") == "#d63031")
        #expect(heat.color(for: "Route") == "#ffffff")
        #expect(heat.color(for: "Done") == "#ffd666")
        #expect(heat.color(for: "Items") == nil)
        let g = try Self.graph()
        #expect(g.mermaid(heat: heat).contains("fill:#d63031"))
        #expect(throws: GraphError.self) { try StateHeat(metricsText: #"{"a":1}"#) }
    }

    @Test func svgHasEveryNodeAndEdgeAndEscapesText() throws {
        let def = #"{"StartAt":"A<&>","States":{"A<&>":{"Type":"Pass","Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":3,"Next":"A<&>"}],"Default":"D"},"D":{"Type":"Succeed"}}}"#
        let g = StateGraph(definition: try JSON.parse(def))
        let svg = g.svg(heat: try StateHeat(metricsText: #"{"states":{"C":{"entered":2,"total_ms":3,"avg_ms":1.5}}}"#))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.ranges(of: "class=\"state\"").count == g.nodes.count)
        #expect(svg.ranges(of: "class=\"edge\"").count == g.edges.count)
        #expect(svg.contains("A&lt;&amp;&gt;") && !svg.contains("A<&>"))
        #expect(svg.contains("$.n &lt; 3"))
        #expect(svg.contains("C: 2 entered, 3 ms in all, 1.5 ms each"))
        // The loop back to A is laid out as a back edge: A is above C.
        let l = g.layout()
        #expect(l.y[g.nodes(named: "A<&>")[0]] < l.y[g.nodes(named: "C")[0]])
        #expect(l.y[1] > l.y[g.nodes(named: "D")[0]])  // End at the bottom
    }

    @Test func anythingThatIsNotAMachineGivesAnEmptyGraph() throws {
        for text in ["[]", "1", #"{"States":5}"#, #"{"StartAt":"X","States":{"A":{"Type":"Pass","Next":"Nope"}}}"#] {
            let g = StateGraph(definition: try JSON.parse(text))
            _ = g.svg()  // no trap on a graph without edges or with a dangling Next
            #expect(g.edges.allSatisfy { $0.from < g.nodes.count && $0.to < g.nodes.count })
        }
    }
}
