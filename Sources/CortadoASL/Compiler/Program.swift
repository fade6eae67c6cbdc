import CortadoJSON
import CortadoPath
import CortadoJSONata

/// Index of an instruction in `Program.code`. Transitions are indices, never names.
public typealias PC = Int32

/// An input or output filter: InputPath / OutputPath / ItemsPath.
public enum PathFilter: Sendable {
    /// `$` or absent: the value passes through.
    case identity
    /// JSON `null`: the value becomes `{}`.
    case empty
    case path(JSONPath)
}

/// Where a state's result goes (ResultPath).
public enum ResultTarget: Sendable {
    /// `$` or absent: the result replaces the input.
    case replace
    /// JSON `null`: the result is discarded and the input passes through.
    case discard
    case path(JSONPath)
}

/// Fields every state shares, resolved at compile time.
public final class StateHeader: Sendable {
    public let name: String
    public let type: String
    /// JSON pointer to the state in the definition (for messages).
    public let pointer: String
    public let inputPath: PathFilter
    public let outputPath: PathFilter
    /// Next state's pc, or nil for End.
    public let next: PC?
    /// The state's query language (its own `QueryLanguage`, or the machine's).
    public let language: QueryLanguage
    /// JSONata `Output` (absent: the result, or the input for states without one).
    public let output: JSONataTemplate?
    /// `Assign`: new variable values, visible from the next state on.
    public let assign: FieldTemplate?

    public init(name: String, type: String, pointer: String, inputPath: PathFilter, outputPath: PathFilter,
                next: PC?, language: QueryLanguage, output: JSONataTemplate?, assign: FieldTemplate?) {
        self.name = name
        self.type = type
        self.pointer = pointer
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.next = next
        self.language = language
        self.output = output
        self.assign = assign
    }
}

/// A field written in either query language: a JSONPath payload template (`"key.$"`) or a
/// JSONata template (`{% %}` strings).
public enum FieldTemplate: Sendable {
    case jsonPath(PayloadTemplate)
    case jsonata(JSONataTemplate)
}

/// One Retry entry.
public struct Retrier: Sendable {
    public let errorEquals: [ErrorName]
    public let intervalSeconds: Double
    public let maxAttempts: Int
    public let backoffRate: Double
    public let maxDelaySeconds: Double?
    public let fullJitter: Bool
}

/// One Catch entry.
public struct Catcher: Sendable {
    public let errorEquals: [ErrorName]
    public let resultPath: ResultTarget
    public let next: PC
    /// JSONata `Output` (absent: the error output).
    public let output: JSONataTemplate?
    public let assign: FieldTemplate?
}

/// Parameters/ResultSelector/ResultPath/Retry/Catch of states that produce a result.
public struct ResultProcessing: Sendable {
    public let parameters: PayloadTemplate?
    /// JSONata `Arguments` (Task, Parallel).
    public let arguments: JSONataTemplate?
    public let resultSelector: PayloadTemplate?
    public let resultPath: ResultTarget
    public let retry: [Retrier]
    public let catchers: [Catcher]
}

public final class PassState: Sendable {
    public let result: JSON?
    /// Serialized size of `result` (0 without one), measured once for the payload limit.
    public let resultByteCount: Int
    public let processing: ResultProcessing

    public init(result: JSON?, resultByteCount: Int, processing: ResultProcessing) {
        self.result = result
        self.resultByteCount = resultByteCount
        self.processing = processing
    }
}

/// A value known at compile time or read from the input by a path.
public enum DynamicValue<T: Sendable>: Sendable {
    case constant(T)
    case path(JSONPath)
    /// A JSONata `{% %}` expression.
    case expression(JSONataTemplate)
}

public final class TaskState: Sendable {
    public let resource: String
    public let processing: ResultProcessing
    public let timeoutSeconds: DynamicValue<Int>?
    public let heartbeatSeconds: DynamicValue<Int>?
    public let credentials: JSON?
    /// The resource ends in `.waitForTaskToken`: the task ends when SendTaskSuccess/Failure
    /// names its token (`$$.Task.Token`), not when the integration answers.
    public let waitsForToken: Bool
    /// The resource ends in `.sync` or `.sync:2`: the task has a `$$.Task.Token` too (AWS
    /// resolves it, e.g. to pass it to the execution it starts), though nothing waits for it.
    public let runsSync: Bool
    /// The resource is a Lambda function's own ARN (`arn:aws:lambda:...:function:f`), not an
    /// integration: its events are LambdaFunction*, and its result is the invoke's Payload.
    public let invokesLambdaFunction: Bool

    /// Whether `resource` is a Lambda function ARN: its service field (after the second
    /// colon) is `lambda`. `arn:aws:states:::lambda:invoke` is an integration, not one.
    public static func isLambdaFunctionArn(_ resource: String) -> Bool {
        resource.utf8Field(after: 2, of: UInt8(ascii: ":"), startsWith: "lambda:")
    }

    /// A `.waitForTaskToken` resource (`waitsForToken`).
    public static func isTokenResource(_ resource: String) -> Bool { resource.hasSuffix(".waitForTaskToken") }

    /// A `.sync` or `.sync:2` resource (`runsSync`).
    public static func isSyncResource(_ resource: String) -> Bool { resource.hasSuffix(".sync") || resource.hasSuffix(".sync:2") }

    /// An activity ARN (`arn:aws:states:<region>:<account>:activity:<name>`).
    public static func isActivityArn(_ resource: String) -> Bool {
        resource.utf8Field(after: 5, of: UInt8(ascii: ":"), startsWith: "activity:")
    }

