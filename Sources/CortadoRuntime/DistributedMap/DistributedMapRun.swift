import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoTape
import Dispatch
import Synchronization

/// A Distributed Map with ItemReader, ItemBatcher or ResultWriter: its iterations are child
/// executions of the ItemProcessor (a program of their own, which see no variables), fed from
/// the reader a chunk at a time (bounded memory whatever the object's size) and run on
/// `childWorkers` threads, MaxConcurrency at most. Results go to the ResultWriter's files as
/// they come, or into the state's result array without one.
extension Execution {
    /// How many items are read, selected and run together (the memory bound).
    static let distributedChunk = 4096

    func runDistributed(_ f: Frame, _ h: StateHeader, _ s: MapState, _ run: DistributedRun, _ eff: JSON) throws(ASLError) -> Control {
        // Items: the reader's, or the input's array (Items / ItemsPath).
        var source: any ItemSource
        var maxItems = Int.max
        if let reader = run.reader {
            let params = try evaluate(reader.parameters, f, eff) ?? .object(JSONObject())
            source = try reader.source(params, store: options.objectStore)
            if let m = reader.maxItems {
                // 0: no limit (recorded); negative: the reader fails (recorded, once the run started).
                let n = try mapInt(m, eff, f, field: "MaxItemsPath")
                if n < 0 { maxItems = -1 } else if n > 0 { maxItems = n }
            }
        } else {
            let value: JSON
            if let t = s.items { value = try t.evaluate(scope(f, input: eff), expecting: "array") } else {
                value = try select(eff, s.itemsPath, f)
            }
            guard case .array(let items) = value else {
                throw ASLError(h.language == .jsonata ? .queryEvaluationError : .runtime,
                               "Map state input must be an array but was: \(value.serialized)")
            }
            source = ArrayItems(items: items)
        }
        let concurrency = try mapInt(s.maxConcurrency, eff, f, field: "MaxConcurrencyPath")
        let tolerated = try toleratedFailures(s, eff, f)
        var batch: (items: Int, bytes: Int, input: JSON?)? = nil
        if let b = run.batcher {
            var items = 0, bytes = 0
            if let v = b.maxItemsPerBatch { items = try mapInt(v, eff, f, field: "MaxItemsPerBatchPath") }
            if let v = b.maxInputBytesPerBatch { bytes = try mapInt(v, eff, f, field: "MaxInputBytesPerBatchPath") }
            batch = (items > 0 ? items : Int.max, bytes > 0 ? bytes : ExecutionOptions.payloadLimit, try evaluate(b.batchInput, f, eff))
        }
        let mapRun = MapRunNames(options: options, label: s.label, state: h.name)
        var writer: ResultFiles? = nil
        if let w = run.writer, w.writesFiles {
            let params = try evaluate(w.parameters, f, eff) ?? .object(JSONObject())
            guard let store = options.objectStore else {
                throw ASLError(.resultWriterFailed, "No object store: map the bucket to a directory (--s3-dir BUCKET=DIR) or use --aws.")
            }
            guard case .string(let bucket)? = params.objectValue?["Bucket"] else {
                throw ASLError(.resultWriterFailed, "The ResultWriter's Parameters must name a Bucket.")
            }
            writer = ResultFiles(store: store, bucket: bucket, prefix: params.objectValue?["Prefix"]?.stringValue ?? "",
                                 mapRun: mapRun, spec: w, shard: options.mapShard?.index)
        }
        // NOTE: AWS records MapStateStarted length 0 when the items come from a reader.
        let length = run.reader == nil ? (source as? ArrayItems)?.items.count ?? 0 : 0
        emit(.mapStateStarted, f) { EventDetails(length: length) }
        emit(.mapRunStarted, f) { var d = EventDetails(); d.mapRunArn = mapRun.arn; return d }
        let result: JSON
        do throws(ASLError) {
            result = try runItems(f, run, s, eff, &source, maxItems: maxItems, batch: batch, writer: writer, mapRun: mapRun,
                                tolerated: tolerated, concurrency: concurrency)
        } catch {
            emit(.mapRunFailed, f) { Execution.errorDetails(error) }
            emit(.mapStateFailed, f) { EventDetails() }
            throw error
        }
        let runEnded = emit(.mapRunSucceeded, f) { EventDetails() }
        emit(.mapStateSucceeded, f) { EventDetails() }
        f.lastEventID = runEnded  // AWS: MapStateExited follows MapRunSucceeded
        return try finishResult(f, h, s.processing, result)
    }

