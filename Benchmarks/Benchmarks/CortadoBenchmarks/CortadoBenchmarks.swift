import Benchmark
import CortadoASL
import CortadoBatch
import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTasks
import Foundation

// Each sample runs 1,000 units of work (events parsed, paths evaluated, executions run):
// the harness itself costs about 16 mallocs per sample, which one unit per sample counted
// as the unit's own. Read the figures per unit with `swift package benchmark --scale`.
// The reference events are the repository's examples/events.jsonl (the first 1,000 of
// `gen_events.py N 1`); the workloads come from ../shared/bench/workloads and their
// benchmarks are left out when that folder is absent.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        // Wall time is noisy on shared 2-core machines; mallocs are exact.
        thresholds: [
            .wallClock: .init(relative: [.p50: 25]),
            .mallocCountTotal: .init(relative: [.p50: 5], absolute: [.p50: 2]),
        ]
    )

    let events = Fixtures.events
    var cursor = 0
    func nextLine() -> [UInt8] {
        defer { cursor = (cursor + 1) % events.count }
        return events[cursor]
    }

    // MARK: JSON

    Benchmark("json.parse (reference event)") { b in
        for _ in b.scaledIterations {
            let line = nextLine()
            line.withUnsafeBufferPointer { buf in blackHole(try! JSON.parse(buffer: buf)) }
        }
    }
    let parsed = events.map { line in line.withUnsafeBufferPointer { try! JSON.parse(buffer: $0) } }
    Benchmark("json.serialize (reference event)") { b in
        var w = JSONWriter()
        for i in b.scaledIterations {
            w.bytes.removeAll(keepingCapacity: true)
            w.write(parsed[i % parsed.count])
            blackHole(w.bytes.count)
        }
    }

    // MARK: Paths, templates, intrinsics, Choice

    let path = try! JSONPath.parse("$.customer.name")
    Benchmark("path.evaluate ($.customer.name)") { b in
        for i in b.scaledIterations { blackHole(path.evaluate(parsed[i % parsed.count])) }
    }
    let wildcard = try! JSONPath.parse("$.items[*].sku")
    Benchmark("path.evaluate ($.items[*].sku)") { b in
        for i in b.scaledIterations { blackHole(wildcard.evaluate(parsed[i % parsed.count])) }
    }
    let template = try! PayloadTemplate.compile(try! JSON.parse(#"""
        {"orderId.$": "$.orderId", "customerId.$": "$.customer.id", "tier.$": "$.customer.tier",
         "total.$": "$.total", "express.$": "$.express", "fixed": {"lane": "standard", "sla": 2}}
        """#))
    Benchmark("template.evaluate (5 paths + a constant)") { b in
        for i in b.scaledIterations {
            blackHole(try! template.evaluate(input: parsed[i % parsed.count], context: { .null }))
        }
    }
    let intrinsics: [(family: String, call: String)] = [
        ("format", "States.Format('Hello {}, your order {} is in', $.customer.name, $.orderId)"),
        ("string", "States.StringSplit($.createdAt, 'T')"),
        ("array", "States.ArrayLength($.items)"),
        ("array.contains", "States.ArrayContains($.tags, 'gift')"),
        ("array.range", "States.ArrayRange(1, 20, 2)"),
        ("json", "States.JsonMerge($.customer, $.customer, false)"),
        ("json.tostring", "States.JsonToString($.customer)"),
        ("math", "States.MathAdd($.items[0].qty, 41)"),
        ("encoding", "States.Base64Encode($.customer.email)"),
        ("hash", "States.Hash($.orderId, 'SHA-256')"),
        ("uuid", "States.UUID()"),
    ]
    for (family, text) in intrinsics {
        let call = try! IntrinsicCall.parse(text)
        Benchmark("intrinsic.\(family) (\(text.prefix(40)))") { b in
            for i in b.scaledIterations {
                blackHole(try! call.evaluate(input: parsed[i % parsed.count], context: { .null }))
            }
        }
    }
    if let program = Fixtures.program("pass-choice"),
       case .choice(let route)? = program.code.first(where: { if case .choice = $0 { true } else { false } })
    {
        // The rules read the Normalize state's output; build it once per event.
        let normalized = parsed.map { e -> JSON in
            ["tier": e["customer"]?["tier"] ?? .null, "total": e["total"] ?? .null, "express": e["express"] ?? .null,
             "itemCount": .number(JSONNumber(e["items"]?.arrayValue?.count ?? 0))]
        }
        Benchmark("choice.evaluate (pass-choice Route, 3 rules)") { b in
            for i in b.scaledIterations {
                let doc = normalized[i % normalized.count]
                blackHole(route.choices.firstIndex { $0.rule.evaluate { $0.evaluate(doc) } })
            }
        }
    }

    // MARK: Whole executions

    for workload in ["pass-choice", "map", "parallel", "wait", "order"] {
        guard let program = Fixtures.program(workload) else { continue }
        let backend: any TaskBackend = workload == "order" ? Fixtures.orderMocks() : UnroutedTasks()
        Benchmark("execution.\(workload)") { b in
            for i in b.scaledIterations {
                var options = ExecutionOptions(executionName: "bench", stateMachineName: workload, clock: .virtual,
                                               backend: backend)
                options.startTime = 1_764_000_000_000
                let e = Execution(program: program, input: parsed[i % parsed.count], options: options)
                guard case .finished(let r) = e.advance(), r.status == .succeeded else { fatalError("\(workload) did not succeed") }
                blackHole(r)
            }
        }
    }

    // MARK: The worker pool, end to end (read, parse, run, write in order)

    if let program = Fixtures.program("pass-choice"), let file = Fixtures.eventsFile(copies: 20) {
        for workers in [1, 2] {
            Benchmark("pool.pass-choice (20,000 events, \(workers) worker\(workers == 1 ? "" : "s"))",
                      configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
                                           warmupIterations: 1, scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 20,
                                           thresholds: [.wallClock: .init(relative: [.p50: 25])])) { b in
                for _ in b.scaledIterations {
                    var config = BatchConfig(program: program, stateMachineName: "pass-choice", backend: UnroutedTasks(),
                                             definitionPath: "pass-choice.asl.json", eventsPath: file,
                                             outputPath: "/dev/null", workers: workers)
                    config.metricsInterval = 3600
                    blackHole(try! BatchRunner(config: config).run())
                }
            }
        }
    }
}

enum Fixtures {
    /// Benchmarks/Benchmarks/CortadoBenchmarks/ -> the repository.
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let bench = repo.deletingLastPathComponent().appendingPathComponent("shared/bench")

    static let events: [[UInt8]] = {
        let data = try! Data(contentsOf: repo.appendingPathComponent("examples/events.jsonl"))
        return data.split(separator: UInt8(ascii: "\n")).map { Array($0) }
    }()

    static func program(_ workload: String) -> Program? {
        guard let data = try? Data(contentsOf: bench.appendingPathComponent("workloads/\(workload).asl.json")),
              case .success(let loaded) = DefinitionLoader.load(bytes: Array(data), fileName: workload),
              case .success(let p) = Compiler.compile(loaded.json) else { return nil }
        return p
    }

    static func orderMocks() -> any TaskBackend {
        let data = try! Data(contentsOf: bench.appendingPathComponent("workloads/order.mocks.json"))
        return try! MockBackend(config: try! JSON.parse(Array(data)), stateMachine: "order", testCase: "default")
    }

    /// The reference events repeated `copies` times, in a temporary file.
    static func eventsFile(copies: Int) -> String? {
        let path = NSTemporaryDirectory() + "cortado-bench-events-\(copies).jsonl"
        var all = [UInt8]()
        for _ in 0..<copies { for line in events { all += line; all.append(10) } }
        return FileManager.default.createFile(atPath: path, contents: Data(all)) ? path : nil
    }
}
