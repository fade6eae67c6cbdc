import CortadoASL
import CortadoJSON
import CortadoPath

/// One variable an Assign gives: its slot (`TapeCompiler.slot`) and the template of its value.
struct TAssignment {
    var slot: Int32
    var template: Int32
}

// Workflow variables on the lane (the rules are the interpreter's, Assign.swift): each name
// is a slot of the line's variables, an Assign a span of `TapeCode.assignments` whose values
// are computed with the old variables and stored together, and a Map iteration or Parallel
// branch runs on a copy of the variables of the state that runs it.
extension TapeCompiler {
    /// The slot of variable `name`.
    mutating func slot(named name: String) -> Int32 {
        if let s = variableSlots[name] { return s }
        let s = Int32(variableSlots.count)
        variableSlots[name] = s
        return s
    }

    /// An Assign field compiled: its variables in `TapeCode.assignments` (empty without one).
    /// The field is an object of names in either query language; a whole `{% %}` expression
    /// stays on the general engine.
    mutating func assign(_ field: FieldTemplate?) throws(Unsupported) -> Span {
        guard let field else { return .empty }
        var compiled: [TAssignment] = []
        switch field {
        case .jsonPath(.object(let ms)):
            for m in ms { compiled.append(TAssignment(slot: slot(named: m.key), template: try template(m.value, item: false))) }
        case .jsonata(.object(let ms)):
            for m in ms { compiled.append(TAssignment(slot: slot(named: m.key), template: try jsonataTemplate(m.value))) }
        case .jsonPath(.literal(.object(let o))), .jsonata(.literal(.object(let o))):
            for m in o.members {
                code.templates.append(.constant(constant(m.value)))
                compiled.append(TAssignment(slot: slot(named: m.key), template: Int32(code.templates.count - 1)))
            }
        default:
            throw Unsupported("Assign that is not an object of variables in state '\(stateName)'")
        }
        let span = Span(start: Int32(code.assignments.count), count: Int32(compiled.count))
        code.assignments.append(contentsOf: compiled)
        return span
    }

    /// The workflow variables an intrinsic call reads (`$name` arguments, nested calls too),
    /// by name and slot.
    mutating func variables(in call: IntrinsicCall) -> [(name: String, slot: Int32)] {
        var out: [(name: String, slot: Int32)] = []
        for a in call.arguments {
            switch a {
            case .literal: break
            case .path(let p): if let name = p.variable { out.append((name, slot(named: name))) }
            case .call(let c): out.append(contentsOf: variables(in: c))
            }
        }
        return out
    }
}
