import CortadoASL
import CortadoJSON
import CortadoJSONata
import CortadoPath

// The tape lane's compiled form, made by `TapeCompiler` and run by `TapeLane`: plain values
// in flat pools indexed by Int32, so running it retains nothing (an enum tree of arrays cost
// a retain and a release per step it read).

/// A range of a pool.
struct Span {
    var start: Int32
    var count: Int32
    static let empty = Span(start: 0, count: 0)
}

/// A value a state reads: by a path from its input, from the Map item (`$$.Map.Item...`,
/// only in an ItemSelector), or a constant.
enum TValue {
    case input(Span)
    case itemValue(Span)
    case itemIndex
    case constant(Int32)
    /// `$$.Execution.Name`: the host's prefix and the line's number (`TapeLane.lineNumber`).
    case executionName
    /// `$$.Execution.Input` and a path from it: the line's own value.
    case executionInput(Span)
    /// `$$.Execution.Id`: the run's ARN prefix, the name prefix and the line's number.
    case executionId
    /// `$$.Execution.StartTime` and `$$.State.EnteredTime`: the line's start, and that plus
    /// what it has waited (TapeLane+Times).
    case executionStartTime
    case stateEnteredTime
    /// `$$.State.RetryCount` in a Task state: its attempt's (`TapeLane.taskRetryCount`).
    case retryCount
    /// Another `$$` path: walked from the whole context object (`TapeCode.contextPaths`).
    case context(Int32)
    /// A workflow variable and a path from its value (`TapeCode.variableReads`; kept aside,
    /// so a value stays as small as it was).
    case variable(Int32)
}

/// What a value reads of the context object: nothing, the line's input
/// (`$$.Execution.Input`), or the whole object the interpreter builds for state `state`
/// (with the Map item, in an ItemSelector: `item`).
struct TContextRead {
    enum Kind: UInt8 { case none, executionInput, whole }
    var kind: Kind
    var state: Int32 = -1
    var item = false
}

/// A path from a workflow variable's value: the variable's slot and the path's steps.
struct TVariableRead {
    var slot: Int32
    var steps: Span
}

enum TStep {
    /// A key in `TapeCode.keys`.
    case name(Int32)
    case index(Int)
    case wildcard
    /// `[from:to]`, a bound `TStep.noBound` when absent.
    case slice(Int32, Int32)
    /// A path that is not plain, alone in its span: `JSONPathEvaluator` selects it
    /// (`TapeCode.evaluated`). Never walked by `PathSelection`.
    case evaluate(Int32)
    static let noBound = Int32.min
}

enum TTemplate {
    case constant(Int32)
    /// Members in `TapeCode.members`.
    case object(Span)
    /// Element templates in `TapeCode.items`.
    case array(Span)
    case value(TValue)
    case arrayLength(TValue)
    /// `States.Format` with a literal template: pieces are keys (`TapeCode.keys`), one more
    /// than the values (`TapeCode.values`).
    /// `plain`: no byte of the pieces needs an escape in JSON. `general`: the call as the
    /// general code runs it (`TapeCode.calls`; -1: none), for values other than strings,
    /// which print as Java prints them.
    case format(pieces: Span, args: Span, plain: Bool, general: Int32)
    /// A JSONata expression (`TapeCode.queries`).
    case query(Int32)
    /// `States.JsonMerge(a, b, false)`: templates of the two objects (paths or nested calls).
    case jsonMerge(Int32, Int32)
    /// Any other intrinsic (of `$$` only `$$.Execution.Input`): evaluated by the general
    /// engine's code on the materialized input, so its semantics and errors are that code's.
    case general(Int32)
}

struct TMember {
    /// Constant string node of the key.
    var key: Int32
    var template: Int32
    /// Bytes the key writes (quoted), so a built object's size adds up as it is built.
    var keySize: Int32
}

enum TFilter {
    case identity
    case empty
    case path(Span)
    /// A `$$` or `$name` path: read as a value is (`TapeCode.values`).
    case value(Int32)
}

enum TResultPath {
    case replace
    case discard
    /// Steps (`TapeCode.steps`) of a reference path: names and indices.
    case steps(Span)
}

enum TRule {
    /// Sub-rules in `TapeCode.ruleKids`.
    case and(Span)
    case or(Span)
    case not(Int32)
    /// What the Variable selects against a literal operand, by `ChoiceRule.compare`.
    case compare(TValue, ChoiceOperator, TLiteral)
    /// What the Variable selects against what a `*Path` operand selects.
    case comparePaths(TValue, ChoiceOperator, TValue)
    /// A JSONata Condition (`TapeCode.queries`), which must give a boolean.
    case query(Int32)
}

