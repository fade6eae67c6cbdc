import Testing
import CortadoJSON
@testable import CortadoPath

private func j(_ s: String) -> JSON { try! JSON.parse(s) }

private func eval(_ path: String, _ doc: JSON) throws -> JSON? {
    try JSONPath.parse(path).evaluate(doc)
}

private func parses(_ path: String) -> Bool {
    (try? JSONPath.parse(path)) != nil
}

private let store = j("""
{"store":{"book":[
  {"category":"reference","author":"Nigel Rees","title":"Sayings of the Century","price":8.95},
  {"category":"fiction","author":"Evelyn Waugh","title":"Sword of Honour","price":12.99},
  {"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553-21311-3","price":8.99},
  {"category":"fiction","author":"J. R. R. Tolkien","title":"The Lord of the Rings","isbn":"0-395-19395-8","price":22.99}
 ],
 "bicycle":{"color":"red","price":19.95}},
 "expensive":10}
""")

@Suite struct JSONPathBasicTests {
    @Test func rootSelectsWholeDocument() throws {
        let p = try JSONPath.parse("$")
        #expect(p.isDefinite)
        #expect(p.isReferencePath)
        #expect(!p.isContextPath)
        #expect(p.evaluate(store) == store)
        #expect(p.normalized == "$")
    }

    @Test func dotNames() throws {
        #expect(try eval("$.store.bicycle.color", store) == "red")
        #expect(try eval("$.expensive", store) == 10)
    }

    @Test func bracketNamesSingleAndDoubleQuoted() throws {
        #expect(try eval("$['store']['bicycle']['color']", store) == "red")
        #expect(try eval("$[\"store\"][\"bicycle\"].price", store) == 19.95)
        #expect(try eval("$[ 'store' ].bicycle", store) == j(#"{"color":"red","price":19.95}"#))
    }

