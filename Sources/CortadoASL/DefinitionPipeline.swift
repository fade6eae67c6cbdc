import CortadoJSON

/// The one way from a definition's text to a `Program`: load (JSON or YAML, with source
/// positions), validate (every diagnostic at once, with AWS's codes), compile. The CLI, the
/// `states` API and the batch workers all go through it.
public struct CompiledDefinition: Sendable {
    /// nil when any diagnostic is an error.
    public let program: Program?
    /// Every diagnostic; warnings are kept when the definition compiles.
    public let diagnostics: [Diagnostic]
    /// The loaded document (nil when it did not load).
    public let json: JSON?

    /// The errors among `diagnostics`.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// The program, or the error diagnostics.
    public var result: Result<Program, [Diagnostic]> {
        if let program { return .success(program) }
        return .failure(errors.isEmpty ? diagnostics : errors)
    }

    /// A program of its own for another thread, compiled again from the loaded document
    /// with no reloading or validation. (Workers that share one program contend on its
    /// reference counts: pass-choice on 2 workers ran only 1.2x faster than on 1.)
    public func freshProgram() -> Program? {
        guard program != nil, let json, case .success(let p) = Compiler.compile(json) else { return program }
        return p
    }
}

public enum DefinitionPipeline {
    /// Loads, validates and compiles `bytes` (`fileName` names it in diagnostics and picks
    /// YAML for `.yaml`/`.yml`).
    public static func compile(bytes: [UInt8], fileName: String?) -> CompiledDefinition {
        finish(DefinitionLoader.load(bytes: bytes, fileName: fileName), express: false)
    }

    /// The same for text (the API's `definition` field); `express`: for an EXPRESS state
    /// machine (`Validator.validate`).
    public static func compile(text: String, fileName: String? = nil, express: Bool = false) -> CompiledDefinition {
        finish(DefinitionLoader.load(text: text, fileName: fileName), express: express)
    }

    static func finish(_ loaded: Result<LoadedDefinition, [Diagnostic]>, express: Bool) -> CompiledDefinition {
        let l: LoadedDefinition
        switch loaded {
        case .success(let x): l = x
        case .failure(let d): return CompiledDefinition(program: nil, diagnostics: d, json: nil)
        }
        let diagnostics = Validator.validate(l.json, sourceMap: l.sourceMap, express: express)
        if diagnostics.contains(where: { $0.severity == .error }) {
            return CompiledDefinition(program: nil, diagnostics: diagnostics, json: l.json)
        }
        switch Compiler.compile(l.json) {
        case .success(let p): return CompiledDefinition(program: p, diagnostics: diagnostics, json: l.json)
        case .failure(let d): return CompiledDefinition(program: nil, diagnostics: diagnostics + d, json: l.json)
        }
    }
}
