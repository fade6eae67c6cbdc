// Which machine each state belongs to: the top machine, or a Map iteration's or a Parallel
// branch's (at any depth). States of one machine reach one another only through their
// transitions (Next, a Choice's rules and Default, a Catcher's Next); children are entered
// only by running their state.
extension Program {
    /// The states the machine starting at `start` reaches through its transitions.
    public func states(from start: PC) -> Set<PC> {
        var seen = Set<PC>(), todo = [start]
        while let pc = todo.popLast() {
            guard seen.insert(pc).inserted else { continue }
            if let n = headers[Int(pc)].next { todo.append(n) }
            switch code[Int(pc)] {
            case .choice(let c):
                todo.append(contentsOf: c.choices.map(\.next))
                if let d = c.defaultNext { todo.append(d) }
            case .task(let s): todo.append(contentsOf: s.processing.catchers.map(\.next))
            case .parallel(let s): todo.append(contentsOf: s.processing.catchers.map(\.next))
            case .map(let s): todo.append(contentsOf: s.processing.catchers.map(\.next))
            case .pass, .wait, .succeed, .fail: break
            }
        }
        return seen
    }

    /// By pc: the state runs in a Map iteration or a Parallel branch, not in the top machine.
    public func inChildren() -> [Bool] {
        let top = states(from: main.start)
        return code.indices.map { !top.contains(PC($0)) }
    }
}