/// A Choice rule's literal operand, decoded once when the program is compiled: what
/// `ChoiceRule.compare` reads of it.
struct TLiteral: ChoiceSubject {
    var choiceKind: ChoiceKind
    var choiceBool = false
    var choiceDouble = 0.0
    /// A string's bytes: a key's (`TapeCode.keys`), which live as long as the program.
    var bytes: UnsafePointer<UInt8>?
    var count: Int32 = 0

    @inline(__always)
    func withChoiceUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(start: bytes, count: Int(count)))
    }
}

/// No template / no constant.
let none: Int32 = -1

/// What `runMachine` returns for an execution that failed (its error is `TapeLane.failure`).
let failedLine: Int32 = -2
/// A line's run ended in a wait it parks for (`TapeLane.LineEnd.waits`).
let waitingLine: Int32 = -3

struct TPass {
    var input: TFilter
    var parameters: Int32
    var result: Int32
    var resultPath: TResultPath
    var output: TFilter
    var next: Int32
}

struct TChoice {
    var input: TFilter
    /// (rule, next) pairs in `TapeCode.choices`.
    var choices: Span
    var defaultNext: Int32
    var output: TFilter
    /// A JSONata Choice with an Output (its own or a rule's): where its outputs start in
    /// `TapeCode.choiceOutputs` (one template or `none` per rule, then the default's); -1
    /// for none.
    var outputs: Int32 = -1
}

/// A Task whose backend answers every attempt with a constant (a mock's Return or Throw):
/// its attempts, Retry and Catch run when the program is compiled (`TapeCompiler.taskOutcome`,
/// by the interpreter's rules), and the Task runs as a Pass that builds its Parameters (for
/// the errors they raise) and then takes the outcome.
struct TTask {
    var input: TFilter
    var parameters: Int32
    /// The first attempt's result (a constant node), or -1 when it failed (`retries`).
    var result: Int32
    var resultSelector: Int32
    var resultPath: TResultPath
    var output: TFilter
    var next: Int32
    /// When the first attempt failed: its attempts and outcome (`TapeCode.retries`);
    /// -1 otherwise. (Kept aside: every state the lane runs is copied out of the pool, so a
    /// bigger Task would cost every state.)
    var retries: Int32
}

/// A JSONata Task whose backend answers every attempt with a constant, as `TTask`: its
/// Arguments (or none: the input) are built for their errors, then Output (or none: the
/// result) and Assign read `$states.input` and `$states.result`.
struct TJSONataTask {
    var arguments: Int32
    var result: Int32
    var output: Int32
    var next: Int32
    var retries: Int32
}

/// A JSONata Parallel: its Arguments (or none: the input) are every branch's input; Output
/// (or none: the array of branch outputs) and Assign read `$states.result`, that array.
struct TJSONataParallel {
    var arguments: Int32
    /// Each branch's first pc, in `TapeCode.items`.
    var branches: Span
    var output: Int32
    var next: Int32
}

/// A JSONata inline Map: the array `Items` gives (or none: the input), each item through the
/// ItemSelector (one that reads no context; or none: the item itself) into the processor;
/// Output (or none: the array of iteration outputs) and Assign read `$states.result`.
struct TJSONataMap {
    var items: Int32
    var selector: Int32
    var processor: Int32
    var output: Int32
    var next: Int32
    /// Limits read at run time (`TapeCode.limits`).
    var limits: Span
    /// It has a ToleratedFailureCount or ToleratedFailurePercentage (`TapeCode.tolerances`).
    var tolerates: Bool
}

struct TMap {
    var input: TFilter
    var items: TFilter
    var selector: Int32
    var processor: Int32
    var resultSelector: Int32
    var resultPath: TResultPath
    var output: TFilter
    var next: Int32
    /// Limits read at run time (`TapeCode.limits`).
    var limits: Span
    /// It has a ToleratedFailureCount or ToleratedFailurePercentage (`TapeCode.tolerances`).
    var tolerates: Bool
}

/// The instant a Wait waits for: a constant Timestamp (epoch ms), a TimestampPath's value
/// (`TapeCode.values`) or a JSONata Timestamp expression's (a template).
enum TWaitTarget {
    case constant(Int64)
    case path(Int32)
    case expression(Int32)
}

/// A Map's MaxConcurrency or tolerated failure, or a mocked Task's TimeoutSeconds or
/// HeartbeatSeconds, read from the input or computed: checked as the interpreter reads it
/// (`MapLimits`, `TaskSeconds`); of the values, only a tolerance's counts (TapeLane+Limits).
struct TLimit {
    /// A Map's field; nil: a Task's TimeoutSeconds or HeartbeatSeconds (`TaskSeconds`).
    var field: MapLimits.Field?
    /// The Path form's name and path text, as AWS's causes quote them ("" for JSONata).
    var name: String
    var path: String
    /// A JSONata template (`jsonata`) or a JSONPath value (`TapeCode.values`).
    var value: Int32
    var jsonata: Bool
}

