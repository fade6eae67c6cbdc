import CortadoJSON
import CortadoPath
import CortadoRuntime
import CortadoTape
import Synchronization

/// The backend of a line the tape lane handed back after it had called real backends
/// (`TapeLane.madeCalls`): the general engine runs the line again from its start, and each
/// call it makes that the lane made (same state, attempt and input) gets the answer the lane
/// had, after the same delay, instead of being made again. A call whose deadline came before
/// its answer stays unanswered (its TimeoutSeconds decides again). Any other call goes to
/// the backend.
final class ReplayedCalls: TaskBackend, @unchecked Sendable {
    private let backend: any TaskBackend
    private let calls: Mutex<[AwaitedCall]>
    /// On a virtual clock an answer that came later took no time.
    private let virtualClock: Bool

    init(_ calls: [AwaitedCall], backend: any TaskBackend, virtualClock: Bool) {
        self.backend = backend
        self.calls = Mutex(calls)
        self.virtualClock = virtualClock
    }

    func invoke(_ request: TaskRequest) -> TaskOutcome {
        let made = calls.withLock { calls -> AwaitedCall? in
            guard calls.contains(where: { $0.stateName == request.stateName && $0.attempt == request.attempt }) else { return nil }
            // (The input written only for a call of the same state and attempt.)
            let text = request.given.serializedBytes
            guard let i = calls.firstIndex(where: {
                $0.stateName == request.stateName && $0.attempt == request.attempt && $0.asked(with: text)
            }) else { return nil }
            return calls.remove(at: i)
        }
        guard let made else { return backend.invoke(request) }
        guard let (delayMs, outcome) = made.answer else { return .pending }
        let answer: TaskOutcome
        switch outcome {
        case .success(let v): answer = .success(v.json)
        case .failure(let e): answer = .failure(e)
        }
        return delayMs > 0 && !(virtualClock && made.cameLater) ? .after(seconds: Double(delayMs) / 1000, answer) : answer
    }

    func constantOutcome(stateName: String, resource: String, attempt: Int) -> Result<JSON, ASLError>? {
        backend.constantOutcome(stateName: stateName, resource: resource, attempt: attempt)
    }

    func answersAtOnce(resource: String) -> Bool { backend.answersAtOnce(resource: resource) }
}