    /// The map run proper: reads, selects and batches the items, runs the children, and
    /// gives the state's result (the outputs, or the ResultWriter's details).
    private func runItems(_ f: Frame, _ run: DistributedRun, _ s: MapState, _ eff: JSON, _ source: inout any ItemSource,
                        maxItems: Int, batch: (items: Int, bytes: Int, input: JSON?)?, writer: ResultFiles?,
                        mapRun: MapRunNames, tolerated: (count: Int?, percentage: Double?),
                        concurrency: Int) throws(ASLError) -> JSON {
        if maxItems < 0 { throw ASLError(.itemReaderFailed, "field MaxItems must be positive") }

        var outputs: [JSON] = []
        var total = 0, failures = 0, read = 0
        // Child executions are numbered from 0 (items, or batches); a shard keeps its own.
        var childIndex = 0
        let shard = options.mapShard
        func mine() -> Bool {
            defer { childIndex += 1 }
            guard let shard else { return true }
            return childIndex % shard.count == shard.index
        }
        var pendingBatch: [JSON] = [], pendingBytes = 0
        let workers = max(1, min(concurrency > 0 ? concurrency : Int.max, options.childWorkers ?? ProcessInfoCores.count))
        var done = false
        // JSONL items that go to the children as they are: their lines are parsed on the
        // children's threads, not here.
        var lines: JSONLItems? = s.itemSelector == nil && batch == nil ? source as? JSONLItems : nil
        let lanePool = lines != nil && options.eventSink == nil ? LanePool(run.program, workers: workers) : nil
        while !done {
            // Read and select a chunk of child inputs.
            var inputs: [ChildInput] = []
            var indices: [Int] = []
            func add(_ input: ChildInput) {
                let i = childIndex
                if mine() { inputs.append(input); indices.append(i) }
            }
            inputs.reserveCapacity(Execution.distributedChunk)
            while inputs.count < Execution.distributedChunk {
                if lines != nil {
                    guard read < maxItems, let line = try lines!.nextLine() else { done = true; break }
                    read += 1
                    add(.line(line, number: read))
                    continue
                }
                guard read < maxItems, let item = try source.next() else { done = true; break }
                let index = read
                read += 1
                var selected = item
                switch s.itemSelector {
                case .jsonPath(let sel)?:
                    selected = try sel.evaluate(input: eff, variables: [:], context: { self.context(f, mapItem: (index, item)) })
                case .jsonata(let sel)?:
                    selected = try sel.evaluate(scope(f, input: eff, mapItem: (index, item)))
                case nil: break
                }
                guard let b = batch else { add(.value(selected)); continue }
                let size = selected.serializedByteCount + 1
                if !pendingBatch.isEmpty, pendingBatch.count >= b.items || pendingBytes + size > b.bytes {
                    add(.value(Execution.batchInput(pendingBatch, b.input)))
                    pendingBatch.removeAll(keepingCapacity: true); pendingBytes = 0
                }
                pendingBatch.append(selected); pendingBytes += size
            }
            if done, let b = batch, !pendingBatch.isEmpty {
                add(.value(Execution.batchInput(pendingBatch, b.input)))
                pendingBatch.removeAll()
            }
            if inputs.isEmpty { break }
            let results = runChildren(run.program, inputs, indices: indices, mapRun: mapRun, workers: workers,
                                      writer: writer?.spec, lanes: lanePool)
            for r in results {
                if let e = r.readError { throw e }
                if r.result.status == .succeeded {
                    if let writer { try writer.add(r) } else { outputs.append(r.result.output ?? .null) }
                } else {
                    failures += 1
                    // Without a percentage the count decides at once; a percentage needs the total.
                    if tolerated.percentage == nil, failures > (tolerated.count ?? 0) { throw Execution.thresholdExceeded }
                    if let writer { try writer.add(r) } else { outputs.append(ErrorOutput.object(r.result.error ?? ASLError(nil, nil))) }
                }
            }
            total += results.count
        }
        if Execution.exceeds(failures: failures, of: total, tolerated) { throw Execution.thresholdExceeded }
        if let writer {
            let key = try writer.finish()
            return ["MapRunArn": .string(mapRun.arn), "ResultWriterDetails": ["Bucket": .string(writer.bucket), "Key": .string(key)]]
        }
        if run.writer?.transformation == .flatten {
            return .array(outputs.flatMap { o -> [JSON] in if case .array(let a) = o { return a } else { return [o] } })
        }
        return .array(outputs)
    }