/// Branches run one after another on the same input node (the lane never changes a node
/// in place, so one branch cannot see another's work), and their outputs form the array.
struct TParallel {
    var input: TFilter
    var parameters: Int32
    /// Each branch's first pc, in `TapeCode.items`.
    var branches: Span
    var resultSelector: Int32
    var resultPath: TResultPath
    var output: TFilter
    var next: Int32
}

enum TState {
    case pass(TPass)
    case choice(TChoice)
    case succeed(input: TFilter, output: TFilter)
    /// A Wait of constant Seconds on a virtual clock, or of none: nothing to wait for but its paths.
    /// `secondsPath`: a SecondsPath's value (`TapeCode.values`; -1: constant `seconds`).
    /// `until`: a Timestamp or TimestampPath (`TapeCode.waitTargets`; -1: none).
    case wait(input: TFilter, output: TFilter, seconds: Int32, secondsPath: Int32, until: Int32, next: Int32)
    case map(TMap)
    case parallel(TParallel)
    case task(TTask)
    /// A JSONata Pass: its Output template (or none: the input), then `next`.
    case jsonataPass(output: Int32, next: Int32)
    /// A JSONata Wait on a virtual clock (or of 0 seconds): constant `seconds`, or the
    /// template of its Seconds expression, or a Timestamp (`until`, in `TapeCode.waitTargets`;
    /// -1: none); then Output (a template, or none) and Assign as a Pass.
    case jsonataWait(seconds: Int32, expression: Int32, until: Int32, output: Int32, next: Int32)
    case jsonataTask(TJSONataTask)
    /// A Task of either language whose backend the lane calls as it runs
    /// (`TapeCode.taskCalls`, `TapeLane+Calls`).
    case call(Int32)
    case jsonataParallel(TJSONataParallel)
    case jsonataMap(TJSONataMap)
    /// A Fail state of constant Error and Cause (`TapeCode.errors`): the execution fails.
    case fail(Int32)
    /// A Fail state whose Error or Cause is read when it runs (`TapeCode.failFields`).
    case failFields(Int32)
    /// Reaching it hands the line to the general engine (a Fail or a failing Task on a lane
    /// that does not take failures, a Pass over the size limit).
    case bail
}

/// Why a program cannot run on the tape lane.
public struct Unsupported: Error, CustomStringConvertible {
    public let description: String
    init(_ s: String) { description = s }
}

