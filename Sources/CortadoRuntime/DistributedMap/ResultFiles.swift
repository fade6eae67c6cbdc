import CortadoASL
import CortadoJSON
import CortadoPath

/// A ResultWriter's files, in AWS's layout: `PREFIX/MAP_RUN_ID/manifest.json` and one
/// `SUCCEEDED_0.json` / `FAILED_0.json` per status that has records, each a JSON array of
/// child execution records, written as they come.
final class ResultFiles {
    let store: any ObjectStore
    let bucket: String
    let directory: String
    let mapRun: MapRunNames
    let spec: ResultWriterSpec
    /// SUCCEEDED and FAILED.
    private var slots: [File?] = [nil, nil]

    /// `--shard i/n`: this machine's file number (its files are `<STATUS>_<i>.json` and its
    /// manifest `manifest_<i>.json`, which `cortado merge --map-run` joins).
    let shard: Int?

    init(store: any ObjectStore, bucket: String, prefix: String, mapRun: MapRunNames, spec: ResultWriterSpec, shard: Int? = nil) {
        self.store = store; self.bucket = bucket; self.mapRun = mapRun; self.spec = spec; self.shard = shard
        let p = prefix.hasSuffix("/") || prefix.isEmpty ? prefix : prefix + "/"
        directory = p + mapRun.id + "/"
    }

    /// The lines one child execution adds to the files (built on the child's worker thread).
    static func records(_ r: ExecutionResult, index: Int, input: JSON, started: Int64, stopped: Int64,
                        mapRun: MapRunNames, spec: ResultWriterSpec) -> [[UInt8]] {
        // COMPACT and FLATTEN keep only a success's output; a failure is always a whole record.
        if r.status == .succeeded, spec.transformation != .none {
            let out = r.output ?? .null
            if spec.transformation == .flatten, case .array(let items) = out { return items.map { $0.serializedBytes } }
            return [out.serializedBytes]
        }
        let status = r.status == .succeeded ? "SUCCEEDED" : r.status.rawValue
        var rec = JSONObject()
        if r.status != .succeeded, let c = r.error?.cause { rec["Cause"] = .string(c) }
        if r.status != .succeeded, let e = r.error?.name?.rawValue { rec["Error"] = .string(e) }
        rec["ExecutionArn"] = .string(mapRun.childArn(index))
        rec["Input"] = .string(input.serialized)
        rec["InputDetails"] = ["Included": true]
        rec["Name"] = .string(mapRun.childName(index))
        if r.status == .succeeded {
            rec["Output"] = .string((r.output ?? .null).serialized)
            rec["OutputDetails"] = ["Included": true]
        }
        // (keys in alphabetical order, as AWS writes them)
        rec["RedriveCount"] = 0
        rec["RedriveStatus"] = "NOT_REDRIVABLE"
        rec["RedriveStatusReason"] = .string("Execution is \(status) and cannot be redriven")
        rec["StartDate"] = .string(Timestamp(milliseconds: started).iso8601)
        rec["StateMachineArn"] = .string(mapRun.childStateMachineArn)
        rec["Status"] = .string(status)
        rec["StopDate"] = .string(Timestamp(milliseconds: stopped).iso8601)
        return [JSON.object(rec).serializedBytes]
    }

    /// Adds records already joined by their separator (`count` of them) to a status's file.
    func append(joined bytes: [UInt8], count: Int, status: String) throws(ASLError) {
        guard count > 0 else { return }
        let slot = status == "SUCCEEDED" ? 0 : 1
        if slots[slot] == nil {
            let key = directory + status + "_\(shard ?? 0).json"
            slots[slot] = File(writer: try store.create(bucket: bucket, key: key), key: key)
        }
        let f = slots[slot]!
        if spec.jsonLines {
            if f.count > 0 { f.buffer.append(0x0A) }
        } else {
            f.buffer.append(f.count == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
        }
        f.buffer.append(contentsOf: bytes)
        f.count += count
        if f.buffer.count >= 1 << 20 { try flush(f) }
    }

    /// One result file being written: its writer, key, size so far and unwritten bytes.
    final class File {
        let writer: any ObjectWriter
        let key: String
        var size = 0
        var count = 0
        var buffer: [UInt8] = []
        init(writer: any ObjectWriter, key: String) { self.writer = writer; self.key = key }
    }

    /// Writes what a file's buffer holds (one write per MiB, not per record).
    private func flush(_ f: File) throws(ASLError) {
        guard !f.buffer.isEmpty else { return }
        try f.writer.append(f.buffer)
        f.size += f.buffer.count
        f.buffer.removeAll(keepingCapacity: true)
    }

    /// Closes the files and writes the manifest; returns the manifest's key.
    func finish() throws(ASLError) -> String {
        var results: JSONObject = ["FAILED": [], "PENDING": [], "SUCCEEDED": []]
        for (slot, status) in ["SUCCEEDED", "FAILED"].enumerated() {
            guard let f = slots[slot] else { continue }
            f.buffer.append(contentsOf: spec.jsonLines ? [0x0A] : [UInt8(ascii: "]")])
            try flush(f)
            try f.writer.close()
            results[status] = [["Key": .string(f.key), "Size": .number(JSONNumber(f.size))]]
        }
        slots = [nil, nil]
        let manifest: JSON = ["DestinationBucket": .string(bucket), "MapRunArn": .string(mapRun.arn),
                              "ResultFiles": .object(results)]
        let key = directory + "manifest.json"
        try store.put(bucket: bucket, key: shard.map { directory + "manifest_\($0).json" } ?? key, bytes: manifest.serializedBytes)
        return key
    }
}

/// Joins the manifests of a sharded map run (`manifest_<i>.json`) into its `manifest.json`.
public enum MapRunMerge {
    /// - Returns: the number of shard manifests joined.
    public static func merge(directory: String) throws(ASLError) -> Int {
        let store = DirectoryObjectStore(directories: ["d": directory])
        var shards: [JSON] = []
        for i in 0..<100_000 {
            guard let chunks = try? store.open(bucket: "d", key: "manifest_\(i).json") else { break }
            var data = ChunkBuffer(chunks: chunks)
            let bytes = try data.readToEnd()
            do { shards.append(try JSON.parse(bytes)) } catch {
                throw ASLError(.resultWriterFailed, "manifest_\(i).json is not valid JSON: \(error)")
            }
        }
        guard let first = shards.first?.objectValue else {
            throw ASLError(.resultWriterFailed, "No manifest_0.json in \(directory): is it a sharded map run's result directory?")
        }
        var files: JSONObject = ["FAILED": [], "PENDING": [], "SUCCEEDED": []]
        for status in ["FAILED", "PENDING", "SUCCEEDED"] {
            var all: [JSON] = []
            for m in shards { all += m.objectValue?["ResultFiles"]?.objectValue?[status]?.arrayValue ?? [] }
            files[status] = .array(all)
        }
        let manifest: JSON = ["DestinationBucket": first["DestinationBucket"] ?? .null, "MapRunArn": first["MapRunArn"] ?? .null,
                              "ResultFiles": .object(files)]
        try store.put(bucket: "d", key: "manifest.json", bytes: manifest.serializedBytes)
        return shards.count
    }
}
