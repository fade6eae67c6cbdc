import CortadoPath
import CortadoASL
import Testing

/// The one rule Retry and Catch match errors with.
@Suite struct ErrorEqualsTests {
    static func matches(_ names: [String], _ error: String?) -> Bool {
        ErrorEquals.matches(names.map(ErrorName.init), ASLError(error.map(ErrorName.init), "cause"))
    }

    @Test func namesMatchThemselvesAndTheWildcards() {
        #expect(Self.matches(["Lambda.ServiceException"], "Lambda.ServiceException"))
        #expect(!Self.matches(["Lambda.ServiceException"], "Lambda.Unknown"))
        #expect(Self.matches(["X", "States.ALL"], "anything"))
        #expect(Self.matches(["States.ALL"], nil))
        #expect(Self.matches(["States.Timeout"], "States.Timeout"))
    }

    /// States.TaskFailed matches every named error but States.Timeout.
    @Test func taskFailedIsAWildcardButForTimeouts() {
        #expect(Self.matches(["States.TaskFailed"], "CustomError"))
        #expect(Self.matches(["States.TaskFailed"], "States.TaskFailed"))
        #expect(!Self.matches(["States.TaskFailed"], "States.Timeout"))
        #expect(!Self.matches(["States.TaskFailed"], nil))
    }
}
