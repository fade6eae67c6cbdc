import CortadoHTTP
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// `arn:aws:states:::lambda:invoke` (and `.waitForTaskToken`) and plain function ARNs against
/// Lambda itself, SigV4-signed: the same Invoke call and the same reading of its reply as
/// `--lambda-endpoint` (LambdaInvokeBackend.plan / .outcome), through the signed client.
public struct LambdaIntegration: TaskBackend, AWSIntegration {
    let client: AWSServiceClient

    public static let service = (endpointPrefix: "lambda", envName: "LAMBDA")

    public init(client: AWSServiceClient) { self.client = client }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let plan: LambdaInvokeBackend.Plan
        switch LambdaInvokeBackend.plan(request) {
        case .failure(let e): return .failure(e)
        case .success(let p): plan = p
        }
        let completion = request.completion
        let refused = client.send(method: "POST", path: plan.path, query: plan.query, headers: plan.headers, body: plan.body, s3: false) { r in
            completion.complete(LambdaInvokeBackend.outcome(r, functionArn: plan.functionArn))
        }
        return refused.map { .failure($0) } ?? .pending
    }
}
