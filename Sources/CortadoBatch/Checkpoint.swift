import CortadoJSON
import Foundation

/// The checkpoint journal beside a run's output: how far the output is complete.
/// Written after the output bytes it describes, by replacing the file atomically
/// (write a temporary file, then rename), so a crash leaves the old or the new one.
struct Checkpoint: Equatable {
    /// Every input line up to and including this one has its result in the output.
    var line: Int
    /// The output's length in bytes at that point; a resume truncates to it.
    var bytes: Int
    /// True once the run finished.
    var completed: Bool
    /// What the run was, so a resume of a different run is refused.
    var definition: String
    var events: String
    var shard: String

    static func path(forOutput out: String) -> String { out + ".checkpoint" }

    func write(to path: String) throws {
        let json: JSON = [
            "version": 1, "line": .number(JSONNumber(line)), "bytes": .number(JSONNumber(bytes)),
            "completed": .bool(completed), "definition": .string(definition), "events": .string(events),
            "shard": .string(shard),
        ]
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BatchError("cannot write checkpoint \(tmp): \(String(cString: strerror(errno)))") }
        let bytes = json.serializedBytes + [10]
        let ok = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) == $0.count }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            throw BatchError("cannot write checkpoint \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a checkpoint; nil when there is none.
    static func read(from path: String) throws -> Checkpoint? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let json: JSON
        do { json = try JSON.parse(Array(data)) } catch { throw BatchError("checkpoint \(path) is damaged: \(error)") }
        guard let line = json["line"]?.numberValue?.int, let bytes = json["bytes"]?.numberValue?.int else {
            throw BatchError("checkpoint \(path) lacks line/bytes")
        }
        return Checkpoint(
            line: line, bytes: bytes, completed: json["completed"]?.boolValue ?? false,
            definition: json["definition"]?.stringValue ?? "", events: json["events"]?.stringValue ?? "",
            shard: json["shard"]?.stringValue ?? "")
    }
}

/// A problem that stops a batch run, with a message for the user.
public struct BatchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
