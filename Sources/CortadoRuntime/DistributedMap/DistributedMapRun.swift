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
        // The events follow AWS's recordings: MapStateStarted (length 0 with a reader), then
        // the *Path fields (their States.Runtime errors end the execution there), MapRunStarted,
        // and the reader's and the run's failures as MapRunFailed + MapStateFailed.
        let inline = run.reader == nil ? try mapItems(s, h, eff, f) : nil
        emit(.mapStateStarted, f) { EventDetails(length: inline?.count ?? 0) }
        var maxItems = Int.max
        if let m = run.reader?.maxItems {
            // 0: no limit (recorded); negative: the reader fails (recorded, once the run started).
            let n = try mapInt(m, eff, f, field: "MaxItemsPath")
            if n < 0 { maxItems = -1 } else if n > 0 { maxItems = n }
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
        let readerParameters = try run.reader.map { (r) throws(ASLError) in try evaluate(r.parameters, f, eff) ?? .object(JSONObject()) }
        let writerParameters = try run.writer.map { (w) throws(ASLError) in try evaluate(w.parameters, f, eff) ?? .object(JSONObject()) }
        let mapRun = MapRunNames(options: options, label: s.label, state: h.name)
        emit(.mapRunStarted, f) { var d = EventDetails(); d.mapRunArn = mapRun.arn; return d }
        var source: any ItemSource = ArrayItems(items: inline ?? [])
        var writer: ResultFiles? = nil
        do throws(ASLError) {
            if let reader = run.reader, let params = readerParameters {
                source = try reader.source(params, store: options.objectStore)
            }
            if let w = run.writer, w.writesFiles, let params = writerParameters {
                guard let store = options.objectStore else {
                    throw ASLError(.resultWriterFailed, "No object store: map the bucket to a directory (--s3-dir BUCKET=DIR) or use --aws.")
                }
                guard case .string(let bucket)? = params.objectValue?["Bucket"] else {
                    throw ASLError(.resultWriterFailed, "The ResultWriter's Parameters must name a Bucket.")
                }
                writer = ResultFiles(store: store, bucket: bucket, prefix: params.objectValue?["Prefix"]?.stringValue ?? "",
                                     mapRun: mapRun, spec: w, shard: options.mapShard?.index)
            }
        } catch {
            emit(.mapRunFailed, f) { Execution.errorDetails(error) }
            emit(.mapStateFailed, f) { EventDetails() }
            throw error
        }
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
        let writing = writer.map { ResultWriting($0) }
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
            // The chunk's JSONL lines, one after another (inputs hold their ranges).
            var block: [UInt8] = []
            func add(_ input: ChildInput) throws(ASLError) {
                let i = childIndex
                // A child execution's input is at most 256 KiB (AWS's limit; a larger item may
                // be read only when ItemSelector makes it smaller).
                let size: Int
                switch input {
                case .line(let range, _): size = range.count
                case .value(let v): size = v.serializedByteCount
                }
                if size > options.maxPayloadBytes {
                    throw ASLError(.itemReaderFailed,
                        "The input of child execution \(i) is \(size) bytes, over the 262144-byte limit of a child execution's input.")
                }
                if mine() { inputs.append(input); indices.append(i) }
            }
            inputs.reserveCapacity(Execution.distributedChunk)
            while inputs.count < Execution.distributedChunk {
                if lines != nil {
                    guard read < maxItems, let line = try lines!.nextLine(into: &block) else { done = true; break }
                    read += 1
                    try add(.line(line, number: read))
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
                guard let b = batch else { try add(.value(selected)); continue }
                let size = selected.serializedByteCount + 1
                if !pendingBatch.isEmpty, pendingBatch.count >= b.items || pendingBytes + size > b.bytes {
                    try add(.value(Execution.batchInput(pendingBatch, b.input)))
                    pendingBatch.removeAll(keepingCapacity: true); pendingBytes = 0
                }
                pendingBatch.append(selected); pendingBytes += size
            }
            if done, let b = batch, !pendingBatch.isEmpty {
                try add(.value(Execution.batchInput(pendingBatch, b.input)))
                pendingBatch.removeAll()
            }
            if inputs.isEmpty { break }
            let groups = runChildren(run.program, inputs, block: block, indices: indices, mapRun: mapRun, workers: workers,
                                     writer: writer?.spec, lanes: lanePool)
            for g in groups {
                if let e = g.readError { throw e }
                failures += g.failures
                // Without a percentage the count decides at once; a percentage needs the total.
                if tolerated.percentage == nil, failures > (tolerated.count ?? 0) { throw ToleratedFailures.exceeded }
                if writer == nil { outputs.append(contentsOf: g.outputs) }
            }
            // The files are written on their own thread while the next chunk runs.
            if let writing { try writing.submit(groups) }
            total += inputs.count
        }
        try writing?.drain()
        if ToleratedFailures.exceeds(failures: failures, of: total, count: tolerated.count, percentage: tolerated.percentage) { throw ToleratedFailures.exceeded }
        if let writer {
            let key = try writer.finish()
            return ["MapRunArn": .string(mapRun.arn), "ResultWriterDetails": ["Bucket": .string(writer.bucket), "Key": .string(key)]]
        }
        if run.writer?.transformation == .flatten {
            return .array(outputs.flatMap { o -> [JSON] in if case .array(let a) = o { return a } else { return [o] } })
        }
        return .array(outputs)
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

    /// Children a worker takes at a time (and joins the records of).
    static let groupSize = 256

    /// Runs `inputs` as child executions on `workers` threads, a group of `groupSize` at a
    /// time; results per group, in input order. JSONL lines go through the tape lane first,
    /// as `cortado run` runs them (one lane per worker thread), and through the general
    /// engine when the lane hands a line back.
    func runChildren(_ program: Program, _ inputs: [ChildInput], block: [UInt8], indices: [Int], mapRun: MapRunNames, workers: Int,
                     writer: ResultWriterSpec?, lanes: LanePool?) -> [ChildGroup] {
        let groups = (inputs.count + Execution.groupSize - 1) / Execution.groupSize
        let slots = GroupSlots(count: groups)
        let next = Atomic<Int>(0)
        let base = options
        DispatchQueue.concurrentPerform(iterations: min(workers, groups)) { w in
            let lane = lanes?.lane(w)
            while true {
                let g = next.add(1, ordering: .relaxed).oldValue
                guard g < groups else { return }
                var out = ChildGroup()
                for i in (g * Execution.groupSize)..<min(inputs.count, (g + 1) * Execution.groupSize) {
                    if let lane, case .line(let range, _) = inputs[i],
                       Execution.runOnLane(lane, block, range, index: indices[i], mapRun: mapRun, writer: writer, into: &out) {
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
                    case .line(let range, let number):
                        o.inputByteCount = range.count
                        do { input = try JSON.parse(block[range]) } catch {
                            out.readError = JSONLItems.malformed(line: number, error)
                            continue
                        }
                    }
                    let started = wallClockMilliseconds()
                    let r = Execution(program: program, input: input, options: o).runToCompletion()
                    let stopped = wallClockMilliseconds()
                    if r.status != .succeeded { out.failures += 1 }
                    if let writer {
                        for rec in ResultFiles.records(r, index: indices[i], input: input, started: started, stopped: stopped,
                                                       mapRun: mapRun, spec: writer) {
                            out.add(rec, failed: r.status != .succeeded, jsonLines: writer.jsonLines)
                        }
                    } else {
                        out.outputs.append(r.status == .succeeded ? r.output ?? .null : ErrorOutput.object(r.error ?? ASLError(nil, nil)))
                    }
                }
                slots.set(g, out)
            }
        }
        return slots.values
    }
}

