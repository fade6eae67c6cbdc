import CortadoPath
import CZlib

/// An object's chunks inflated as they are read, for gzip-compressed objects (`x.jsonl.gz`,
/// S3 Inventory's `.csv.gz` files). Recognised by gzip's magic bytes, as AWS reads them
/// whatever their name.
final class GzipChunks: ObjectChunks {
    var source: any ObjectChunks
    var pending: [UInt8]?
    var stream = z_stream()
    var finished = false

    /// Wraps `source` when its first chunk starts with gzip's magic (1f 8b); else `source`.
    static func wrapIfCompressed(_ source: any ObjectChunks) throws(ASLError) -> any ObjectChunks {
        var s = source
        guard let first = try s.next() else { return BytesChunks([]) }
        let rest = Prepended(first: first, rest: s)
        guard first.count >= 2, first[0] == 0x1F, first[1] == 0x8B else { return rest }
        return try GzipChunks(rest)
    }

    init(_ source: any ObjectChunks) throws(ASLError) {
        self.source = source
        // 16 + MAX_WBITS: a gzip header and trailer.
        guard inflateInit2_(&stream, 16 + 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ASLError(.itemReaderFailed, "Cannot start gzip decompression.")
        }
    }

    deinit { inflateEnd(&stream) }

    func next() throws(ASLError) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 1 << 20)
        var produced = 0
        while produced == 0 && !finished {
            if pending == nil || stream.avail_in == 0 {
                guard let chunk = try source.next() else {
                    finished = true
                    throw ASLError(.itemReaderFailed, "The gzip-compressed object ends early.")
                }
                pending = chunk
                stream.avail_in = UInt32(chunk.count)
            }
            let consumedBefore = Int(stream.avail_in)
            let status: Int32 = pending!.withUnsafeMutableBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    stream.next_in = input.baseAddress! + (input.count - consumedBefore)
                    stream.next_out = output.baseAddress! + produced
                    stream.avail_out = UInt32(output.count - produced)
                    let r = inflate(&stream, Z_NO_FLUSH)
                    produced = output.count - Int(stream.avail_out)
                    return r
                }
            }
            switch status {
            case Z_STREAM_END:
                // Concatenated gzip members continue; otherwise this is the end.
                if stream.avail_in > 0 { inflateReset(&stream) } else {
                    if let more = try source.next(), !more.isEmpty {
                        pending = more; stream.avail_in = UInt32(more.count); inflateReset(&stream)
                    } else {
                        finished = true
                    }
                }
            case Z_OK, Z_BUF_ERROR:
                break
            default:
                finished = true
                throw ASLError(.itemReaderFailed, "The object is not valid gzip data.")
            }
        }
        guard produced > 0 else { return nil }
        out.removeSubrange(produced...)
        return out
    }
}

/// A first chunk already read, then the rest.
struct Prepended: ObjectChunks {
    var first: [UInt8]?
    var rest: any ObjectChunks
    mutating func next() throws(ASLError) -> [UInt8]? {
        if let f = first { first = nil; return f }
        return try rest.next()
    }
}