/// The compiled program: states by pc (the general program's pcs) and the pools they index.
final class TapeCode {
    var states: [TState] = []
    var steps: [TStep] = []
    /// Paths `JSONPathEvaluator` selects: those of `TStep.evaluate`, and plain ones with a
    /// wildcard or slice the plain walk may find indefinite (`indefinite`, by span start).
    /// `from`: the segments a value read skips (`$$.Execution.Input`).
    var evaluated: [(path: JSONPath, from: Int)] = []
    var indefinite: [Int32: Int32] = [:]
    var keys: [Key] = []
    var templates: [TTemplate] = []
    var members: [TMember] = []
    var items: [Int32] = []
    var values: [TValue] = []
    var rules: [TRule] = []
    var ruleKids: [Int32] = []
    var choices: [(rule: Int32, next: Int32)] = []
    var calls: [IntrinsicCall] = []
    /// Each call's workflow variables (by name and slot), which it is handed materialized.
    var callVariables: [[(name: String, slot: Int32)]] = []
    /// By call: what it reads of `$$` (handed a context object of only the line's input,
    /// or the whole object).
    var callContext: [TContextRead] = []
    /// `$$` paths read from the whole context object.
    var contextPaths: [(steps: Span, read: TContextRead)] = []
    var queries: [TQuery] = []
    var jsonataCalls: [TJSONataCall] = []
    /// The workflow variables any of `jsonataCalls` reads, by name and slot.
    var jsonataVariables: [(name: String, slot: Int32)] = []
    /// The errors executions fail with (`TState.fail`, `TOutcome.failed`).
    var errors: [ASLError] = []
    /// Each error's `{Error, Cause}` object (a constant node), for a Catcher of a Map or Parallel.
    var errorOutputs: [Int32] = []
    /// Indices into `errors`, in spans of `TRetries.failedAttempts`.
    var attemptErrors: [Int32] = []
    /// The back-offs of `TRetries.waits`: each retry's delay (seconds) and its Retrier, which
    /// jitters it as the line waits (`Retrier.jittered`).
    var retryWaits: [(seconds: Double, retrier: Retrier)] = []
    var retries: [TRetries] = []
    /// Tasks called as the lane runs (`TState.call`).
    var taskCalls: [TCall] = []
    var childFailures: [TChildFailure] = []
    var limits: [TLimit] = []
    /// By pc: a Task's TimeoutSeconds and HeartbeatSeconds read from its input or computed
    /// (in `limits`). Kept aside, as `TTask.retries` is.
    var taskLimits: [Span] = []
    /// `Program.inputReads`.
    var inputReads: [JSONataProjection] = []
    var waitTargets: [TWaitTarget] = []
    /// The text of the paths a state's rule quotes in its errors (`TapeLane+RuntimeErrors`),
    /// by their `values` entry.
    var pathSources: [Int32: String] = [:]
    /// Lines may fail with errors their states raise (`TapeLane.make`'s `handlesFailures`).
    var takesFailures = false
    /// The paths of the templates' path values (by template index) and of the path filters
    /// (by their span's start), and a JSONPath Map's error for items that are no array (by
    /// pc): what the interpreter words an error with (`TapeLane+RuntimeErrors`).
    var templatePaths: [Int32: (path: JSONPath, field: String)] = [:]
    var filterPaths: [Int32: JSONPath] = [:]
    var itemsNotAnArray: [Int32: ASLError] = [:]
    /// By a tolerating Map's pc, its tolerance, where the lane counts its failed iterations
    /// (none of them waits: `TapeCompiler.compileChildFailures`); a failed iteration of any
    /// other tolerating Map hands the line back.
    var tolerances: [Int32: TTolerance] = [:]
    /// A Map's constant MaxConcurrency, by pc, where it is above 0 (read at run time:
    /// `TapeLane.trailMapLimits`), for when its iterations wait (`TapeLane.childrenWait`).
    var concurrency: [Int32: Int] = [:]
    /// `Execution.Input` as steps, where the line goes in the whole context object
    /// (`TapeLane.contextNode`).
    var contextInputSteps = Span(start: 0, count: 0)
    /// By pc: a Map's or Parallel's children may wait (a Wait, a back-off, a called Task), so
    /// the lane keeps how long each took (`TapeLane.timedChild`).
    var childrenMayWait: [Bool] = []
    /// JSONata Maps by pc, for the error of items that are no array (`MapState.jsonataItemsNotAnArray`).
    var jsonataMaps: [Int32: MapState] = [:]
    /// By pc: the state runs in a Map iteration or a Parallel branch (`Program.inChildren`).
    var inChildren: [Bool] = []
    /// No Map's or Parallel's children wait or start children of their own
    /// (`TapeCompiler.firstWithWaitingChildren`): the interpreter runs them one after
    /// another, so the trail numbers their events as it does.
    var childrenInOrder = false
    /// Some state reads `$$.State.EnteredTime` (or the whole context object).
    var readsEnteredTime = false
    /// The run's constants, when an expression reads the whole context object; and the
    /// states' names (`$$.State.Name`).
    var contextConstants: TapeLane.ExecutionConstants?
    var stateNames: [String] = []
    /// By pc: what a Map's failed iteration or a Parallel's failed branch does (an index
    /// of `childFailures`; -1: hands the line back). Kept aside, as `TTask.retries` is.
    var onFailure: [Int32] = []
    var catches: [TCatch] = []
    /// By pc: the state's Assign (a Choice's: its Default's), in `assignments`. Kept aside.
    var assigns: [Span] = []
    /// By choice (parallel to `choices`): the rule's Assign.
    var choiceAssigns: [Span] = []
    /// JSONata Choice outputs (`TChoice.outputs`).
    var choiceOutputs: [Int32] = []
    var assignments: [TAssignment] = []
    var variableReads: [TVariableRead] = []
    /// Each workflow variable's name (a constant string node), by slot.
    var variableNames: [Int32] = []
    var failFields: [TFailFields] = []
    /// By query (`queries`): a field's whole expression the lane runs itself, for the
    /// evaluator to run where the lane cannot decide it (undefined, whose error is the
    /// evaluator's to word; a variable not set; a value it does not take).
    var evaluatorCalls: [Int32: TJSONataCall] = [:]
    /// By pc: no Retrier or Catcher of the state takes a States.QueryEvaluationError (a
    /// state without Retry and Catch, or whose ErrorEquals name neither it nor States.ALL).
    var evaluationErrorsFail: [Bool] = []
    /// Constant `true` and `false` nodes (JSONata comparisons give them).
    var trueNode: Int32 = -1
    var falseNode: Int32 = -1
    /// Key bytes live here, for as long as the code.
    var keyStorage: [UnsafeMutablePointer<UInt8>] = []

    deinit { for p in keyStorage { p.deallocate() } }
}
