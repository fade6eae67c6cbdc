import CortadoASL
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
}
