import Foundation

/// `text` with every UUID (`States.UUID`'s, random per call) replaced by one placeholder, so
/// two runs of a definition that calls it compare equal apart from those.
public func maskingUUIDs(_ text: String) -> String {
    text.replacingOccurrences(of: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                              with: "<uuid>", options: .regularExpression)
}