/// What a group of children gave: their records joined (each file's separator between
/// them), or their outputs without a ResultWriter.
struct ChildGroup: Sendable {
    var succeeded: [UInt8] = []
    var succeededCount = 0
    var failed: [UInt8] = []
    var failedCount = 0
    var failures = 0
    var outputs: [JSON] = []
    /// An item could not be read (a malformed JSONL line): the run fails.
    var readError: ASLError?

    mutating func add(_ record: some Collection<UInt8>, failed isFailure: Bool, jsonLines: Bool) {
        let sep = jsonLines ? UInt8(0x0A) : UInt8(ascii: ",")
        if isFailure {
            if failedCount > 0 { failed.append(sep) }
            failed.append(contentsOf: record); failedCount += 1
        } else {
            if succeededCount > 0 { succeeded.append(sep) }
            succeeded.append(contentsOf: record); succeededCount += 1
        }
    }
}

/// Group results written by the worker threads, each slot by one thread.
final class GroupSlots: @unchecked Sendable {
    private var slots: [ChildGroup?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ g: ChildGroup) { slots.withUnsafeMutableBufferPointer { $0[i] = g } }
    var values: [ChildGroup] { slots.map { $0! } }
}

extension Execution {
    /// A line on the tape lane, its result added to `out`; false to run it on the general engine.
    static func runOnLane(_ lane: TapeLane, _ block: [UInt8], _ range: Range<Int>, index: Int, mapRun: MapRunNames,
                          writer: ResultWriterSpec?, into out: inout ChildGroup) -> Bool {
        let started = wallClockMilliseconds()
        if writer?.transformation == .compact {
            // The output's bytes go straight from the lane into the group's file bytes.
            let ok = block.withUnsafeBufferPointer { b -> Bool in
                guard let result = try? lane.run(line: UnsafeBufferPointer(rebasing: b[range])) else { return false }
                out.add(result, failed: false, jsonLines: writer!.jsonLines)
                return true
            }
            return ok
        }
        let bytes: [UInt8]
        do {
            bytes = try block.withUnsafeBufferPointer { (b) throws(Bail) -> [UInt8] in
                Array(try lane.run(line: UnsafeBufferPointer(rebasing: b[range])))
            }
        } catch { return false }
        let line = block[range]
        guard let writer else {
            guard let value = try? JSON.parse(bytes) else { return false }
            out.outputs.append(value)
            return true
        }
        // NONE and FLATTEN (COMPACT went straight through above).
        guard let input = try? JSON.parse(line), let output = try? JSON.parse(bytes) else { return false }
        let r = ExecutionResult(status: .succeeded, output: output, error: nil)
        for rec in ResultFiles.records(r, index: index, input: input, started: started, stopped: wallClockMilliseconds(),
                                       mapRun: mapRun, spec: writer) {
            out.add(rec, failed: false, jsonLines: writer.jsonLines)
        }
        return true
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
    /// A range of the chunk's line block.
    case line(Range<Int>, number: Int)
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


#if canImport(Glibc)
import Glibc
#endif

/// Appends the groups' records to the result files on a thread of its own, at most two
/// chunks behind (so writing overlaps the children, and memory stays bounded).
final class ResultWriting: @unchecked Sendable {
    let files: ResultFiles
    let queue = DispatchQueue(label: "cortado.result-writer")
    let slots = DispatchSemaphore(value: 2)
    private var error: ASLError?

    init(_ files: ResultFiles) { self.files = files }

    func submit(_ groups: [ChildGroup]) throws(ASLError) {
        if let e = queue.sync(execute: { error }) { throw e }
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard error == nil else { return }
            do throws(ASLError) {
                for g in groups {
                    try files.append(joined: g.succeeded, count: g.succeededCount, status: "SUCCEEDED")
                    try files.append(joined: g.failed, count: g.failedCount, status: "FAILED")
                }
            } catch let e {
                error = e
            }
        }
    }

    /// Waits for every submitted chunk; throws the first write error.
    func drain() throws(ASLError) {
        if let e = queue.sync(execute: { error }) { throw e }
    }
}
