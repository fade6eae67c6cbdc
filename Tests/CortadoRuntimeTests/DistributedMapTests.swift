import CortadoASL
import CortadoJSON
import CortadoPath
@testable import CortadoRuntime
import Foundation
import Synchronization
import Testing

/// Distributed Map over files: ItemReader (CSV, JSON, JSONL, listObjectsV2), ItemSelector,
/// ItemBatcher, ResultWriter and failure tolerance, run against two local directories standing
/// in for the buckets "in" and "out". Expected values are AWS's, as recorded in
/// /work/research-distributed-map.md (LocalStack snapshots of real AWS, and the AWS docs).
@Suite struct DistributedMapTests {
    // MARK: - Harness

    /// The buckets "in" and "out" as temporary directories, removed when the test ends.
    final class Buckets {
        let root: URL
        var input: URL { root.appendingPathComponent("in") }
        var output: URL { root.appendingPathComponent("out") }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("cortado-dmap-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root.appendingPathComponent("in"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: root.appendingPathComponent("out"), withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: root) }

        /// Writes object `key` of bucket "in".
        func put(_ key: String, _ text: String) throws {
            let url = input.appendingPathComponent(key)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }

        /// Object `key` of bucket "out", as bytes.
        func bytes(_ key: String) throws -> Data { try Data(contentsOf: output.appendingPathComponent(key)) }
        func text(_ key: String) throws -> String { String(decoding: try bytes(key), as: UTF8.self) }
        func json(_ key: String) throws -> JSON { try JSON.parse(text(key)) }
        /// The names in directory `key` of bucket "out", sorted.
        func names(_ key: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent(key).path).sorted()
        }

        func run(_ definition: String, input: String = "{}",
                 events: (@Sendable (HistoryEvent) -> Void)? = nil) throws -> ExecutionResult {
            let program = try Harness.program(definition)
            var o = ExecutionOptions(executionName: "exec-1", stateMachineName: "sm", clock: .virtual, backend: HandlerRegistry())
            o.startTime = 1_700_000_000_000
            o.executionTimeoutSeconds = nil
            o.eventSink = events
            o.objectStore = DirectoryObjectStore(directories: ["in": self.input.path, "out": self.output.path])
            return Execution(program: program, input: try JSON.parse(input), options: o).runToCompletion()
        }
    }

    static let pass = #""StartAt":"P","States":{"P":{"Type":"Pass","End":true}}"#

    /// A machine whose one state is a Distributed Map labelled TestMap with `fields`, running
    /// `processor` (the ItemProcessor's StartAt and States) as its child executions.
    static func map(_ fields: String, processor: String = pass) -> String {
        """
        {"StartAt":"M","States":{"M":{"Type":"Map","Label":"TestMap",\(fields),
          "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},\(processor)},
          "End":true}}}
        """
    }

    /// An `s3:getObject` reader of `key` in bucket "in".
    static func getObject(_ key: String, _ config: String) -> String {
        #""ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":\#(config),"Parameters":{"Bucket":"in","Key":"\#(key)"}}"#
    }

