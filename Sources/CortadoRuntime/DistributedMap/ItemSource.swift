import CortadoASL
import CortadoJSON
import CortadoPath

/// The items of a Distributed Map, pulled one at a time so a large object is never held whole
/// (JSON arrays excepted: a JSON document is parsed as one).
protocol ItemSource {
    mutating func next() throws(ASLError) -> JSON?
}

/// Items already in memory (no ItemReader: the input's array).
struct ArrayItems: ItemSource {
    let items: [JSON]
    var i = 0
    mutating func next() throws(ASLError) -> JSON? {
        guard i < items.count else { return nil }
        defer { i += 1 }
        return items[i]
    }
}

/// Bytes of an object, consumed from the front, refilled a chunk at a time.
struct ChunkBuffer {
    var chunks: any ObjectChunks
    var buf: [UInt8] = []
    var pos = 0
    var eof = false

    /// The index of the next newline at or after `pos` (memchr), or nil.
    func newline() -> Int? {
        guard pos < buf.count else { return nil }
        return buf.withUnsafeBufferPointer { b -> Int? in
            guard let p = memchr(b.baseAddress! + pos, 0x0A, b.count - pos) else { return nil }
            return b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The rest of the object, whole (a JSON document).
    mutating func readToEnd() throws(ASLError) -> ArraySlice<UInt8> {
        while try refill() {}
        return buf[pos...]
    }

    /// Appends the next chunk (dropping consumed bytes first); false at the end of the object.
    mutating func refill() throws(ASLError) -> Bool {
        guard !eof else { return false }
        if pos > 0 { buf.removeSubrange(0..<pos); pos = 0 }
        guard let c = try chunks.next() else { eof = true; return false }
        buf.append(contentsOf: c)
        return true
    }
}

/// JSONL: one item per non-blank line.
struct JSONLItems: ItemSource {
    var data: ChunkBuffer
    var line = 0

    mutating func next() throws(ASLError) -> JSON? {
        var block: [UInt8] = []
        guard let range = try nextLine(into: &block) else { return nil }
        do { return try JSON.parse(block[range]) } catch { throw JSONLItems.malformed(line: line, error) }
    }

    /// A line that is not JSON fails the reader.
    static func malformed(line: Int, _ error: any Error) -> ASLError {
        ASLError(.itemReaderFailed, "Line \(line) of the JSONL object is not valid JSON: \(error)")
    }

    /// Appends the next non-blank line's bytes to `block`, unparsed (a worker thread parses
    /// it); returns where they are.
    mutating func nextLine(into block: inout [UInt8]) throws(ASLError) -> Range<Int>? {
        while true {
            var range: Range<Int>
            if let nl = data.newline() {
                range = data.pos..<nl
                data.pos = nl + 1
            } else if try data.refill() {
                continue
            } else if data.pos < data.buf.count {
                range = data.pos..<data.buf.count
                data.pos = data.buf.count
            } else {
                return nil
            }
            line += 1
            if range.upperBound > range.lowerBound, data.buf[range.upperBound - 1] == 0x0D { range = range.lowerBound..<(range.upperBound - 1) }
            let bytes = data.buf[range]
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let start = block.count
            block.append(contentsOf: bytes)
            return start..<block.count
        }
    }
}

/// CSV (RFC 4180 quoting; every value a string): each row an object keyed by the headers
/// (the first row, or the definition's CSVHeaders).
struct CSVItems: ItemSource {
    var data: ChunkBuffer
    var headers: [String]?
    let delimiter: UInt8
    var row = 0

    /// The order AWS writes a row's keys in (see `JavaHashOrder`), computed once.
    var order: [Int]?

    mutating func next() throws(ASLError) -> JSON? {
        while let fields = try record() {
            guard let headers else { headers = fields; continue }
            if order == nil {
                guard Set(headers).count == headers.count else {
                    throw ASLError(.itemReaderFailed, "CSV headers cannot contain duplicates.")
                }
                order = JavaHashOrder.order(headers)
            }
            // Missing fields are "", fields past the headers are dropped (AWS's rules).
            var o = JSONObject()
            o.members.reserveCapacity(headers.count)
            for i in order! { o.members.append((headers[i], .string(i < fields.count ? fields[i] : ""))) }
            return .object(o)
        }
        return nil
    }

    /// The next non-blank record's fields, or nil at the end.
    mutating func record() throws(ASLError) -> [String]? {
        while true {
            if let (fields, end) = try parse(from: data.pos, final: data.eof) {
                data.pos = end
                row += 1
                if fields.count == 1 && fields[0].isEmpty { continue }  // an empty line (a line of spaces is a row)
                return fields
            }
            if data.eof { return nil }
            _ = try data.refill()
        }
    }

    /// One record starting at `start`: its fields and where the next begins; nil when the
    /// buffer ends inside it (and more may come).
    func parse(from start: Int, final: Bool) throws(ASLError) -> ([String], Int)? {
        let b = data.buf
        guard start < b.count else { return nil }
        var fields: [String] = []
        var field: [UInt8] = []
        var i = start
        var quoted = false, inQuotes = false
        while i < b.count {
            let c = b[i]
            if c == 0x5C {  // a backslash escapes \, " and the delimiter; before anything else it is dropped
                guard i + 1 < b.count else {
                    if !final { return nil }
                    i += 1; continue
                }
                let n = b[i + 1]
                if n == 0x5C || n == 0x22 || n == delimiter { field.append(n); i += 2; continue }
                i += 1; continue
            }
            if inQuotes {
                if c == 0x22 {
                    if i + 1 < b.count, b[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    if i + 1 == b.count && !final { return nil }  // "" may straddle chunks
                    inQuotes = false; i += 1; continue
                }
                field.append(c); i += 1; continue
            }
            switch c {
            case 0x22 where field.isEmpty && !quoted:
                quoted = true; inQuotes = true
            case delimiter:
                fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true); quoted = false
            case 0x0A:
                if field.last == 0x0D { field.removeLast() }
                fields.append(String(decoding: field, as: UTF8.self))
                return (fields, i + 1)
            default:
                field.append(c)
            }
            i += 1
        }
        guard final else { return nil }
        if inQuotes { throw ASLError(.itemReaderFailed, "CSV row \(row + 1) has an unterminated quoted field.") }
        if field.last == 0x0D { field.removeLast() }
        fields.append(String(decoding: field, as: UTF8.self))
        return (fields, b.count)
    }
}

extension ItemReaderSpec {
    /// The item source for `parameters` (the evaluated Parameters/Arguments: Bucket, Key, Prefix).
    func source(_ parameters: JSON, store: (any ObjectStore)?) throws(ASLError) -> any ItemSource {
        guard let store else {
            throw ASLError(.itemReaderFailed, "No object store: map the bucket to a directory (--s3-dir BUCKET=DIR) or use --aws.")
        }
        guard case .string(let bucket)? = parameters.objectValue?["Bucket"] else {
            throw ASLError(.itemReaderFailed, "The ItemReader's Parameters must name a Bucket.")
        }
        switch source {
        case .listObjects:
            let prefix = parameters.objectValue?["Prefix"]?.stringValue ?? ""
            // AWS's item: `Etag` (sic) with its quotes, LastModified in epoch seconds.
            let items = try store.list(bucket: bucket, prefix: prefix).map { o -> JSON in
                ["Etag": .string(o.etag), "Key": .string(o.key),
                 "LastModified": .number(JSONNumber(Int(o.lastModified / 1000))),
                 "Size": .number(JSONNumber(o.size)), "StorageClass": "STANDARD"]
            }
            return ArrayItems(items: items)
        case .getObject:
            guard case .string(let key)? = parameters.objectValue?["Key"] else {
                throw ASLError(.itemReaderFailed, "The ItemReader's Parameters must name a Key.")
            }
            let data = ChunkBuffer(chunks: try GzipChunks.wrapIfCompressed(try store.open(bucket: bucket, key: key)))
            switch inputType {
            case .jsonl: return JSONLItems(data: data)
            case .csv: return CSVItems(data: data, headers: csvHeaders, delimiter: csvDelimiter)
            case .json, .manifest:
                var d = data
                let bytes = try d.readToEnd()
                let doc: JSON
                do { doc = try JSON.parse(bytes) } catch {
                    throw ASLError(.itemReaderFailed, "The object is not valid JSON: \(error)")
                }
                if inputType == .manifest { return try InventoryItems(manifest: doc, store: store, delimiter: csvDelimiter) }
                guard case .array(let items) = doc else {
                    throw ASLError(.itemReaderFailed, "Attempting to map over non-iterable node.")
                }
                return ArrayItems(items: items)
            }
        }
    }
}

/// The order a `java.util.HashMap<String, String>` iterates its keys in: AWS builds a CSV
/// row as one, so its keys come out in this order (recorded: headers `0,True,{}` give
/// `{"0":..,"{}":..,"True":..}`). Buckets by `(h ^ (h >>> 16)) & (capacity - 1)` of
/// `String.hashCode`, insertion order within a bucket; capacity 16, doubled past 3/4 full.
enum JavaHashOrder {
    static func hashCode(_ s: String) -> Int32 {
        var h: Int32 = 0
        for u in s.utf16 { h = h &* 31 &+ Int32(u) }
        return h
    }

    static func order(_ keys: [String]) -> [Int] {
        var capacity = 16
        while Double(keys.count) > Double(capacity) * 0.75 { capacity *= 2 }
        let buckets = keys.map { k -> Int in
            let h = UInt32(bitPattern: hashCode(k))
            return Int((h ^ (h >> 16)) & UInt32(capacity - 1))
        }
        return keys.indices.sorted { buckets[$0] != buckets[$1] ? buckets[$0] < buckets[$1] : $0 < $1 }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An S3 Inventory report (ReaderConfig InputType MANIFEST): its manifest.json lists CSV
/// files (gzip-compressed, no header row) whose columns `fileSchema` names; each row is one
/// item, every value a string (AWS's example: {"LastModifiedDate": "...", "Bucket": "...",
/// "Size": "3399671", "Key": "csvDataset/titles.csv"}).
struct InventoryItems: ItemSource {
    let store: any ObjectStore
    let bucket: String
    var files: [String]
    let headers: [String]
    let delimiter: UInt8
    var current: CSVItems?

    init(manifest: JSON, store: any ObjectStore, delimiter: UInt8) throws(ASLError) {
        guard case .object(let m) = manifest else { throw ASLError(.itemReaderFailed, "The manifest is not a JSON object.") }
        guard m["fileFormat"]?.stringValue?.uppercased() ?? "CSV" == "CSV" else {
            throw ASLError(.itemReaderFailed, "Only CSV inventory reports can be read (fileFormat \(m["fileFormat"]?.stringValue ?? "")).")
        }
        guard let schema = m["fileSchema"]?.stringValue else { throw ASLError(.itemReaderFailed, "The manifest has no fileSchema.") }
        // destinationBucket is an ARN (arn:aws:s3:::bucket) or a name.
        let dest = m["destinationBucket"]?.stringValue ?? ""
        self.bucket = dest.hasPrefix("arn:") ? String(dest.split(separator: ":").last ?? "") : dest
        self.store = store
        self.delimiter = delimiter
        headers = schema.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }
        files = (m["files"]?.arrayValue ?? []).compactMap { $0.objectValue?["key"]?.stringValue }.reversed()
    }

    mutating func next() throws(ASLError) -> JSON? {
        while true {
            if var c = current {
                let item = try c.next()
                current = c
                if let item { return item }
                current = nil
            }
            guard let key = files.popLast() else { return nil }
            let data = ChunkBuffer(chunks: try GzipChunks.wrapIfCompressed(try store.open(bucket: bucket, key: key)))
            current = CSVItems(data: data, headers: headers, delimiter: delimiter)
        }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