    @Test func bracketNamesWithOddCharacters() throws {
        let doc = j(#"{"a b":1,"x.y":2,"[z]":3,"it's":4,"":5,"ü€":6}"#)
        #expect(try eval("$['a b']", doc) == 1)
        #expect(try eval("$['x.y']", doc) == 2)
        #expect(try eval("$['[z]']", doc) == 3)
        #expect(try eval("$[\"it's\"]", doc) == 4)
        #expect(try eval("$['']", doc) == 5)
        #expect(try eval("$['ü€']", doc) == 6)
        #expect(try eval("$.ü€", doc) == 6)
    }

    @Test func bracketNamesAreNotUnescaped() throws {
        // Recorded against AWS: $['Test\""Name"'] selects the key Test\""Name" (backslash kept).
        let doc = j(#"{"Test\\\"\"Name\"":"Value\"\\"}"#)
        let p = try JSONPath.parse(#"$['Test\""Name"']"#)
        #expect(p.evaluate(doc) == .string("Value\"\\"))
    }

    @Test func missingMembersOfDefinitePathAreNil() throws {
        #expect(try eval("$.nope", store) == nil)
        #expect(try eval("$.store.nope.deeper", store) == nil)
        #expect(try eval("$.expensive.x", store) == nil)  // member of a number
        #expect(try eval("$.store[0]", store) == nil)     // index of an object
    }

    @Test func nullValueIsAMatchNotAMiss() throws {
        let doc = j(#"{"a":null}"#)
        #expect(try eval("$.a", doc) == .null)
        #expect(try eval("$.a.b", doc) == nil)
    }

    @Test func contextPath() throws {
        let ctx = j(#"{"Execution":{"Id":"arn:1","Input":{"k":[1,2]}},"State":{"Name":"S"}}"#)
        let p = try JSONPath.parse("$$.Execution.Id")
        #expect(p.isContextPath)
        #expect(p.evaluate(ctx) == "arn:1")
        #expect(p.normalized == "$['Execution']['Id']")
        #expect(try JSONPath.parse("$$").evaluate(ctx) == ctx)
        #expect(try eval("$$.Execution.Input.k[1]", ctx) == 2)
    }
}

@Suite struct JSONPathArrayTests {
    let arr = j("[10,11,12,13,14]")

    @Test func indices() throws {
        #expect(try eval("$[0]", arr) == 10)
        #expect(try eval("$[4]", arr) == 14)
        #expect(try eval("$[5]", arr) == nil)
        #expect(try eval("$.store.book[2].author", store) == "Herman Melville")
    }

    @Test func negativeIndices() throws {
        #expect(try eval("$[-1]", arr) == 14)
        #expect(try eval("$[-5]", arr) == 10)
        #expect(try eval("$[-6]", arr) == nil)
        #expect(try eval("$.store.book[-1].title", store) == "The Lord of the Rings")
    }

    @Test func indexUnionIsIndefinite() throws {
        let p = try JSONPath.parse("$[0,2, -1]")
        #expect(!p.isDefinite)
        #expect(p.evaluate(arr) == j("[10,12,14]"))
        #expect(try eval("$[0,9]", arr) == j("[10]"))
    }

    @Test func wildcards() throws {
        #expect(try eval("$[*]", arr) == arr)
        #expect(try eval("$.store.book[*].author", store) == j(#"["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]"#))
        #expect(try eval("$.store.bicycle.*", store) == j(#"["red",19.95]"#))
        #expect(try eval("$.store.bicycle[*]", store) == j(#"["red",19.95]"#))
        #expect(try eval("$.expensive[*]", store) == j("[]"))
    }

    @Test func wildcardSkipsItemsLackingTheMember() throws {
        #expect(try eval("$.store.book[*].isbn", store) == j(#"["0-553-21311-3","0-395-19395-8"]"#))
        #expect(try eval("$[*].a", j(#"[{"a":1},2,"s",{"b":3},{"a":null}]"#)) == j("[1,null]"))
    }

    @Test func slices() throws {
        #expect(try eval("$[1:3]", arr) == j("[11,12]"))
        #expect(try eval("$[1:]", arr) == j("[11,12,13,14]"))
        #expect(try eval("$[:2]", arr) == j("[10,11]"))
        #expect(try eval("$[-2:]", arr) == j("[13,14]"))
        #expect(try eval("$[:-2]", arr) == j("[10,11,12]"))
        #expect(try eval("$[3:100]", arr) == j("[13,14]"))
        #expect(try eval("$[10:]", arr) == j("[]"))
        #expect(try eval("$[3:1]", arr) == j("[]"))
        #expect(try !JSONPath.parse("$[1:2]").isDefinite)
    }

    @Test func sliceBetweenKeepsJaywayNegativeQuirk() throws {
        // Jayway's [from:to] does not normalize bounds; it visits positions from..<to and
        // resolves each negative position from the end.
        #expect(try eval("$[-2:-1]", arr) == j("[13]"))
        #expect(try eval("$[-2:1]", arr) == j("[13,14,10]"))
        #expect(try eval("$[1:-1]", arr) == j("[]"))
        #expect(try eval("$[-100:1]", arr) == j("[10,11,12,13,14,10]"))
        #expect(try eval("$[-1:2]", arr) == j("[14,10,11]"))
    }

    @Test func sliceStepIsNotSupportedTheWayJaywayIsNot() throws {
        #expect(!parses("$[::2]"))
        #expect(!parses("$[:]"))
        #expect(try eval("$[0:4:2]", arr) == j("[10,11,12,13]"))  // the step is ignored
    }

    @Test func indefinitePathsOverMissingInputAreEmpty() throws {
        // Recorded against AWS with input {}.
        let empty = j("{}")
        for p in ["$[*]", "$.items[*]", "$.item.items[*]", "$.items[1:]", "$.item.items[1:5].itemValue",
                  "$.items[:1].itemValue", "$.items[*].itemValue"] {
            #expect(try eval(p, empty) == j("[]"), "\(p)")
        }
    }
}

@Suite struct JSONPathUnionAndScanTests {
    @Test func nameUnionAsLeafMergesIntoOneObject() throws {
        let p = try JSONPath.parse("$.store.bicycle['color','price','nope']")
        #expect(p.isDefinite)
        #expect(p.evaluate(store) == j(#"{"color":"red","price":19.95}"#))
    }

    @Test func nameUnionInsidePathIterates() throws {
        let doc = j(#"{"a":{"v":1},"b":{"v":2},"c":{"v":3}}"#)
        let p = try JSONPath.parse("$['a','c','x'].v")
        #expect(!p.isDefinite)
        #expect(p.evaluate(doc) == j("[1,3]"))
    }

    @Test func deepScanByName() throws {
        #expect(try eval("$..author", store) == j(#"["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]"#))
        #expect(try eval("$.store..price", store) == j("[8.95,12.99,8.99,22.99,19.95]"))
        #expect(try eval("$..nothing", store) == j("[]"))
    }

    @Test func deepScanWildcardVisitsPreOrder() throws {
        let doc = j(#"{"a":{"b":1},"c":[2]}"#)
        #expect(try eval("$..*", doc) == j(#"[{"b":1},[2],1,2]"#))
    }

    @Test func deepScanIndex() throws {
        let doc = j(#"{"x":[1,2],"y":{"z":[3]}}"#)
        #expect(try eval("$..[0]", doc) == j("[1,3]"))
        #expect(try eval("$..book[2].title", store) == j(#"["Moby Dick"]"#))
    }

    @Test func deepScanFilter() throws {
        let r = try eval("$..book[?(@.price > 20)].title", store)
        #expect(r == j(#"["The Lord of the Rings"]"#))
        #expect(try eval("$..[?(@.color)]", store) == j(#"[{"color":"red","price":19.95}]"#))
    }
}

@Suite struct JSONPathFilterTests {
    @Test func numericComparisons() throws {
        #expect(try eval("$.store.book[?(@.price < 10)].title", store) == j(#"["Sayings of the Century","Moby Dick"]"#))
        #expect(try eval("$.store.book[?(@.price <= 8.99)].price", store) == j("[8.95,8.99]"))
        #expect(try eval("$.store.book[?(@.price > 20)].price", store) == j("[22.99]"))
        #expect(try eval("$.store.book[?(@.price >= 22.99)].price", store) == j("[22.99]"))
        #expect(try eval("$.store.book[?(@.price != 8.95)].price", store) == j("[12.99,8.99,22.99]"))
    }

    @Test func recordedAWSFilterOnStatus() throws {
        let doc = j(#"{"users":[{"year":1997,"status":0},{"year":1998,"status":1}]}"#)
        #expect(try eval("$.users[?(@.status == 0)]", doc) == j(#"[{"year":1997,"status":0}]"#))
    }

    @Test func stringEqualityBothQuotes() throws {
        #expect(try eval("$.store.book[?(@.category == 'reference')].author", store) == j(#"["Nigel Rees"]"#))
        #expect(try eval("$.store.book[?(@.category==\"reference\")].author", store) == j(#"["Nigel Rees"]"#))
        #expect(try eval("$.store.book[?(@.author == 'Nobody')]", store) == j("[]"))
    }

    @Test func stringOrdering() throws {
        let doc = j(#"[{"n":"apple"},{"n":"banana"},{"n":"Cherry"}]"#)
        #expect(try eval("$[?(@.n < 'b')].n", doc) == j(#"["apple","Cherry"]"#))
    }

    @Test func booleansAndNull() throws {
        let doc = j(#"[{"ok":true,"v":1},{"ok":false,"v":2},{"ok":null,"v":3},{"v":4}]"#)
        #expect(try eval("$[?(@.ok == true)].v", doc) == j("[1]"))
        #expect(try eval("$[?(@.ok == false)].v", doc) == j("[2]"))
        #expect(try eval("$[?(@.ok == null)].v", doc) == j("[3]"))
        #expect(try eval("$[?(@.ok != null)].v", doc) == j("[1,2,4]"))  // a missing member is unequal to everything
    }

    @Test func numberAndStringCrossCompareLikeJayway() throws {
        let doc = j(#"[{"v":1},{"v":"1"},{"v":2}]"#)
        #expect(try eval("$[?(@.v == 1)].v", doc) == j(#"[1,"1"]"#))
        #expect(try eval("$[?(@.v === 1)].v", doc) == j("[1]"))
        #expect(try eval("$[?(@.v !== 1)].v", doc) == j(#"["1",2]"#))
    }

    @Test func existence() throws {
        #expect(try eval("$.store.book[?(@.isbn)].title", store) == j(#"["Moby Dick","The Lord of the Rings"]"#))
        #expect(try eval("$.store.book[?(!@.isbn)].title", store) == j(#"["Sayings of the Century","Sword of Honour"]"#))
        let doc = j(#"[{"a":null},{"b":1}]"#)
        #expect(try eval("$[?(@.a)]", doc) == j(#"[{"a":null}]"#))
    }

    @Test func logicalOperators() throws {
        #expect(try eval("$.store.book[?(@.price < 10 && @.category == 'fiction')].title", store) == j(#"["Moby Dick"]"#))
        #expect(try eval("$.store.book[?(@.price > 20 || @.category == 'reference')].price", store) == j("[8.95,22.99]"))
        #expect(try eval("$.store.book[?((@.price > 20) || (@.isbn && @.price < 9))].price", store) == j("[8.99,22.99]"))
    }

    @Test func logicalOperatorsHaveNoPrecedenceLikeJayway() throws {
        // Jayway folds `a && b || c` as `a && (b || c)`.
        let doc = j(#"[{"a":0,"c":1}]"#)
        #expect(try eval("$[?(@.a == 1 && @.b == 1 || @.c == 1)]", doc) == j("[]"))
        #expect(try eval("$[?(@.c == 1 || @.a == 1 && @.b == 1)]", doc) == j(#"[{"a":0,"c":1}]"#))
    }

    @Test func currentItemAndRootReferences() throws {
        #expect(try eval("$.store.book[?(@.price > $.expensive)].price", store) == j("[12.99,22.99]"))
        let nums = j("[1,5,10]")
        #expect(try eval("$[?(@ > 3)]", nums) == j("[5,10]"))
        #expect(try eval("$[?(@ == 5)]", nums) == j("[5]"))
    }

    @Test func filterOnObjectTestsTheObjectItself() throws {
        #expect(try eval("$.store.bicycle[?(@.color == 'red')]", store) == j(#"[{"color":"red","price":19.95}]"#))
        #expect(try eval("$.store.bicycle[?(@.color == 'blue')]", store) == j("[]"))
    }

    @Test func regex() throws {
        #expect(try eval("$.store.book[?(@.author =~ /.*REES/i)].author", store) == j(#"["Nigel Rees"]"#))
        #expect(try eval("$.store.book[?(@.author =~ /.*REES/)].author", store) == j("[]"))
        #expect(try eval("$.store.book[?(@.author =~ /Nigel/)].author", store) == j("[]"))  // whole match
        #expect(try eval("$.store.book[?(@.title =~ /^M.*k$/)].title", store) == j(#"["Moby Dick"]"#))
    }

    @Test func inAndNin() throws {
        #expect(try eval("$.store.book[?(@.category in ['reference','poetry'])].author", store) == j(#"["Nigel Rees"]"#))
        #expect(try eval("$.store.book[?(@.price nin [8.95, 8.99])].price", store) == j("[12.99,22.99]"))
        #expect(try eval(#"$.store.book[?(@.category IN ["fiction"])].price"#, store) == j("[12.99,8.99,22.99]"))
    }

    @Test func sizeEmptyContainsSubset() throws {
        let doc = j(#"[{"t":["a","b"],"s":"xy"},{"t":[],"s":""},{"t":["c"],"s":"abc"}]"#)
        #expect(try eval("$[?(@.t size 2)].s", doc) == j(#"["xy"]"#))
        #expect(try eval("$[?(@.s size 3)].s", doc) == j(#"["abc"]"#))
        #expect(try eval("$[?(@.t empty true)].s", doc) == j(#"[""]"#))
        #expect(try eval("$[?(@.t contains 'c')].s", doc) == j(#"["abc"]"#))
        #expect(try eval("$[?(@.s contains 'b')].s", doc) == j(#"["abc"]"#))
        #expect(try eval("$[?(@.t subsetof ['a','b','z'])].s", doc) == j(#"["xy",""]"#))
        #expect(try eval("$[?(@.t anyof ['c','q'])].s", doc) == j(#"["abc"]"#))
        #expect(try eval("$[?(@.t noneof ['a','c'])].s", doc) == j(#"[""]"#))
    }

    @Test func nestedFilters() throws {
        let doc = j(#"[{"k":[{"v":1}]},{"k":[{"v":2}]}]"#)
        #expect(try eval("$[?(@.k[?(@.v == 2)])]", doc) == j(#"[{"k":[{"v":2}]}]"#))
    }

    @Test func filterOnPrimitiveYieldsEmpty() throws {
        #expect(try eval("$.expensive[?(@.a)]", store) == j("[]"))
    }
}

@Suite struct JSONPathLengthTests {
    @Test func lengthOfArrayAndObject() throws {
        #expect(try eval("$.store.book.length()", store) == 4)
        #expect(try eval("$.store.bicycle.length()", store) == 2)
        #expect(try JSONPath.parse("$.store.book.length()").isDefinite)
        #expect(try eval("$.nope.length()", store) == nil)
    }

    @Test func lengthAfterIndefinitePathCountsMatches() throws {
        #expect(try eval("$.store.book[*].isbn.length()", store) == 2)
    }

    @Test func lengthInFilter() throws {
        let doc = j(#"[{"t":[1,2]},{"t":[1]}]"#)
        #expect(try eval("$[?(@.t.length() > 1)]", doc) == j(#"[{"t":[1,2]}]"#))
    }
}

@Suite struct JSONPathVariableTests {
    @Test func variableReferencesNeedOptIn() throws {
        #expect(throws: PathSyntaxError.self) { try JSONPath.parse("$myVar.a") }
        let p = try JSONPath.parse("$myVar.a[1]", allowingVariables: true)
        #expect(p.variable == "myVar")
        #expect(!p.isContextPath)
        #expect(p.isReferencePath)
        #expect(p.evaluate(j(#"{"a":[0,7]}"#)) == 7)
        let bare = try JSONPath.parse("$constant_str", allowingVariables: true)
        #expect(bare.variable == "constant_str")
        #expect(bare.evaluate("v") == "v")
        #expect(try JSONPath.parse("$.a", allowingVariables: true).variable == nil)
        #expect(try JSONPath.parse("$$.a", allowingVariables: true).variable == nil)
    }
}

@Suite struct JSONPathCorpusNameTests {
    @Test func hyphenatedDotNames() throws {
        let doc = j(#"{"delivery-partner":"x","sub-values":[1]}"#)
        #expect(try eval("$.delivery-partner", doc) == "x")
        #expect(try eval("$.sub-values[0]", doc) == 1)
        #expect(try JSONPath.parse("$$.Execution.Input.input-value").normalized == "$['Execution']['Input']['input-value']")
    }
}

@Suite struct JSONPathNormalizedTests {
    @Test func normalizedForms() throws {
        #expect(try JSONPath.parse("$.NoSuchInputPath").normalized == "$['NoSuchInputPath']")
        #expect(try JSONPath.parse("$.a[0]").normalized == "$['a'][0]")
        #expect(try JSONPath.parse("$['a'].b[-1]").normalized == "$['a']['b'][-1]")
        #expect(try JSONPath.parse("$.a[*]..b[1:2][?(@.x)]").normalized == "$['a'][*]..['b'][1:2][?]")
        #expect(try JSONPath.parse("$['a','b']").normalized == "$['a','b']")
        #expect(try JSONPath.parse("$.a[0,1]").normalized == "$['a'][0,1]")
    }

    @Test func selectReportsJaywayMissMessages() throws {
        let p1 = try JSONPath.parse("$.NoSuchInputPath")
        #expect(p1.select(j("{}")) == .failure(JSONPathMiss("No results for path: $['NoSuchInputPath']")))
        // Recorded against AWS: "Invalid path '$.no.such.result.path' : Missing property in path $['no']"
        let p2 = try JSONPath.parse("$.no.such.result.path")
        #expect(p2.select(j("{}")) == .failure(JSONPathMiss("Missing property in path $['no']")))
        let p3 = try JSONPath.parse("$.a.b.c")
        #expect(p3.select(j(#"{"a":{}}"#)) == .failure(JSONPathMiss("Missing property in path $['a']['b']")))
        #expect(p3.select(j(#"{"a":{"b":{"c":7}}}"#)) == .success(7))
        let p4 = try JSONPath.parse("$.a[3]")
        #expect(p4.select(j(#"{"a":[1]}"#)) == .failure(JSONPathMiss("No results for path: $['a'][3]")))
        let p6 = try JSONPath.parse("$.a.b")
        if case .failure(let m) = p6.select(j(#"{"a":"s"}"#)) {
            #expect(m.message.hasPrefix("Expected to find an object with property ['b'] in path $['a'] but found 'java.lang.String'."))
        } else {
            Issue.record("expected a miss")
        }
        let p5 = try JSONPath.parse("$.a[?(@.x)]")
        #expect(p5.select(j("{}")) == .success(j("[]")))
    }
}

@Suite struct JSONPathKindTests {
    @Test func definiteness() throws {
        for p in ["$", "$.a", "$['a']", "$.a[0]", "$.a[-1].b", "$['a','b']", "$$.Map.Item.Value"] {
            #expect(try JSONPath.parse(p).isDefinite, "\(p)")
        }
        for p in ["$.a[*]", "$.*", "$..a", "$.a[0,1]", "$.a[1:]", "$.a[?(@.b)]", "$['a','b'].c"] {
            #expect(try !JSONPath.parse(p).isDefinite, "\(p)")
        }
    }

    @Test func referencePaths() throws {
        for p in ["$", "$.a", "$.a.b", "$['a b'].c", "$.a[0]", "$.a[-1]", "$$.Execution.Id"] {
            #expect(try JSONPath.parse(p).isReferencePath, "\(p)")
        }
        for p in ["$.a[*]", "$..a", "$.a[0,1]", "$.a[1:2]", "$.a[?(@.b)]", "$['a','b']", "$.a.length()"] {
            #expect(try !JSONPath.parse(p).isReferencePath, "\(p)")
        }
    }

    @Test func sourceAndDescriptionAreAsWritten() throws {
        let p = try JSONPath.parse("$.a['b'][0]")
        #expect(p.source == "$.a['b'][0]")
        #expect(p.description == "$.a['b'][0]")
    }
}

@Suite struct JSONPathSyntaxTests {
    @Test(arguments: [
        "", "a", "a.b", "@.a", " $.a", "$.a ", "$. a", "$.a .b", "$.a b", "$a", "$.", "$..", "$.a.",
        "$...a", "$[", "$[0", "$['a'", "$['a]", "$[a]", "$[]", "$.a]", "$[*", "$[*,0]", "$[0a]",
        "$[99999999999]", "$[-2147483649]", "$[1:2:x]", "$[::]", "$[1,]", "$[,1]", "$[1 2]",
        "$[?(@.a]", "$[?(@.a == )]", "$[?(@.a === 'x' ||)]", "$[?(@.a =* 1)]", "$[?(@.a == 'x)]",
        "$[?(@.a =~ /[/)]", "$[?(@.a =~ /x)]", "$[?(true)]", "$[?()]", "$[?@.a]", "$[?]",
        "$.a.max()", "$.length(1)", "$[ 1 : 2 ]", "$.length().a", "$['a',\"b\"]", "$['a' 'b']",
    ])
    func rejected(_ path: String) {
        #expect(throws: PathSyntaxError.self) { try JSONPath.parse(path) }
    }

    @Test(arguments: [
        "$", "$$", "$.a", "$['a']", "$[\"a\"]", "$.a.b[0][1]", "$[-1]", "$.*", "$[*]", "$..a", "$..*",
        "$..[0]", "$[0,1]", "$['a','b']", "$[1:]", "$[:1]", "$[-2:]", "$[1:2]",
        "$[?(@.a)]", "$[?(!@.a)]", "$[?(@.a == 'x' && @.b != 2 || @.c)]", "$[?(@ == 1)]",
        "$.a[?(@.b =~ /^x.*$/i)]", "$[?(@.a in ['x','y'])]", "$[?(@.a nin [1,2])]", "$.a.length()",
        "$.a-b", "$.a$b", "$.[0]", "$[ 'a' , 'b' ]", "$[?(@.a == $.b)]", "$[?(@['x y'] == 1)]",
        "$[?(@.a == -1.5e3)]", "$[?(@.a == {\"k\":1})]",
    ])
    func accepted(_ path: String) throws {
        _ = try JSONPath.parse(path)
    }

    @Test func errorMessagesAreClear() {
        do {
            _ = try JSONPath.parse("a.b")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("must start with '$'"))
        }
        do {
            _ = try JSONPath.parse("$.my prop")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("bracket notation"))
        }
    }

    @Test func deeplyNestedFiltersAreRejectedNotTrapped() {
        var p = "@.a"
        for _ in 0..<40 { p = "@[?(\(p))]" }
        #expect(throws: PathSyntaxError.self) { try JSONPath.parse("$[?(\(p))]") }
    }
}

@Suite struct JSONPathAssignTests {
    let input = j(#"{"a":1,"b":{"c":2},"arr":[1,2,3],"s":"str"}"#)

    @Test func dollarReplacesWholeInput() throws {
        #expect(try JSONPath.parse("$").assigning("x", into: input) == "x")
    }

    @Test func setsNewAndExistingMembers() throws {
        let r = try JSONPath.parse("$.res").assigning(j("[1]"), into: input)
        #expect(r == j(#"{"a":1,"b":{"c":2},"arr":[1,2,3],"s":"str","res":[1]}"#))
        #expect(r.objectValue?.keys.last == "res")
        let r2 = try JSONPath.parse("$.a").assigning(true, into: input)
        #expect(r2["a"] == true)
        #expect(r2.objectValue?.keys == ["a", "b", "arr", "s"])  // replaced in place
        let r3 = try JSONPath.parse("$.b.c").assigning(5, into: input)
        #expect(r3 == j(#"{"a":1,"b":{"c":5},"arr":[1,2,3],"s":"str"}"#))
    }

    @Test func createsMissingIntermediateObjects() throws {
        let r = try JSONPath.parse("$.x.y.z").assigning("v", into: input)
        #expect(r["x"] == j(#"{"y":{"z":"v"}}"#))
        #expect(r["a"] == 1)
        let r2 = try JSONPath.parse("$.b.new.deep").assigning(0, into: input)
        #expect(r2["b"] == j(#"{"c":2,"new":{"deep":0}}"#))
    }

    @Test func replacesAnExistingArrayElement() throws {
        let r = try JSONPath.parse("$.arr[1]").assigning("two", into: input)
        #expect(r["arr"] == j(#"[1,"two",3]"#))
        let r2 = try JSONPath.parse("$.arr[-1]").assigning(0, into: input)
        #expect(r2["arr"] == j("[1,2,0]"))
    }

    @Test func failsWhenAStepLandsOnANonObject() throws {
        let e1 = #expect(throws: ASLError.self) { try JSONPath.parse("$.s.x").assigning(1, into: input) }
        #expect(e1?.name?.rawValue == "States.ReferencePathConflict")
        #expect(e1?.cause == #"Unable to apply step "x" to input {"a":1,"b":{"c":2},"arr":[1,2,3],"s":"str"}"#)
        let e2 = #expect(throws: ASLError.self) { try JSONPath.parse("$.result").assigning(1, into: j("[1,2]")) }
        #expect(e2?.cause == #"Unable to apply step "result" to input [1,2]"#)
        let e3 = #expect(throws: ASLError.self) { try JSONPath.parse("$.x").assigning(1, into: "input1") }
        #expect(e3?.cause == #"Unable to apply step "x" to input "input1""#)
    }

    @Test func failsForOutOfRangeOrMisplacedIndex() throws {
        #expect(throws: ASLError.self) { try JSONPath.parse("$.arr[7]").assigning(1, into: input) }
        #expect(throws: ASLError.self) { try JSONPath.parse("$.b[0]").assigning(1, into: input) }
        #expect(throws: ASLError.self) { try JSONPath.parse("$.nope[0]").assigning(1, into: input) }
        #expect(throws: ASLError.self) { try JSONPath.parse("$.a[*]").assigning(1, into: input) }
    }

    @Test func assignInPlaceLeavesTheInputAsItWasOnAConflict() throws {
        // The conflict is found before anything changes, deep or shallow, so the cause
        // shows the whole input and the caller keeps it (a Pass hands over its raw input).
        for path in ["$.b.c.d", "$.nope.x[0]", "$.arr[9]", "$.s.x"] {
            var v = input
            let e = #expect(throws: ASLError.self) { try JSONPath.parse(path).assign(1, into: &v) }
            #expect(e?.cause?.hasSuffix(#" to input {"a":1,"b":{"c":2},"arr":[1,2,3],"s":"str"}"#) == true)
            #expect(v == input)
        }
        var v = input
        try JSONPath.parse("$.b.new.deep").assign(0, into: &v)
        try JSONPath.parse("$.arr[0]").assign("one", into: &v)
        #expect(v == j(#"{"a":1,"b":{"c":2,"new":{"deep":0}},"arr":["one",2,3],"s":"str"}"#))
        #expect(input["b"] == j(#"{"c":2}"#))  // a copy taken before is not touched
    }

    @Test func originalInputIsUntouched() throws {
        let copy = input
        _ = try JSONPath.parse("$.b.c").assigning(9, into: input)
        #expect(input == copy)
        #expect(input["b"] == j(#"{"c":2}"#))
    }
}
