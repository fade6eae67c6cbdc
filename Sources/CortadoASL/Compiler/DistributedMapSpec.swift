import CortadoJSON
import CortadoPath

/// A Distributed Map's `ItemReader`: where its items come from, compiled once.
public struct ItemReaderSpec: Sendable {
    public enum Source: Sendable, Equatable {
        /// `arn:aws:states:::s3:getObject`: the items are the object's content.
        case getObject
        /// `arn:aws:states:::s3:listObjectsV2`: one item per object under a prefix.
        case listObjects
    }
    public enum InputType: String, Sendable {
        case csv = "CSV", json = "JSON", jsonl = "JSONL", manifest = "MANIFEST"
    }
    public let source: Source
    /// `Parameters` (JSONPath) or `Arguments` (JSONata): Bucket, Key, Prefix.
    public let parameters: FieldTemplate?
    public let inputType: InputType
    /// `CSVHeaderLocation` GIVEN: the headers; FIRST_ROW: nil.
    public let csvHeaders: [String]?
    public let csvDelimiter: UInt8
    public let maxItems: DynamicValue<Int>?
}

/// `ItemBatcher`: items go to child executions in batches `{"Items": [...], ...BatchInput}`.
public struct ItemBatcherSpec: Sendable {
    public let maxItemsPerBatch: DynamicValue<Int>?
    public let maxInputBytesPerBatch: DynamicValue<Int>?
    public let batchInput: FieldTemplate?
}

/// `ResultWriter`: child execution results are written as files under Bucket/Prefix.
public struct ResultWriterSpec: Sendable {
    public enum Transformation: String, Sendable { case none = "NONE", compact = "COMPACT", flatten = "FLATTEN" }
    /// `Parameters` (JSONPath) or `Arguments` (JSONata): Bucket, Prefix. Without a Resource
    /// (WriterConfig alone) nothing is written and WriterConfig shapes the state's output.
    public let parameters: FieldTemplate?
    public let writesFiles: Bool
    /// NONE: whole child execution records (the default for files); COMPACT: outputs only
    /// (the default without ResultWriter); FLATTEN: outputs, arrays flattened one level.
    public let transformation: Transformation
    /// OutputType JSONL: one record per line instead of a JSON array.
    public let jsonLines: Bool
}

/// What makes a Map run its iterations as child executions over a reader, in batches, or
/// into a writer (a Distributed Map with any of ItemReader, ItemBatcher, ResultWriter).
public struct DistributedRun: Sendable {
    public let reader: ItemReaderSpec?
    public let batcher: ItemBatcherSpec?
    public let writer: ResultWriterSpec?
    /// The ItemProcessor as a state machine of its own: what each child execution runs.
    public let program: Program
}
