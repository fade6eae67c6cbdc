import CortadoASL
import Testing

/// How task events name a resource, as AWS records it in histories and logs.
@Suite struct TaskResourceTests {
    @Test func serviceIntegrationsSplitIntoServiceAndAction() {
        let cases: [(String, (String, String)?)] = [
            ("arn:aws:states:::lambda:invoke", ("lambda", "invoke")),
            ("arn:aws:states:::lambda:invoke.waitForTaskToken", ("lambda", "invoke.waitForTaskToken")),
            ("arn:aws:states:::states:startExecution.sync:2", ("states", "startExecution.sync:2")),
            ("arn:aws:states:::aws-sdk:secretsmanager:createSecret", ("aws-sdk:secretsmanager", "createSecret")),
            ("arn:aws-us-gov:states:::dynamodb:putItem", ("dynamodb", "putItem")),
            // Not a service integration: an activity, a Lambda function, too few parts.
            ("arn:aws:states:us-east-1:123456789012:activity:a", nil),
            ("arn:aws:lambda:us-east-1:123456789012:function:f", nil),
            ("arn:aws:states:::lambda", nil), ("", nil),
        ]
        for (resource, want) in cases {
            let got = TaskResource.split(resource)
            #expect(got?.type == want?.0 && got?.name == want?.1, "\(resource)")
        }
    }
}
