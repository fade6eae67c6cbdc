import CortadoJSON
import CortadoPath
import CortadoRuntime
import Synchronization

/// The server's task tokens: `.waitForTaskToken` tasks get one here, SendTask* find the
/// waiting task by it. A token is `<execution seed>-<16 hex digits>`, the digits derived
/// from the state's name and how often that state asked for a token in the execution, so a
/// replayed execution (restart from the journal) asks for — and gets — the same tokens.
final class TokenTable: TaskTokenIssuer, @unchecked Sendable {
    struct Entry {
        let completion: TaskCompletion
        let execution: ExecutionRecord
        var timedOut = false
    }
    private let table = Mutex<[String: Entry]>([:])
    /// Outcomes sent before a restart (from the journal), answered again at once on replay.
    private let recorded = Mutex<[String: TaskOutcome]>([:])
    /// Tokens whose task has ended: AWS answers them with TaskTimedOut ("Provided task does
    /// not exist anymore"), not TaskDoesNotExist. Bounded: forgotten past `endedLimit`.
    private let ended = Mutex<Set<String>>([])
    static let endedLimit = 1_000_000

    func issueToken(execution: Execution, stateName: String, completion: TaskCompletion) -> String {
        guard let record = execution.hostData as? ExecutionRecord else { return UUID4.random() }
        let n = record.tokenCounts[stateName, default: 0]
        record.tokenCounts[stateName] = n + 1
        let token = record.seed + "-" + TokenTable.hex(TokenTable.fnv1a("\(stateName)#\(n)"))
        record.tokens.append(token)
        table.withLock { $0[token] = Entry(completion: completion, execution: record) }
        return token
    }

    func tokenEnded(_ token: String, timedOut: Bool) {
        table.withLock { t in
            if timedOut { t[token]?.timedOut = true } else { t[token] = nil }
        }
        if !timedOut { remember([token]) }
    }

    private func remember(_ tokens: [String]) {
        ended.withLock { e in
            if e.count + tokens.count > TokenTable.endedLimit { e.removeAll(keepingCapacity: true) }
            e.formUnion(tokens)
        }
    }

    /// Forgets every token of an execution that ended.
    func executionEnded(_ record: ExecutionRecord, tokens: [String]) {
        table.withLock { t in for k in tokens { t[k] = nil } }
        recorded.withLock { r in for k in tokens { r[k] = nil } }
        remember(tokens)
    }

    /// The waiting task of `token`, or the API error AWS gives for it. Removes it when `take`.
    func find(_ token: String, take: Bool) throws(APIError) -> Entry {
        guard TokenTable.isWellFormed(token) else { throw APIError.invalidToken("Invalid Token: '\(token)'") }
        let entry = table.withLock { t -> Entry? in
            guard let e = t[token] else { return nil }
            if take, !e.timedOut { t[token] = nil }
            return e
        }
        guard let entry else {
            if ended.withLock({ $0.contains(token) }) { throw APIError.taskTimedOut("Task Timed Out: 'Provided task does not exist anymore'") }
            throw APIError.taskDoesNotExist()
        }
        if entry.timedOut { throw APIError.taskTimedOut() }
        return entry
    }

    func record(_ token: String, _ outcome: TaskOutcome) { recorded.withLock { $0[token] = outcome } }
    func recordedOutcome(_ token: String) -> TaskOutcome? { recorded.withLock { $0[token] } }
    var waiting: Int { table.withLock { $0.values.filter { !$0.timedOut }.count } }

    static func isWellFormed(_ token: String) -> Bool {
        let u = Array(token.utf8)
        guard u.count == 32 + 1 + 16, u[32] == UInt8(ascii: "-") else { return false }
        return u.enumerated().allSatisfy { i, c in i == 32 || (c >= 48 && c <= 57) || (c >= 97 && c <= 102) }
    }

    static func newSeed() -> String {
        var g = SystemRandomNumberGenerator()
        return hex(g.next()) + hex(g.next())
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}

/// Answers a task whose outcome was sent before a restart with that outcome (replay),
/// without calling its integration again; everything else goes to `inner`.
struct ReplayingBackend: TaskBackend {
    let inner: any TaskBackend
    let tokens: TokenTable

    func invoke(_ request: TaskRequest) -> TaskOutcome {
        if let t = request.taskToken, let o = tokens.recordedOutcome(t) { return o }
        return inner.invoke(request)
    }
}
