import CortadoASL
import CortadoJSON
import CortadoPath

extension Execution {
    // MARK: - Retry and Catch

    func handle(_ e: ASLError, in f: Frame) -> Control {
        let processing: ResultProcessing
        switch program.code[f.pc] {
        case .task(let s): processing = s.processing
        case .parallel(let s): processing = s.processing
        case .map(let s): processing = s.processing
        default: return .fail(e)
        }
        if let probe = options.inspection {
            // TestState: only whether the error is retriable, and after how long.
            if let i = processing.retrier(for: e) {
                let r = processing.retry[i]
                let attempt = probe.retrierRetryCount
                probe.errorDetail("retryIndex", i)
                if attempt < r.maxAttempts {
                    probe.errorDetail("retryBackoffIntervalSeconds", Execution.inspectedBackoff(r, retries: attempt))
                    probe.retriable = true
                    return .fail(e)
                }
            }
        } else if let (i, seconds) = processing.retry(e, counts: &f.retryCounts) {
            f.retryCount += 1
            let delay = processing.retry[i].jittered(seconds)
            f.resume = .retry
            f.parkSeq &+= 1
            timers.push((f, f.parkSeq), at: now + Int64(Retrier.milliseconds(delay)))
            return .park
        }
        let h = program.headers[f.pc]
        if let index = processing.catcher(for: e) {
            let c = processing.catchers[index]
            if let probe = options.inspection {
                probe.errorDetail("catchIndex", index)
                probe.caught = e
            }
            do throws(ASLError) {
                let errorOutput = ErrorOutput.object(e)
                let out: JSON
                let values: JSONObject?
                if h.language == .jsonata {
                    let s = scope(f, input: f.input, errorOutput: errorOutput)
                    values = try assignments(c.assign, f, jsonPathInput: .null, scope: s)
                    out = try c.output?.evaluate(s) ?? errorOutput
                } else {
                    values = try assignments(c.assign, f, jsonPathInput: errorOutput, scope: scope(f, input: f.input))
                    out = try applyResultPath(raw: f.input, result: errorOutput, c.resultPath)
                }
                apply(values, to: f)
                emit(EventType.exited(program.code[f.pc]), f) { h.exitedDetails(.json(out), assigned: values) }
                return .next(Int(c.next), out)
            } catch {
                return .fail(qualify(error, f))
            }
        }
        return .fail(e)
    }
}
