import CortadoJSON

/// A definition read from JSON or YAML text, with where each of its values starts.
public struct LoadedDefinition: Sendable {
    public let json: JSON
    /// Positions by JSON pointer; nil when the definition did not come from text.
    public let sourceMap: SourceMap?

    public init(json: JSON, sourceMap: SourceMap?) {
        self.json = json
        self.sourceMap = sourceMap
    }
}

/// Reads state machine definitions (JSON or YAML) into `JSON` plus a `SourceMap`.
public enum DefinitionLoader {
    /// Loads a definition from its bytes.
    ///
    /// The text is read as JSON when its first non-blank character is `{` or the file name
    /// ends in `.json`; as YAML when the name ends in `.yaml`/`.yml` or it is not JSON.
    /// Problems are returned as diagnostics, never thrown: `INVALID_JSON_DESCRIPTION`
    /// (with line and column) for text that does not parse, `SCHEMA_VALIDATION_FAILED`
    /// "Definition must be a valid JSON object" for empty text or a non-object.
    /// - Parameters:
    ///   - bytes: the definition text, UTF-8.
    ///   - fileName: the file's name, used only for its extension.
    public static func load(bytes: [UInt8], fileName: String?) -> Result<LoadedDefinition, [Diagnostic]> {
        let format = Format.detect(bytes: bytes, fileName: fileName)
        if bytes.allSatisfy(isBlank) {
            return .failure([.notAnObject()])
        }
        switch format {
        case .json:
            return loadJSON(bytes)
        case .yaml:
            return YAMLDefinitionReader.load(bytes) ?? .failure([.notAnObject()])
        case .guessedYAML:
            // NOTE: AWS reads only JSON, so text that is not YAML, or is a lone YAML scalar,
            // gets AWS's JSON diagnostics (`not a definition` -> INVALID_JSON_DESCRIPTION).
            return YAMLDefinitionReader.load(bytes, guessing: true) ?? loadJSON(bytes)
        }
    }

    /// Loads a definition from text; see `load(bytes:fileName:)`.
    public static func load(text: String, fileName: String? = nil) -> Result<LoadedDefinition, [Diagnostic]> {
        load(bytes: Array(text.utf8), fileName: fileName)
    }

    enum Format { case json, yaml, guessedYAML

        static func detect(bytes: [UInt8], fileName: String?) -> Format {
            if let name = fileName?.lowercased() {
                if name.hasSuffix(".json") { return .json }
                if name.hasSuffix(".yaml") || name.hasSuffix(".yml") { return .yaml }
            }
            var i = 0
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
            while i < bytes.count, isBlank(bytes[i]) { i += 1 }
            if i < bytes.count, bytes[i] == UInt8(ascii: "{") { return .json }
            return .guessedYAML
        }
    }

    @inline(__always)
    static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func loadJSON(_ bytes: [UInt8]) -> Result<LoadedDefinition, [Diagnostic]> {
        var body = bytes
        if body.count >= 3, body[0] == 0xEF, body[1] == 0xBB, body[2] == 0xBF { body.removeFirst(3) }
        let json: JSON
        do {
            json = try JSON.parse(body)
        } catch {
            if error.kind == .emptyInput { return .failure([.notAnObject()]) }
            return .failure([.invalidJSON(error, text: body)])
        }
        guard case .object = json else { return .failure([.notAnObject()]) }
        return .success(LoadedDefinition(json: json, sourceMap: JSONSourceScanner.scan(bytes)))
    }
}