    static func csv(_ extra: String = "") -> String {
        getObject("data.csv", #"{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"\#(extra)}"#)
    }

    static func isUUID(_ s: String) -> Bool { UUID(uuidString: s) != nil && s == s.lowercased() && s.count == 36 }

    static let account = "arn:aws:states:us-east-1:111111111111"

    /// Collects an execution's history events.
    final class Events: Sendable {
        let list = Mutex<[HistoryEvent]>([])
        var sink: @Sendable (HistoryEvent) -> Void { { e in self.list.withLock { $0.append(e) } } }
        var all: [HistoryEvent] { list.withLock { $0 } }
        /// "id/previousEventId Type" per event, as LocalStack's snapshots of AWS record them.
        var trace: [String] { all.map { "\($0.id)/\($0.previousEventID) \($0.type.rawValue)" } }
        func first(_ t: EventType) -> HistoryEvent? { all.first { $0.type == t } }
    }

    // MARK: - CSV

    @Test func csvFirstRowGivesAWSsRecordedItems() throws {
        // [SNAP BS::test_map_item_reader_base_csv_headers_first_line]
        let b = try Buckets()
        try b.put("data.csv", "Col1,Col2,Col3\nValue1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n")
        let events = Events()
        let r = try b.run(Self.map(Self.csv()), events: events.sink)
        #expect(r.status == .succeeded)
        #expect(events.trace == ["1/0 ExecutionStarted", "2/0 MapStateEntered", "3/2 MapStateStarted", "4/3 MapRunStarted",
                                 "5/4 MapRunSucceeded", "6/5 MapStateSucceeded", "7/5 MapStateExited", "8/7 ExecutionSucceeded"])
        // Length 0 when the items come from a reader.
        #expect(events.first(.mapStateStarted)?.details.length == 0)
        let arn = events.first(.mapRunStarted)?.details.mapRunArn ?? ""
        #expect(arn.hasPrefix("\(Self.account):mapRun:sm/TestMap:") && Self.isUUID(String(arn.split(separator: ":").last ?? "")))
        #expect(r.outputText == #"[{"Col1":"Value1","Col2":"Value2","Col3":"Value3"},{"Col1":"Value4","Col2":"Value5","Col3":"Value6"},"#
            + #"{"Col1":"","Col2":"","Col3":""},{"Col1":"true","Col2":"1","Col3":"'HelloWorld'"},"#
            + #"{"Col1":"Null","Col2":"None","Col3":""},{"Col1":"   ","Col2":"","Col3":""}]"#)
    }

    @Test func csvQuotedFieldsHoldDelimitersNewlinesAndDoubledQuotes() throws {
        let b = try Buckets()
        try b.put("data.csv", "a,b\n\"x,y\",\"line1\nline2\"\n\"say \"\"hi\"\"\",plain\n")
        let r = try b.run(Self.map(Self.csv()))
        #expect(r.status == .succeeded)
        #expect(r.output == [["a": "x,y", "b": "line1\nline2"], ["a": "say \"hi\"", "b": "plain"]])
    }

    @Test func csvGivenHeadersFewerThanColumnsDropTheExtraFields() throws {
        // [SNAP BS::..csv_headers_decl_extra_fields]: GIVEN ["H1"] on 3-column rows; the first row is data.
        let b = try Buckets()
        try b.put("data.csv", "Value1,Value2,Value3\nValue4,Value5,Value6\n")
        let r = try b.run(Self.map(Self.getObject("data.csv",
            #"{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["H1"]}"#)))
        #expect(r.status == .succeeded)
        #expect(r.outputText == #"[{"H1":"Value1"},{"H1":"Value4"}]"#)
    }

    @Test func csvDuplicateGivenHeadersFailTheReader() throws {
        // [SNAP BS::..decl_duplicate_headers]
        let b = try Buckets()
        try b.put("data.csv", "Value1,Value2,Value3\nValue4,Value5,Value6\n")
        let events = Events()
        let r = try b.run(Self.map(Self.getObject("data.csv",
            #"{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["H1","H1","H3"]}"#)), events: events.sink)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.ItemReaderFailed")
        #expect(r.error?.cause == "CSV headers cannot contain duplicates.")
        #expect(events.trace == ["1/0 ExecutionStarted", "2/0 MapStateEntered", "3/2 MapStateStarted", "4/3 MapRunStarted",
                                 "5/4 MapRunFailed", "6/5 MapStateFailed", "7/6 ExecutionFailed"])
        let failed = events.first(.mapRunFailed)
        #expect(failed?.details.error == "States.ItemReaderFailed")
        #expect(failed?.details.cause == "CSV headers cannot contain duplicates.")
        #expect(events.first(.executionFailed)?.details.cause == "CSV headers cannot contain duplicates.")
    }

    @Test func csvPipeDelimiter() throws {
        let b = try Buckets()
        try b.put("data.csv", "a|b\n1|2,3\n\"4|5\"|6\n")
        let r = try b.run(Self.map(Self.csv(#","CSVDelimiter":"PIPE""#)))
        #expect(r.status == .succeeded)
        #expect(r.output == [["a": "1", "b": "2,3"], ["a": "4|5", "b": "6"]])
    }

    @Test func csvKeysFollowJavaHashMapOrder() throws {
        // [SNAP BS::..typed_headers] and [..first_row_extra_fields]: the text, since JSON equality ignores order.
        let b = try Buckets()
        try b.put("data.csv", "0,True,{}\nValue4,Value5,Value6\n")
        let r = try b.run(Self.map(Self.csv()))
        #expect(r.status == .succeeded)
        #expect(r.outputText == #"[{"0":"Value4","{}":"Value6","True":"Value5"}]"#)

        try b.put("data.csv", "H1,\nValue4,Value5,Value6\n")
        let r2 = try b.run(Self.map(Self.csv()))
        #expect(r2.status == .succeeded)
        #expect(r2.outputText == #"[{"":"Value5","H1":"Value4"}]"#)
    }

    // MARK: - JSON and JSONL

    @Test func jsonArrayReaderGivesEachElementUnchanged() throws {
        let b = try Buckets()
        try b.put("items.json", #"[{"verdict":"true","n":1.5},"x",[2,{"k":null}],7]"#)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#)))
        #expect(r.status == .succeeded)
        #expect(r.outputText == #"[{"verdict":"true","n":1.5},"x",[2,{"k":null}],7]"#)
    }

    @Test func jsonlReaderSkipsBlankLines() throws {
        let b = try Buckets()
        try b.put("items.jsonl", "{\"a\":1}\n\n\"x\"\n   \n[2,3]\r\n7")
        let r = try b.run(Self.map(Self.getObject("items.jsonl", #"{"InputType":"JSONL"}"#)))
        #expect(r.status == .succeeded)
        #expect(r.output == [["a": 1], "x", [2, 3], 7])
    }

    /// Gzip-compresses `text` with the system's gzip (the tests' only use of it).
    static func gzip(_ text: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -c"]
        let inPipe = Pipe(), outPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        try p.run()
        inPipe.fileHandleForWriting.write(Data(text.utf8))
        try inPipe.fileHandleForWriting.close()
        let data = outPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    @Test func gzipCompressedObjectsAreInflated() throws {
        let b = try Buckets()
        let lines = (0..<3000).map { #"{"i":\#($0)}"# }.joined(separator: "\n")
        try Self.gzip(lines).write(to: b.input.appendingPathComponent("items.jsonl.gz"))
        let r = try b.run(Self.map(Self.getObject("items.jsonl.gz", #"{"InputType":"JSONL"}"#)))
        #expect(r.status == .succeeded)
        #expect(r.output == .array((0..<3000).map { ["i": .number(JSONNumber($0))] }))
    }

    /// An S3 Inventory report: manifest.json names gzipped CSV files without a header row,
    /// whose columns `fileSchema` names; the items are AWS's documented shape, in its key order.
    @Test func manifestReadsTheInventoryFiles() throws {
        let b = try Buckets()
        try FileManager.default.createDirectory(at: b.input.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Self.gzip(#""src","csvDataset/titles.csv","3399671","2022-11-16T00:29:32.000Z""# + "\n")
            .write(to: b.input.appendingPathComponent("data/1.csv.gz"))
        try Self.gzip(#""src","b.csv","12","2022-11-17T00:29:32.000Z""# + "\n").write(to: b.input.appendingPathComponent("data/2.csv.gz"))
        try b.put("manifest.json", """
            {"sourceBucket":"src","destinationBucket":"arn:aws:s3:::in","fileFormat":"CSV","fileSchema":"Bucket, Key, Size, LastModifiedDate",
             "files":[{"key":"data/1.csv.gz","size":1,"MD5checksum":"x"},{"key":"data/2.csv.gz","size":1,"MD5checksum":"y"}]}
            """)
        let r = try b.run(Self.map(Self.getObject("manifest.json", #"{"InputType":"MANIFEST"}"#)))
        #expect(r.status == .succeeded)
        #expect(r.outputText == #"[{"LastModifiedDate":"2022-11-16T00:29:32.000Z","Bucket":"src","Size":"3399671","Key":"csvDataset/titles.csv"},{"LastModifiedDate":"2022-11-17T00:29:32.000Z","Bucket":"src","Size":"12","Key":"b.csv"}]"#)
    }

    /// A child execution's input is at most 256 KiB: a larger line fails the map run.
    @Test func itemOverTheInputLimitFailsTheReader() throws {
        let b = try Buckets()
        try b.put("big.jsonl", #"{"a":1}"# + "\n" + #"{"s":""# + String(repeating: "x", count: 300_000) + #""}"# + "\n")
        let r = try b.run(Self.map(Self.getObject("big.jsonl", #"{"InputType":"JSONL"}"#)))
        #expect(r.status == .failed)
        #expect(r.error?.name == .itemReaderFailed)
        #expect(r.error?.cause?.contains("over the 262144-byte limit") == true)
    }

    @Test func maxItemsLimitsTheItemsAndZeroMeansNoLimit() throws {
        // [SNAP BS::test_map_item_reader_csv_max_items[2] / [0]], [..base_json_max_items]
        let b = try Buckets()
        try b.put("data.csv", "H\nr1\nr2\nr3\nr4\n")
        try b.put("items.json", "[1,2,3]")
        try b.put("items.jsonl", "1\n2\n3\n")
        let two = try b.run(Self.map(Self.csv(#","MaxItems":2"#)))
        #expect(two.output == [["H": "r1"], ["H": "r2"]])
        let all = try b.run(Self.map(Self.csv(#","MaxItems":0"#)))
        #expect(all.output == [["H": "r1"], ["H": "r2"], ["H": "r3"], ["H": "r4"]])
        let json = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON","MaxItems":2}"#)))
        #expect(json.output == [1, 2])
        let jsonl = try b.run(Self.map(Self.getObject("items.jsonl", #"{"InputType":"JSONL","MaxItems":2}"#)))
        #expect(jsonl.output == [1, 2])
        let path = try b.run(Self.map(Self.csv(#","MaxItemsPath":"$.max""#)), input: #"{"max":3}"#)
        #expect(path.output == [["H": "r1"], ["H": "r2"], ["H": "r3"]])
        // Over the documented limit of 100,000,000: no error, every row [SNAP ..paths[100000001]].
        let big = try b.run(Self.map(Self.csv(#","MaxItemsPath":"$.max""#)), input: #"{"max":100000001}"#)
        #expect(big.output == [["H": "r1"], ["H": "r2"], ["H": "r3"], ["H": "r4"]])
    }

    @Test func negativeMaxItemsPathFailsTheReader() throws {
        // [SNAP BS::test_map_item_reader_csv_max_items_paths[-1]]
        let b = try Buckets()
        try b.put("data.csv", "Col1,Col2\nValue1,Value2\nValue3,Value4\n")
        let events = Events()
        let r = try b.run(Self.map(Self.csv(#","MaxItemsPath":"$.MaxItems""#)), input: #"{"MaxItems":-1}"#, events: events.sink)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.ItemReaderFailed")
        #expect(r.error?.cause == "field MaxItems must be positive")
        #expect(events.trace == ["1/0 ExecutionStarted", "2/0 MapStateEntered", "3/2 MapStateStarted", "4/3 MapRunStarted",
                                 "5/4 MapRunFailed", "6/5 MapStateFailed", "7/6 ExecutionFailed"])
        let failed = events.first(.mapRunFailed)
        #expect(failed?.details.error == "States.ItemReaderFailed")
        #expect(failed?.details.cause == "field MaxItems must be positive")
    }

    static let fractionalMaxItems = (definition: map(csv(#","MaxItemsPath":"$.MaxItems""#)), input: #"{"MaxItems":1.5}"#)

    @Test func fractionalMaxItemsPathFailsWithStatesRuntime() throws {
        // [SNAP BS::test_map_item_reader_csv_max_items_paths[1.5]]
        let b = try Buckets()
        try b.put("data.csv", "Col1,Col2\nValue1,Value2\nValue3,Value4\n")
        let events = Events()
        let r = try b.run(Self.fractionalMaxItems.definition, input: Self.fractionalMaxItems.input, events: events.sink)
        #expect(r.status == .failed)
        #expect(r.errorName == "States.Runtime")
        #expect(r.error?.cause == "An error occurred while executing the state 'M' (entered at the event id #2). "
            + #"The MaxItemsPath field refers to value "1.5" which is not a valid integer: $.MaxItems"#)
        #expect(events.first(.mapRunStarted) == nil)
    }

    @Test
    func fractionalMaxItemsPathFailsAfterMapStateStarted() throws {
        // [SNAP BS::test_map_item_reader_csv_max_items_paths[1.5]]: 3/2 MapStateStarted, then 4/3 ExecutionFailed; no map run.
        let b = try Buckets()
        try b.put("data.csv", "Col1,Col2\nValue1,Value2\nValue3,Value4\n")
        let events = Events()
        _ = try b.run(Self.fractionalMaxItems.definition, input: Self.fractionalMaxItems.input, events: events.sink)
        #expect(events.trace == ["1/0 ExecutionStarted", "2/0 MapStateEntered", "3/2 MapStateStarted", "4/3 ExecutionFailed"])
    }

    @Test func jsonObjectIsNotIterable() throws {
        // [SNAP BS::test_map_item_reader_json_no_json_list_object] (recorded before the docs allowed objects).
        let b = try Buckets()
        try b.put("items.json", #"{"Hello":"world"}"#)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#)))
        #expect(r.status == .failed)
        #expect(r.errorName == "States.ItemReaderFailed")
        #expect(r.error?.cause == "Attempting to map over non-iterable node.")
    }

    @Test
    func jsonReaderFailureIsAMapRunFailure() throws {
        // [SNAP BS::test_map_item_reader_json_no_json_list_object]: MapStateStarted, MapRunStarted, MapRunFailed {cause, error},
        // MapStateFailed, ExecutionFailed.
        let b = try Buckets()
        try b.put("items.json", #"{"Hello":"world"}"#)
        let events = Events()
        _ = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#)), events: events.sink)
        #expect(events.trace == ["1/0 ExecutionStarted", "2/0 MapStateEntered", "3/2 MapStateStarted", "4/3 MapRunStarted",
                                 "5/4 MapRunFailed", "6/5 MapStateFailed", "7/6 ExecutionFailed"])
        #expect(events.first(.mapRunFailed)?.details.error == "States.ItemReaderFailed")
        #expect(events.first(.mapRunFailed)?.details.cause == "Attempting to map over non-iterable node.")
    }

    @Test func itemsPathIsIgnoredWithAReader() throws {
        // [SNAP BS::test_map_item_reader_base_json_with_items_path[*]]
        let b = try Buckets()
        try b.put("items.json", #"[["from-bucket-item-0"]]"#)
        for path in ["$.no_such_path_in_bucket_result", "$.from_previous", "$[0]"] {
            let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + #","ItemsPath":"\#(path)""#),
                              input: #"{"from_previous":["from-previous-item-0"]}"#)
            #expect(r.status == .succeeded)
            #expect(r.outputText == #"[["from-bucket-item-0"]]"#)
        }
    }

    // MARK: - listObjectsV2

    @Test func listObjectsItemsHaveAWSsKeysAndFollowThePrefix() throws {
        // [DOC input-output-itemreader]: {"Etag":"\"...\"","Key":..,"LastModified":<epoch seconds>,"Size":..,"StorageClass":"STANDARD"}
        let b = try Buckets()
        try b.put("data/a.txt", "abc")
        try b.put("data/sub/b.txt", "hello")
        try b.put("datafile.txt", "no")
        try b.put("other/c.txt", "no")
        let r = try b.run(Self.map(#"""
            "ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"in","Prefix":"data/"}}
            """#))
        #expect(r.status == .succeeded)
        let items = r.output?.arrayValue ?? []
        #expect(items.map { $0["Key"] } == ["data/a.txt", "data/sub/b.txt"])
        #expect(items.map { $0["Size"] } == [3, 5])
        let now = Date().timeIntervalSince1970
        for item in items {
            #expect(item.objectValue?.keys == ["Etag", "Key", "LastModified", "Size", "StorageClass"])
            #expect(item["StorageClass"] == "STANDARD")
            let etag = item["Etag"]?.stringValue ?? ""
            #expect(etag.count > 2 && etag.hasPrefix("\"") && etag.hasSuffix("\""))
            // Epoch seconds (not milliseconds, not an ISO string).
            let modified = item["LastModified"]?.numberValue?.double ?? 0
            #expect(abs(modified - now) < 3600)
        }
    }

    // MARK: - ItemSelector

    @Test func itemSelectorSeesTheItemItsIndexAndTheMapsInput() throws {
        // [SNAP BS::test_map_state_config_distributed_item_selector]: `$` is the Map's input.
        let b = try Buckets()
        try b.put("items.json", #"["Hello","World"]"#)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + #"""
            ,"InputPath":"$.inner",
            "ItemSelector":{"constantValue":"constant","index.$":"$$.Map.Item.Index","mapValue.$":"$$.Map.Item.Value",
                            "fromInput.$":"$"}
            """#), input: #"{"inner":{"tag":"t"},"outer":1}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == [
            ["constantValue": "constant", "index": 0, "mapValue": "Hello", "fromInput": ["tag": "t"]],
            ["constantValue": "constant", "index": 1, "mapValue": "World", "fromInput": ["tag": "t"]],
        ])
    }

    @Test func itemSelectorInJSONata() throws {
        let b = try Buckets()
        try b.put("items.jsonl", "{\"v\":10}\n{\"v\":20}\n")
        let r = try b.run("""
            {"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
              "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},
                            "Arguments":{"Bucket":"in","Key":"{% $states.input.key %}"}},
              "ItemSelector":{"i":"{% $states.context.Map.Item.Index %}","v":"{% $states.context.Map.Item.Value.v %}",
                              "in":"{% $states.input.tag %}"},
              "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
                               "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
              "End":true}}}
            """, input: #"{"key":"items.jsonl","tag":"t"}"#)
        #expect(r.status == .succeeded)
        #expect(r.output == [["i": 0, "v": 10, "in": "t"], ["i": 1, "v": 20, "in": "t"]])
    }

    // MARK: - ItemBatcher

    @Test func itemBatcherGivesChildrenItemsInBatches() throws {
        // [DOC input-output-itembatcher], [SNAP AR::..MAX_PER_BATCH_PATH]: {"Items":[...]}, no BatchInput key.
        let b = try Buckets()
        try b.put("items.json", "[1,2,3,4,5]")
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#)
                                   + #","ItemBatcher":{"MaxItemsPerBatch":2}"#))
        #expect(r.status == .succeeded)
        #expect(r.outputText == #"[{"Items":[1,2]},{"Items":[3,4]},{"Items":[5]}]"#)
    }

    @Test func itemBatcherBatchInputStaysNested() throws {
        // [DOC input-output-itembatcher]: {"BatchInput": {...}, "Items": [...]}
        let b = try Buckets()
        try b.put("items.json", #"[{"v":1},{"v":2},{"v":3}]"#)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + #"""
            ,"ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"factCheck":"December 2022","from.$":"$.x"}}
            """#), input: #"{"x":42}"#)
        #expect(r.status == .succeeded)
        #expect(r.outputText == #"[{"BatchInput":{"factCheck":"December 2022","from":42},"Items":[{"v":1},{"v":2}]},"#
            + #"{"BatchInput":{"factCheck":"December 2022","from":42},"Items":[{"v":3}]}]"#)
    }

    // MARK: - ResultWriter

    static let doubling = #""StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}"#
    static let writer = #""ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"jobs"}}"#
    static let threeItems = #"[{"n":1},{"n":2},{"n":3}]"#

    /// The map run's UUID (the last part of its ARN) from a ResultWriter's state output, after
    /// checking the output's shape.
    static func mapRunID(_ r: ExecutionResult, prefix: String = "jobs") -> String? {
        guard let arn = r.output?["MapRunArn"]?.stringValue, let id = arn.split(separator: ":").last.map(String.init) else {
            Issue.record("no MapRunArn in \(r.outputText ?? "nil")"); return nil
        }
        #expect(isUUID(id))
        #expect(arn == "\(account):mapRun:sm/TestMap:\(id)")
        #expect(r.output == ["MapRunArn": .string(arn),
                             "ResultWriterDetails": ["Bucket": "out", "Key": .string("\(prefix)/\(id)/manifest.json")]])
        return id
    }

    static let recordKeys = ["ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails", "RedriveCount",
                             "RedriveStatus", "RedriveStatusReason", "StartDate", "StateMachineArn", "Status", "StopDate"]

    static func isISODate(_ s: String?) -> Bool {
        guard let s, let re = try? Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#) else { return false }
        return s.wholeMatch(of: re) != nil
    }

    @Test func resultWriterWritesManifestAndSucceededRecords() throws {
        // [DOC input-output-resultwriter], manifest from LocalStack PR #11381 (real AWS).
        let b = try Buckets()
        try b.put("items.json", Self.threeItems)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + "," + Self.writer,
                                   processor: Self.doubling))
        #expect(r.status == .succeeded)
        guard let id = Self.mapRunID(r) else { return }
        let arn = r.output?["MapRunArn"]

        // Only non-empty categories get a file.
        #expect(try b.names("jobs/\(id)") == ["SUCCEEDED_0.json", "manifest.json"])
        let manifest = try b.json("jobs/\(id)/manifest.json")
        let size = try b.bytes("jobs/\(id)/SUCCEEDED_0.json").count
        #expect(manifest == ["DestinationBucket": "out", "MapRunArn": arn!,
                             "ResultFiles": ["FAILED": [], "PENDING": [],
                                             "SUCCEEDED": [["Key": .string("jobs/\(id)/SUCCEEDED_0.json"), "Size": .number(JSONNumber(size))]]]])
        #expect(manifest.objectValue?.keys == ["DestinationBucket", "MapRunArn", "ResultFiles"])

        let records = try b.json("jobs/\(id)/SUCCEEDED_0.json").arrayValue ?? []
        #expect(records.count == 3)
        var names: Set<String> = []
        for rec in records {
            #expect(rec.objectValue?.keys == Self.recordKeys)
            #expect(rec["Status"] == "SUCCEEDED")
            #expect(rec["InputDetails"] == ["Included": true])
            #expect(rec["OutputDetails"] == ["Included": true])
            #expect(rec["RedriveCount"] == 0)
            #expect(rec["StateMachineArn"] == .string("\(Self.account):stateMachine:sm/TestMap"))
            let name = rec["Name"]?.stringValue ?? ""
            #expect(Self.isUUID(name))
            names.insert(name)
            #expect(rec["ExecutionArn"] == .string("\(Self.account):execution:sm/TestMap:\(name)"))
            #expect(Self.isISODate(rec["StartDate"]?.stringValue))
            #expect(Self.isISODate(rec["StopDate"]?.stringValue))
        }
        #expect(names.count == 3)
        // Input and Output are JSON strings.
        let pairs = records.compactMap { rec -> (JSON, JSON)? in
            guard let i = rec["Input"]?.stringValue, let o = rec["Output"]?.stringValue else { return nil }
            return (try? JSON.parse(i)).flatMap { i in (try? JSON.parse(o)).map { (i, $0) } }
        }.sorted { ($0.0["n"]?.numberValue?.int ?? 0) < ($1.0["n"]?.numberValue?.int ?? 0) }
        #expect(pairs.map(\.0) == [["n": 1], ["n": 2], ["n": 3]])
        #expect(pairs.map(\.1) == [["doubled": 2], ["doubled": 4], ["doubled": 6]])
        #expect(records.first?["Input"]?.stringValue?.contains("\"n\"") == true)
    }

    @Test func resultWriterCompactWritesOnlyTheOutputs() throws {
        let b = try Buckets()
        try b.put("items.json", Self.threeItems)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + #"""
            ,"ResultWriter":{"WriterConfig":{"Transformation":"COMPACT"},"Resource":"arn:aws:states:::s3:putObject",
                             "Parameters":{"Bucket":"out","Prefix":"jobs"}}
            """#, processor: Self.doubling))
        #expect(r.status == .succeeded)
        guard let id = Self.mapRunID(r) else { return }
        let file = try b.json("jobs/\(id)/SUCCEEDED_0.json")
        #expect(file == [["doubled": 2], ["doubled": 4], ["doubled": 6]])
        let manifest = try b.json("jobs/\(id)/manifest.json")
        #expect(manifest["ResultFiles"]?["SUCCEEDED"]?.arrayValue?.first?["Size"]
                == .number(JSONNumber(try b.bytes("jobs/\(id)/SUCCEEDED_0.json").count)))
    }

    @Test func resultWriterJSONLWritesOneResultPerLine() throws {
        let b = try Buckets()
        try b.put("items.json", Self.threeItems)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + #"""
            ,"ResultWriter":{"WriterConfig":{"Transformation":"COMPACT","OutputType":"JSONL"},
                             "Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"jobs"}}
            """#, processor: Self.doubling))
        #expect(r.status == .succeeded)
        guard let id = Self.mapRunID(r) else { return }
        let text = try b.text("jobs/\(id)/SUCCEEDED_0.json")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        #expect(lines.count == 3)
        #expect(lines.compactMap { try? JSON.parse($0) } == [["doubled": 2], ["doubled": 4], ["doubled": 6]])
        #expect(!text.hasPrefix("["))
        let manifest = try b.json("jobs/\(id)/manifest.json")
        #expect(manifest["ResultFiles"]?["SUCCEEDED"]?.arrayValue?.first?["Size"]
                == .number(JSONNumber(try b.bytes("jobs/\(id)/SUCCEEDED_0.json").count)))

        // NONE + JSONL: one whole record per line.
        let r2 = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + #"""
            ,"ResultWriter":{"WriterConfig":{"OutputType":"JSONL"},
                             "Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"jobs"}}
            """#, processor: Self.doubling))
        guard let id2 = Self.mapRunID(r2) else { return }
        let records = try b.text("jobs/\(id2)/SUCCEEDED_0.json").split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0.objectValue?.keys == Self.recordKeys && $0["Status"] == "SUCCEEDED" })
    }

    @Test func resultWriterOverStateDataAsAWSRecordedIt() throws {
        // [SNAP BS::test_map_state_result_writer]: template map_state_result_writer.json5, input ["Hello","World"].
        let b = try Buckets()
        let events = Events()
        let r = try b.run(Self.map(#""ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"mapJobs"}}"#),
                          input: #"["Hello","World"]"#, events: events.sink)
        #expect(r.status == .succeeded)
        #expect(events.trace == ["1/0 ExecutionStarted", "2/0 MapStateEntered", "3/2 MapStateStarted", "4/3 MapRunStarted",
                                 "5/4 MapRunSucceeded", "6/5 MapStateSucceeded", "7/5 MapStateExited", "8/7 ExecutionSucceeded"])
        #expect(events.first(.mapStateStarted)?.details.length == 2)
        guard let id = Self.mapRunID(r, prefix: "mapJobs") else { return }
        #expect(events.first(.mapRunStarted)?.details.mapRunArn == r.output?["MapRunArn"]?.stringValue)
        let manifest = try b.json("mapJobs/\(id)/manifest.json")
        #expect(manifest["MapRunArn"] == r.output?["MapRunArn"])
        let records = try b.json("mapJobs/\(id)/SUCCEEDED_0.json").arrayValue ?? []
        #expect(Set(records.compactMap { $0["Input"]?.stringValue }) == [#""Hello""#, #""World""#])
        #expect(Set(records.compactMap { $0["Output"]?.stringValue }) == [#""Hello""#, #""World""#])
    }

    /// Tolerated-failure paths that do not resolve to a valid value: (field, input, AWS's cause after the prefix).
    /// [SNAP BS::test_map_state_tolerated_failure_count_path[-1] / [NoNumber]] and [..percentage_path[100.1]], recorded
    /// on this Map over state data without a ResultWriter; here with one, so it runs as child executions.
    static let invalidTolerance: [(String, String, String)] = [
        ("ToleratedFailureCountPath", #"{"Items":[0],"T":-1}"#, "ToleratedFailureCount cannot be negative."),
        ("ToleratedFailureCountPath", #"{"Items":[0],"T":"NoNumber"}"#,
         #"The ToleratedFailureCountPath field refers to value "NoNumber" which is not a valid integer: $.T"#),
        ("ToleratedFailurePercentagePath", #"{"Items":[0],"T":100.1}"#, "ToleratedFailurePercentage must be between 0 and 100."),
    ]

    @Test func invalidToleratedFailurePathsFailWithStatesRuntime() throws {
        let b = try Buckets()
        for (field, input, cause) in Self.invalidTolerance {
            let events = Events()
            let r = try b.run(Self.map(#""ItemsPath":"$.Items","\#(field)":"$.T","# + Self.writer), input: input, events: events.sink)
            #expect(r.status == .failed)
            #expect(r.errorName == "States.Runtime")
            #expect(r.error?.cause == "An error occurred while executing the state 'M' (entered at the event id #2). " + cause)
            #expect(events.first(.mapRunStarted) == nil)
        }
    }

    @Test
    func invalidToleratedFailurePathsFailAfterMapStateStarted() throws {
        let b = try Buckets()
        for (field, input, _) in Self.invalidTolerance {
            let events = Events()
            _ = try b.run(Self.map(#""ItemsPath":"$.Items","\#(field)":"$.T","# + Self.writer), input: input, events: events.sink)
            #expect(events.trace == ["1/0 ExecutionStarted", "2/0 MapStateEntered", "3/2 MapStateStarted", "4/3 ExecutionFailed"])
        }
    }

    static let evenFails = #"""
        "StartAt":"C","States":{
          "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":2,"Next":"F"},
                                          {"Variable":"$.n","NumericEquals":4,"Next":"F"}],"Default":"P"},
          "F":{"Type":"Fail","Error":"Custom.Even","Cause":"n was even"},
          "P":{"Type":"Pass","End":true}}
        """#
    static let fourItems = #"[{"n":1},{"n":2},{"n":3},{"n":4}]"#

    @Test func toleratedFailuresGoToTheFailedFile() throws {
        let b = try Buckets()
        try b.put("items.json", Self.fourItems)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + "," + Self.writer
                                   + #","ToleratedFailureCount":2"#, processor: Self.evenFails))
        #expect(r.status == .succeeded)
        guard let id = Self.mapRunID(r) else { return }
        #expect(try b.names("jobs/\(id)") == ["FAILED_0.json", "SUCCEEDED_0.json", "manifest.json"])
        let manifest = try b.json("jobs/\(id)/manifest.json")
        #expect(manifest["ResultFiles"]?["FAILED"] == [["Key": .string("jobs/\(id)/FAILED_0.json"),
                                                         "Size": .number(JSONNumber(try b.bytes("jobs/\(id)/FAILED_0.json").count))]])
        #expect(manifest["ResultFiles"]?["SUCCEEDED"]?.arrayValue?.count == 1)
        #expect(manifest["ResultFiles"]?["PENDING"] == [])

        let failed = try b.json("jobs/\(id)/FAILED_0.json").arrayValue ?? []
        #expect(failed.count == 2)
        for rec in failed {
            let keys = rec.objectValue?.keys ?? []
            #expect(keys == keys.sorted())
            #expect(rec["Status"] == "FAILED")
            #expect(rec["Error"] == "Custom.Even")
            #expect(rec["Cause"] == "n was even")
            #expect(rec["Output"] == nil)
            #expect(rec["Input"]?.stringValue != nil)
        }
        let inputs = failed.compactMap { $0["Input"]?.stringValue.flatMap { try? JSON.parse($0) } }
        #expect(Set(inputs.map(\.serialized)) == [#"{"n":2}"#, #"{"n":4}"#])
        let succeeded = try b.json("jobs/\(id)/SUCCEEDED_0.json").arrayValue ?? []
        #expect(Set(succeeded.compactMap { $0["Output"]?.stringValue }) == [#"{"n":1}"#, #"{"n":3}"#])
    }

    @Test func failuresOverTheToleranceFailTheMap() throws {
        let b = try Buckets()
        try b.put("items.json", Self.fourItems)
        for extra in ["", #","ToleratedFailureCount":1"#] {
            let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + "," + Self.writer + extra,
                                       processor: Self.evenFails))
            #expect(r.status == .failed)
            // The child's own error is not the Map's.
            #expect(r.errorName == "States.ExceedToleratedFailureThreshold")
        }
        // Without a ResultWriter too.
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#), processor: Self.evenFails))
        #expect(r.status == .failed)
        #expect(r.errorName == "States.ExceedToleratedFailureThreshold")
    }

    // MARK: - Outputs without a ResultWriter

    @Test func outputsKeepItemOrderPastTheChunkBoundary() throws {
        let n = 10_000
        #expect(n > Execution.distributedChunk * 2)
        let b = try Buckets()
        try b.put("items.jsonl", (0..<n).map { "{\"i\":\($0)}" }.joined(separator: "\n") + "\n")
        // Children straight from the lines.
        let r = try b.run(Self.map(Self.getObject("items.jsonl", #"{"InputType":"JSONL"}"#),
                                   processor: #""StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.i","End":true}}"#))
        #expect(r.status == .succeeded)
        let out = r.output?.arrayValue ?? []
        #expect(out.count == n)
        #expect(out == (0..<n).map { JSON($0) })

        // Through an ItemSelector (the general engine), checking the index against the item.
        let r2 = try b.run(Self.map(Self.getObject("items.jsonl", #"{"InputType":"JSONL"}"#)
                                    + #","ItemSelector":{"i.$":"$$.Map.Item.Value.i","k.$":"$$.Map.Item.Index"}"#,
                                    processor: #""StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"p.$":"States.Array($.i, $.k)"},"OutputPath":"$.p","End":true}}"#))
        #expect(r2.status == .succeeded)
        let out2 = r2.output?.arrayValue ?? []
        #expect(out2.count == n)
        #expect(out2 == (0..<n).map { JSON.array([JSON($0), JSON($0)]) })
    }

    // MARK: - Child executions

    @Test func childExecutionsHaveTheirOwnName() throws {
        let b = try Buckets()
        try b.put("items.json", #"["a","b"]"#)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#), processor: #"""
            "StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"name.$":"$$.Execution.Name","id.$":"$$.Execution.Id",
              "input.$":"$$.Execution.Input"},"End":true}}
            """#))
        #expect(r.status == .succeeded)
        let out = r.output?.arrayValue ?? []
        #expect(out.count == 2)
        let names = out.compactMap { $0["name"]?.stringValue }
        #expect(names.count == 2 && Set(names).count == 2)
        for (o, item) in zip(out, ["a", "b"] as [JSON]) {
            let name = o["name"]?.stringValue ?? ""
            #expect(name != "exec-1")
            #expect(Self.isUUID(name))
            #expect(o["id"] == .string("\(Self.account):execution:sm/TestMap:\(name)"))
            #expect(o["input"] == item)
        }
    }

    @Test func childNameMatchesItsResultRecord() throws {
        let b = try Buckets()
        try b.put("items.json", #"["a","b","c"]"#)
        let r = try b.run(Self.map(Self.getObject("items.json", #"{"InputType":"JSON"}"#) + "," + Self.writer, processor: #"""
            "StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"name.$":"$$.Execution.Name"},"End":true}}
            """#))
        #expect(r.status == .succeeded)
        guard let id = Self.mapRunID(r) else { return }
        let records = try b.json("jobs/\(id)/SUCCEEDED_0.json").arrayValue ?? []
        #expect(records.count == 3)
        for rec in records {
            let output = rec["Output"]?.stringValue.flatMap { try? JSON.parse($0) }
            #expect(output?["name"] == rec["Name"])
            #expect(rec["Name"] != "exec-1")
        }
    }
}
