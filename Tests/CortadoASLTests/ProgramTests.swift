import CortadoASL
import CortadoJSON
import Testing

@Suite struct ProgramTests {
    /// The one rule that tells a Lambda function's ARN (LambdaFunction* events, the result is
    /// the invoke's Payload) from a service integration.
    @Test func lambdaFunctionArns() {
        #expect(TaskState.isLambdaFunctionArn("arn:aws:lambda:us-east-1:123456789012:function:ship-order"))
        #expect(TaskState.isLambdaFunctionArn("arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live"))
        #expect(!TaskState.isLambdaFunctionArn("arn:aws:states:::lambda:invoke"))
        #expect(!TaskState.isLambdaFunctionArn("arn:aws:states:::lambda:invoke.waitForTaskToken"))
        #expect(!TaskState.isLambdaFunctionArn("arn:aws:states:us-east-1:1:activity:lambda"))
        #expect(!TaskState.isLambdaFunctionArn("lambda"))
    }

    /// The execution's time limit: the shorter of TimeoutSeconds and the host's limit.
    @Test func executionTimeLimit() throws {
        func program(_ timeout: String) throws -> Program {
            let text = #"{"StartAt":"P",\#(timeout)"States":{"P":{"Type":"Pass","End":true}}}"#
            guard case .success(let p) = Compiler.compile(try JSON.parse(text)) else { throw ProgramTestError() }
            return p
        }
        let bounded = try program(#""TimeoutSeconds":5,"#), open = try program("")
        #expect(bounded.executionTimeLimit(host: 300) == 5)
        #expect(bounded.executionTimeLimit(host: 2) == 2)
        #expect(bounded.executionTimeLimit(host: nil) == 5)
        #expect(open.executionTimeLimit(host: 300) == 300)
        #expect(open.executionTimeLimit(host: nil) == nil)
    }
}

struct ProgramTestError: Error {}
