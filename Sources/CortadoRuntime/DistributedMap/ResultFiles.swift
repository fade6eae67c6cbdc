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
    private var files: [String: (writer: any ObjectWriter, key: String, size: Int, first: Bool)] = [:]

    init(store: any ObjectStore, bucket: String, prefix: String, mapRun: MapRunNames, spec: ResultWriterSpec) {
        self.store = store; self.bucket = bucket; self.mapRun = mapRun; self.spec = spec
        let p = prefix.hasSuffix("/") || prefix.isEmpty ? prefix : prefix + "/"
        directory = p + mapRun.id + "/"
    }

    /// Records one child execution.
    func add(_ r: ChildRun, input: JSON) throws(ASLError) {
        let status = r.result.status == .succeeded ? "SUCCEEDED" : "FAILED"
        // COMPACT and FLATTEN keep only a success's output; a failure is always a whole record.
        if r.result.status == .succeeded, spec.transformation != .none {
            let out = r.result.output ?? .null
            if spec.transformation == .flatten, case .array(let items) = out {
                for x in items { try append(status, x.serializedBytes) }
            } else {
                try append(status, out.serializedBytes)
            }
            return
        }
        var rec = JSONObject()
        let name = mapRun.childName(r.index)
        rec["ExecutionArn"] = .string(mapRun.childArn(r.index))
        rec["Input"] = .string(input.serialized)
        rec["InputDetails"] = ["Included": true]
        rec["Name"] = .string(name)
        if r.result.status == .succeeded {
            rec["Output"] = .string((r.result.output ?? .null).serialized)
            rec["OutputDetails"] = ["Included": true]
        } else {
            if let c = r.result.error?.cause { rec["Cause"] = .string(c) }
            if let e = r.result.error?.name?.rawValue { rec["Error"] = .string(e) }
        }
        rec["RedriveCount"] = 0
        rec["RedriveStatus"] = "NOT_REDRIVABLE"
        rec["RedriveStatusReason"] = .string("Execution is \(r.result.status == .succeeded ? "SUCCEEDED" : r.result.status.rawValue) and cannot be redriven")
        rec["StartDate"] = .string(Timestamp(milliseconds: r.started).iso8601)
        rec["StateMachineArn"] = .string(mapRun.childStateMachineArn)
        rec["Status"] = .string(r.result.status == .succeeded ? "SUCCEEDED" : r.result.status.rawValue)
        rec["StopDate"] = .string(Timestamp(milliseconds: r.stopped).iso8601)
        rec.members.sort { $0.key < $1.key }  // AWS writes the keys in alphabetical order
        try append(status, JSON.object(rec).serializedBytes)
    }

    private func append(_ status: String, _ record: [UInt8]) throws(ASLError) {
        if files[status] == nil {
            let key = directory + status + "_0.json"
            files[status] = (try store.create(bucket: bucket, key: key), key, 0, true)
        }
        var f = files[status]!
        let open: [UInt8] = spec.jsonLines ? (f.first ? [] : [0x0A]) : (f.first ? [UInt8(ascii: "[")] : [UInt8(ascii: ",")])
        let bytes = open + record
        try f.writer.append(bytes)
        f.size += bytes.count
        f.first = false
        files[status] = f
    }

    /// Closes the files and writes the manifest; returns the manifest's key.
    func finish() throws(ASLError) -> String {
        var results: JSONObject = ["FAILED": [], "PENDING": [], "SUCCEEDED": []]
        for status in ["FAILED", "SUCCEEDED"] {
            guard let f = files[status] else { continue }
            let close: [UInt8] = spec.jsonLines ? [0x0A] : [UInt8(ascii: "]")]
            try f.writer.append(close)
            try f.writer.close()
            results[status] = [["Key": .string(f.key), "Size": .number(JSONNumber(f.size + close.count))]]
        }
        files.removeAll()
        let manifest: JSON = ["DestinationBucket": .string(bucket), "MapRunArn": .string(mapRun.arn),
                              "ResultFiles": .object(results)]
        let key = directory + "manifest.json"
        try store.put(bucket: bucket, key: key, bytes: manifest.serializedBytes)
        return key
    }
}