    static let thresholdExceeded = ASLError(.exceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")

    /// Over the tolerance: both limits when both are given, else the one given.
    static func exceeds(failures: Int, of total: Int, _ t: (count: Int?, percentage: Double?)) -> Bool {
        let overCount = t.count.map { failures > $0 }
        let overPct = t.percentage.map { Double(failures) * 100 / Double(max(total, 1)) > $0 }
        switch (overCount, overPct) {
        case (nil, nil): return failures > 0
        case (let c?, nil): return c
        case (nil, let p?): return p
        case (let c?, let p?): return c && p
        }
    }

    /// A batch's child input: `{"Items": [...]}`, or `{"BatchInput": {...}, "Items": [...]}`.
    static func batchInput(_ items: [JSON], _ extra: JSON?) -> JSON {
        var o = JSONObject()
        if let extra { o["BatchInput"] = extra }
        o["Items"] = .array(items)
        return .object(o)
    }

    /// A field in the state's language (reader and writer Parameters/Arguments, BatchInput).
    func evaluate(_ t: FieldTemplate?, _ f: Frame, _ eff: JSON) throws(ASLError) -> JSON? {
        switch t {
        case nil: return nil
        case .jsonPath(let p)?: return try p.evaluate(input: eff, variables: f.variables, context: { self.context(f) })
        case .jsonata(let q)?: return try q.evaluate(scope(f, input: eff))
        }
    }

    /// Runs `inputs` as child executions on `workers` threads; results in input order.
    /// JSONL lines go through the tape lane first, as `cortado run` runs them (one lane per
    /// worker thread), and through the general engine when the lane hands a line back.
    func runChildren(_ program: Program, _ inputs: [ChildInput], indices: [Int], mapRun: MapRunNames, workers: Int,
                     writer: ResultWriterSpec?, lanes: LanePool?) -> [ChildRun] {
        let slots = ChildSlots(count: inputs.count)
        let next = Atomic<Int>(0)
        let base = options
        DispatchQueue.concurrentPerform(iterations: min(workers, inputs.count)) { w in
            let lane = lanes?.lane(w)
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < inputs.count else { return }
                if let lane, case .line(let bytes, _) = inputs[i],
                   let run = Execution.runOnLane(lane, bytes, index: indices[i], mapRun: mapRun, writer: writer) {
                    slots.set(i, run)
                    continue
                }
                var o = base
                o.executionName = mapRun.childName(indices[i])
                o.customExecutionArn = mapRun.childArn(indices[i])
                o.customStateMachineArn = mapRun.childStateMachineArn
                o.eventSink = nil
                o.taskTokens = nil
                let input: JSON
                switch inputs[i] {
                case .value(let v): input = v
                case .line(let bytes, let number):
                    o.inputByteCount = bytes.count
                    do { input = try JSON.parse(bytes) } catch {
                        slots.set(i, ChildRun(index: indices[i], result: ExecutionResult(status: .failed, output: nil, error: nil),
                            started: 0, stopped: 0, records: [],
                            readError: ASLError(.itemReaderFailed, "Line \(number) of the JSONL object is not valid JSON: \(error)")))
                        continue
                    }
                }
                let started = monotonicWallMillis()
                let r = Execution(program: program, input: input, options: o).runToCompletion()
                let stopped = monotonicWallMillis()
                let records = writer.map {
                    ResultFiles.records(r, index: indices[i], input: input, started: started, stopped: stopped, mapRun: mapRun, spec: $0)
                } ?? []
                slots.set(i, ChildRun(index: indices[i], result: r, started: started, stopped: stopped, records: records, readError: nil))
            }
        }
        return slots.values
    }
}