    public init(resource: String, processing: ResultProcessing, timeoutSeconds: DynamicValue<Int>?,
                heartbeatSeconds: DynamicValue<Int>?, credentials: JSON?, waitsForToken: Bool,
                runsSync: Bool, invokesLambdaFunction: Bool) {
        self.resource = resource
        self.processing = processing
        self.timeoutSeconds = timeoutSeconds
        self.heartbeatSeconds = heartbeatSeconds
        self.credentials = credentials
        self.waitsForToken = waitsForToken
        self.runsSync = runsSync
        self.invokesLambdaFunction = invokesLambdaFunction
    }
}

public enum WaitDuration: Sendable {
    case seconds(Int)
    case timestamp(String)
    case secondsPath(JSONPath)
    case timestampPath(JSONPath)
    /// JSONata `Seconds` / `Timestamp` expressions.
    case secondsExpression(JSONataTemplate)
    case timestampExpression(JSONataTemplate)
}

public struct WaitState: Sendable { public let duration: WaitDuration }

public struct FailState: Sendable {
    public let error: FailField
    public let cause: FailField
}

/// One entry of `Choices`: a JSONPath rule or a JSONata `Condition`, with the rule's own
/// `Output` and `Assign`.
public struct ChoiceBranch: Sendable {
    public let rule: ChoiceRule?
    public let condition: JSONataTemplate?
    public let next: PC
    public let output: JSONataTemplate?
    public let assign: FieldTemplate?
}

public struct ChoiceState: Sendable {
    public let choices: [ChoiceBranch]
    public let defaultNext: PC?
}

/// A nested state machine (Parallel branch or Map item processor) inside the same code array.
public struct SubMachine: Sendable {
    public let start: PC
}

public final class ParallelState: Sendable {
    public let branches: [SubMachine]
    public let processing: ResultProcessing

    public init(branches: [SubMachine], processing: ResultProcessing) {
        self.branches = branches
        self.processing = processing
    }
}

public final class MapState: Sendable {
    public let processor: SubMachine
    public let itemsPath: PathFilter
    /// JSONata `Items` (absent: the input).
    public let items: JSONataTemplate?
    /// ItemSelector, or the legacy Parameters of a Map.
    public let itemSelector: FieldTemplate?
    public let maxConcurrency: DynamicValue<Int>
    public let toleratedFailureCount: DynamicValue<Int>?
    public let toleratedFailurePercentage: DynamicValue<Double>?
    public let processing: ResultProcessing
    public let label: String?
    /// ProcessorConfig Mode DISTRIBUTED: iterations are child executions, which see no variables.
    public let distributed: Bool
    /// ItemReader / ItemBatcher / ResultWriter: the iterations run as child executions of
    /// `DistributedRun.program`, streamed from the reader (nil: items from the input).
    public let run: DistributedRun?

    public init(processor: SubMachine, itemsPath: PathFilter, items: JSONataTemplate?,
                itemSelector: FieldTemplate?, maxConcurrency: DynamicValue<Int>,
                toleratedFailureCount: DynamicValue<Int>?, toleratedFailurePercentage: DynamicValue<Double>?,
                processing: ResultProcessing, label: String?, distributed: Bool, run: DistributedRun?) {
        self.processor = processor
        self.itemsPath = itemsPath
        self.items = items
        self.itemSelector = itemSelector
        self.maxConcurrency = maxConcurrency
        self.toleratedFailureCount = toleratedFailureCount
        self.toleratedFailurePercentage = toleratedFailurePercentage
        self.processing = processing
        self.label = label
        self.distributed = distributed
        self.run = run
    }

    /// What a JSONPath Map whose ItemsPath selects no array fails with: AWS's words
    /// (recorded by TestState), with a context path shown without its first `$`.
    public var itemsNotAnArray: ASLError {
        var path = "$"
        if case .path(let p) = itemsPath { path = p.source.hasPrefix("$$") ? String(p.source.dropFirst()) : p.source }
        return .runtime("Reference path \"\(path)\" must point to array.")
    }

    /// What a JSONata Map whose items (`value`: what Items gave, or the state's input)
    /// are no array fails with: AWS's words.
    public func jsonataItemsNotAnArray(_ value: JSON) -> ASLError {
        if let t = items {
            do throws(ASLError) { _ = try t.checked(value, expecting: "array") } catch { return error }
        }
        return ASLError(.queryEvaluationError, "Map state input must be an array but was: \(value.serialized)")
    }
}

/// One compiled state.
public enum Instruction: Sendable {
    case pass(PassState)
    case task(TaskState)
    case choice(ChoiceState)
    case wait(WaitState)
    case succeed
    case fail(FailState)
    case parallel(ParallelState)
    case map(MapState)
}

/// A compiled state machine: immutable and shared by every execution without locks.
public final class Program: Sendable {
    /// Indexed by pc.
    public let code: [Instruction]
    /// Indexed by pc: the state's name, type, paths and next pc.
    public let headers: [StateHeader]
    /// The top-level machine.
    public let main: SubMachine
    /// Top-level `TimeoutSeconds`, if any.
    public let timeoutSeconds: Int?
    /// Indexed by pc: what the state's JSONata expressions read of `$states.input`, all of
    /// them together (they share one conversion of it); everything for a JSONPath state.
    public let inputReads: [JSONataProjection]

    init(code: [Instruction], headers: [StateHeader], main: SubMachine, timeoutSeconds: Int?, inputReads: [JSONataProjection]) {
        self.code = code; self.headers = headers; self.main = main; self.timeoutSeconds = timeoutSeconds
        self.inputReads = inputReads
    }
}
