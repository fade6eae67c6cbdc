import CortadoASL
import CortadoJSON
import CortadoPath

extension Retrier {
    /// IntervalSeconds × BackoffRate^retries, capped by MaxDelaySeconds (before any jitter):
    /// how long an execution waits, and what TestState reports.
    func delaySeconds(afterRetries retries: Int) -> Double {
        let delay = intervalSeconds * pow(backoffRate, Double(retries))
        return maxDelaySeconds.map { min(delay, $0) } ?? delay
    }
}

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
        if f.retryCounts.count != processing.retry.count { f.retryCounts = Array(repeating: 0, count: processing.retry.count) }
        if let i = processing.retry.firstIndex(where: { ErrorEquals.matches($0.errorEquals, e) }) {
            let r = processing.retry[i]
            let attempt = options.inspection?.retrierRetryCount ?? f.retryCounts[i]
            if let probe = options.inspection {
                // TestState: only whether the error is retriable, and after how long.
                probe.errorDetail("retryIndex", i)
                if attempt < r.maxAttempts {
                    probe.errorDetail("retryBackoffIntervalSeconds", Execution.inspectedBackoff(r, retries: attempt))
                    probe.retriable = true
                    return .fail(e)
                }
            } else if attempt < r.maxAttempts {
                f.retryCounts[i] += 1
                f.retryCount += 1
                var delay = r.delaySeconds(afterRetries: attempt)
                if r.fullJitter { delay = Double.random(in: 0...delay) }
                f.resume = .retry
                f.parkSeq &+= 1
                timers.push((f, f.parkSeq), at: now + Int64((delay * 1000).rounded()))
                return .park
            }
        }
        let h = program.headers[f.pc]
        for (index, c) in processing.catchers.enumerated() where ErrorEquals.matches(c.errorEquals, e) {
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
