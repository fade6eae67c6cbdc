import CortadoJSON
import CortadoPath

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One object of a listing (`s3:listObjectsV2`).
public struct ObjectSummary: Sendable {
    public var key: String
    public var size: Int
    /// Epoch milliseconds.
    public var lastModified: Int64
    public var etag: String
    public init(key: String, size: Int, lastModified: Int64, etag: String) {
        self.key = key; self.size = size; self.lastModified = lastModified; self.etag = etag
    }
}

/// Reads an object's bytes a chunk at a time, so a reader holds one chunk, not the object.
public protocol ObjectChunks {
    /// The next chunk, or nil at the end.
    mutating func next() throws(ASLError) -> [UInt8]?
}

/// Where a Distributed Map reads items (ItemReader) and writes results (ResultWriter):
/// S3, or local directories standing in for buckets (`--s3-dir BUCKET=DIR`).
public protocol ObjectStore: Sendable {
    func open(bucket: String, key: String) throws(ASLError) -> any ObjectChunks
    /// The objects whose keys start with `prefix`, in key order.
    func list(bucket: String, prefix: String) throws(ASLError) -> [ObjectSummary]
    func put(bucket: String, key: String, bytes: [UInt8]) throws(ASLError)
    /// An object written a piece at a time (result files larger than memory).
    func create(bucket: String, key: String) throws(ASLError) -> any ObjectWriter
}

/// An object being written: `append` pieces, then `close` makes it visible.
public protocol ObjectWriter: AnyObject {
    func append(_ bytes: [UInt8]) throws(ASLError)
    func close() throws(ASLError)
}

/// For stores that can only put whole objects: the pieces are kept until `close`.
public final class BufferedObjectWriter: ObjectWriter {
    let store: any ObjectStore
    let bucket: String, key: String
    var bytes: [UInt8] = []
    public init(store: any ObjectStore, bucket: String, key: String) { self.store = store; self.bucket = bucket; self.key = key }
    public func append(_ b: [UInt8]) throws(ASLError) { bytes.append(contentsOf: b) }
    public func close() throws(ASLError) { try store.put(bucket: bucket, key: key, bytes: bytes) }
}

/// Buckets mapped to local directories: key `a/b.csv` of bucket `B` is the file `DIR/a/b.csv`.
public struct DirectoryObjectStore: ObjectStore {
    public let directories: [String: String]
    public init(directories: [String: String]) { self.directories = directories }

    func path(_ bucket: String, _ key: String) throws(ASLError) -> String {
        guard let dir = directories[bucket] else {
            throw ASLError(.itemReaderFailed, "The bucket '\(bucket)' is not mapped to a directory (--s3-dir \(bucket)=DIR).")
        }
        guard !key.split(separator: "/").contains("..") else {
            throw ASLError(.itemReaderFailed, "The key '\(key)' leaves the bucket's directory.")
        }
        return dir + "/" + key
    }

    public func open(bucket: String, key: String) throws(ASLError) -> any ObjectChunks {
        let p = try path(bucket, key)
        let fd = Glibc.open(p, O_RDONLY)
        guard fd >= 0 else {
            // S3's NoSuchKey, as the S3 client words it.
            throw ASLError(.itemReaderFailed, "The specified key does not exist. (Bucket: \(bucket), Key: \(key))")
        }
        return FileChunks(fd: fd)
    }

    public func list(bucket: String, prefix: String) throws(ASLError) -> [ObjectSummary] {
        let root = try path(bucket, "")
        var out: [ObjectSummary] = []
        func walk(_ dir: String, _ keyPrefix: String) {
            guard let d = opendir(dir) else { return }
            defer { closedir(d) }
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                if name == "." || name == ".." { continue }
                let full = dir + "/" + name, key = keyPrefix + name
                var st = stat()
                guard stat(full, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    walk(full, key + "/")
                } else if key.hasPrefix(prefix) {
                    let ms = Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec / 1_000_000)
                    out.append(ObjectSummary(key: key, size: Int(st.st_size), lastModified: ms,
                                             etag: "\"" + DirectoryObjectStore.etag(size: Int(st.st_size), modified: ms) + "\""))
                }
            }
        }
        walk(root.hasSuffix("/") ? String(root.dropLast()) : root, "")
        return out.sorted { $0.key < $1.key }
    }

    public func put(bucket: String, key: String, bytes: [UInt8]) throws(ASLError) {
        guard let dir = directories[bucket] else {
            throw ASLError(.resultWriterFailed, "The bucket '\(bucket)' is not mapped to a directory (--s3-dir \(bucket)=DIR).")
        }
        var sofar = dir
        mkdir(dir, 0o755)  // a mapped bucket's directory is made on the first write
        for part in key.split(separator: "/").dropLast() {
            guard part != ".." else { throw ASLError(.resultWriterFailed, "The key '\(key)' leaves the bucket's directory.") }
            sofar += "/" + part
            mkdir(sofar, 0o755)
        }
        let p = dir + "/" + key
        let fd = Glibc.open(p + ".tmp", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ASLError(.resultWriterFailed, "Cannot write \(p): \(String(cString: strerror(errno)))") }
        let ok = writeAll(fd, bytes)
        close(fd)
        guard ok, rename(p + ".tmp", p) == 0 else {
            throw ASLError(.resultWriterFailed, "Cannot write \(p): \(String(cString: strerror(errno)))")
        }
    }

    public func create(bucket: String, key: String) throws(ASLError) -> any ObjectWriter {
        let p = try path(bucket, key)
        try put(bucket: bucket, key: key + ".part", bytes: [])
        let fd = Glibc.open(p + ".part", O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw ASLError(.resultWriterFailed, "Cannot write \(p): \(String(cString: strerror(errno)))") }
        return FileObjectWriter(fd: fd, path: p)
    }

    /// A stable stand-in for S3's ETag (an MD5 of the content, which would mean reading it).
    static func etag(size: Int, modified: Int64) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in [UInt64(size), UInt64(bitPattern: modified)] { h = (h ^ v) &* 0x100_0000_01b3 }
        return String(h, radix: 16).leftPadded(to: 16) + String(h &* 31, radix: 16).leftPadded(to: 16)
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// A file read in 1 MiB chunks.
final class FileChunks: ObjectChunks {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    func next() throws(ASLError) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n >= 0 else { throw ASLError(.itemReaderFailed, "Reading failed: \(String(cString: strerror(errno)))") }
        if n == 0 { return nil }
        buf.removeSubrange(n...)
        return buf
    }
}

/// An object already in memory (an S3 response body), as one chunk.
public struct BytesChunks: ObjectChunks {
    var bytes: [UInt8]?
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public mutating func next() throws(ASLError) -> [UInt8]? {
        defer { bytes = nil }
        return bytes
    }
}

/// A file appended to, renamed into place on `close`.
final class FileObjectWriter: ObjectWriter {
    var fd: Int32
    let path: String
    init(fd: Int32, path: String) { self.fd = fd; self.path = path }
    deinit { if fd >= 0 { Glibc.close(fd); unlink(path + ".part") } }

    func append(_ bytes: [UInt8]) throws(ASLError) {
        guard writeAll(fd, bytes) else { throw ASLError(.resultWriterFailed, "Cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    func close() throws(ASLError) {
        Glibc.close(fd)
        fd = -1
        guard rename(path + ".part", path) == 0 else {
            throw ASLError(.resultWriterFailed, "Cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