extension Execution {
    /// A line on the tape lane: its result (with its ResultWriter lines), or nil to run it on
    /// the general engine.
    static func runOnLane(_ lane: TapeLane, _ line: [UInt8], index: Int, mapRun: MapRunNames,
                          writer: ResultWriterSpec?) -> ChildRun? {
        let started = monotonicWallMillis()
        let out: [UInt8]
        do {
            out = try line.withUnsafeBufferPointer { (b) throws(Bail) -> [UInt8] in Array(try lane.run(line: b)) }
        } catch { return nil }
        let stopped = monotonicWallMillis()
        guard let writer, writer.transformation == .compact || writer.transformation == .none else {
            // The outputs array (or FLATTEN) needs the value.
            guard let value = try? JSON.parse(out) else { return nil }
            let r = ExecutionResult(status: .succeeded, output: value, error: nil)
            let records = writer.map {
                ResultFiles.records(r, index: index, input: (try? JSON.parse(line)) ?? .null, started: started, stopped: stopped,
                                    mapRun: mapRun, spec: $0)
            } ?? []
            return ChildRun(index: index, result: r, started: started, stopped: stopped, records: records, readError: nil)
        }
        let r = ExecutionResult(status: .succeeded, output: nil, error: nil)
        if writer.transformation == .compact {
            return ChildRun(index: index, result: r, started: started, stopped: stopped, records: [out], readError: nil)
        }
        guard let input = try? JSON.parse(line), let output = try? JSON.parse(out) else { return nil }
        let full = ExecutionResult(status: .succeeded, output: output, error: nil)
        return ChildRun(index: index, result: full, started: started, stopped: stopped,
                        records: ResultFiles.records(full, index: index, input: input, started: started, stopped: stopped,
                                                     mapRun: mapRun, spec: writer),
                        readError: nil)
    }
}

/// One tape lane per worker thread, for a child program the lane can run.
final class LanePool: @unchecked Sendable {
    private let lanes: [TapeLane]
    init?(_ program: Program, workers: Int) {
        var l: [TapeLane] = []
        for _ in 0..<workers {
            guard case .success(let lane) = TapeLane.make(program, payloadLimit: ExecutionOptions.payloadLimit) else { return nil }
            l.append(lane)
        }
        lanes = l
    }
    /// Worker `w`'s lane (concurrentPerform numbers its workers from 0).
    func lane(_ w: Int) -> TapeLane? { w < lanes.count ? lanes[w] : nil }
}

/// A child execution's input: a value, or a JSONL line its worker parses.
enum ChildInput: Sendable {
    case value(JSON)
    case line([UInt8], number: Int)
}

/// One child execution's outcome, with its ResultWriter lines.
struct ChildRun: Sendable {
    let index: Int
    let result: ExecutionResult
    let started: Int64
    let stopped: Int64
    let records: [[UInt8]]
    /// The item could not be read (a malformed JSONL line): the run fails.
    let readError: ASLError?
}

/// Result slots written by the worker threads, each slot by one thread.
final class ChildSlots: @unchecked Sendable {
    private var slots: [ChildRun?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: ChildRun) { slots.withUnsafeMutableBufferPointer { $0[i] = r } }
    var values: [ChildRun] { slots.map { $0! } }
}

/// The map run's ARN and its child executions' names and ARNs.
struct MapRunNames: Sendable {
    let id: String
    let arn: String
    let childStateMachineArn: String
    let childArnPrefix: String

    init(options: ExecutionOptions, label: String?, state: String) {
        if options.mapShard != nil {
            // Every shard of the execution must name the same map run (its result directory).
            let seed = "\(options.executionName)/\(options.stateMachineName)/\(state)"
            id = MapRunNames.uuid(seed, 1)
        } else {
            id = UUID4.random()
        }
        let sm = "\(options.stateMachineName)/\(label ?? MapRunNames.uuid(id, 2))"
        arn = "arn:aws:states:\(options.region):\(options.account):mapRun:\(sm):\(id)"
        childStateMachineArn = "arn:aws:states:\(options.region):\(options.account):stateMachine:\(sm)"
        childArnPrefix = "arn:aws:states:\(options.region):\(options.account):execution:\(sm):"
    }

    /// A child's name: a UUID, as AWS names them (derived from the run and the index, so
    /// the records and the child's `$$.Execution.Name` agree).
    func childName(_ index: Int) -> String { MapRunNames.uuid(id, UInt64(index) &+ 3) }

    /// A UUID-shaped name derived from `seed` and `n` (stable across machines).
    static func uuid(_ seed: String, _ n: UInt64) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in seed.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let lo = (h ^ n) &* 0x9E37_79B9_7F4A_7C15, hi = (h &+ n) &* 0xC2B2_AE3D_27D4_EB4F
        return UUID4.format(hi ^ (lo >> 29), lo ^ (hi >> 31))
    }
    func childArn(_ index: Int) -> String { childArnPrefix + childName(index) }
}

enum ProcessInfoCores {
    static let count: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }()
}

func monotonicWallMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

#if canImport(Glibc)
import Glibc
#endif
