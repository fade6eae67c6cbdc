import CortadoJSON
@testable import CortadoJSONata

/// Evaluates `expr` against the JSON text `input` (nil = no input) and returns the compact
/// serialization of the result, or nil when it is undefined.
func ev(_ expr: String, _ input: String? = nil, bindings: [String: JSON] = [:],
        options: JSONataOptions = .standard) throws(JSONataError) -> String? {
    let e = try JSONataExpression(expr, options: options)
    let json = input.map { try! JSON.parse($0) }
    return try e.evaluate(json, bindings: bindings)?.serialized
}

/// The error code `expr` fails with, or nil when it succeeds.
func errorCode(_ expr: String, _ input: String? = nil, options: JSONataOptions = .standard) -> String? {
    do {
        _ = try ev(expr, input, options: options)
        return nil
    } catch {
        return error.code
    }
}

/// Deterministic generator for fuzzing.
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let accountJSON = #"""
{"Account":{"Name":"Firefly","Order":[
 {"OrderID":"o1","Product":[{"Name":"Hat","Price":34.45,"Quantity":2},{"Name":"Cloak","Price":107.99,"Quantity":1}]},
 {"OrderID":"o2","Product":[{"Name":"Hat","Price":34.45,"Quantity":4},{"Name":"Boots","Price":21.67,"Quantity":1}]}]}}
"""#
