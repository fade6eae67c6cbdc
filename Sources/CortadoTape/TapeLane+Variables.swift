import CortadoJSON

// Workflow variables on the lane (`TapeProgram+Variables`): a line's variables are a node
// per slot (-1: not set), reset for each line. Nodes never change in place, so a variable
// holds its value by index, and a child's copy of the variables is a copy of the indices.
extension TapeLane {
    /// Assign `span`: every value is built from `input` (what the state's Assign reads) with
    /// the variables as they are, then all are stored. A value over the payload limit goes to
    /// the general engine, which applies AWS's limits. `entry`: the state's trail entry.
    @inline(__always)
    func assign(_ span: Span, _ input: Int32, entry: Int) throws(Bail) {
        guard span.count > 0 else { return }
        try assignAll(span, input, entry: entry)
    }

    @inline(never)
    func assignAll(_ span: Span, _ input: Int32, entry: Int) throws(Bail) {
        storeAll(span, try buildAll(span, input), entry: entry)
    }

    /// `assign` in two halves, for a JSONPath state whose OutputPath reads the variables as
    /// they were (AWS's order, the interpreter's `exit`): the values built first (their
    /// errors come first), kept aside (-1: no Assign), then stored once the output is made.
    @inline(__always)
    func assignValues(_ span: Span, _ input: Int32) throws(Bail) -> Int {
        guard span.count > 0 else { return -1 }
        return try buildAll(span, input)
    }

    @inline(__always)
    func storeAssigned(_ span: Span, _ mark: Int, entry: Int) {
        if mark >= 0 { storeAll(span, mark, entry: entry) }
    }

    /// Builds Assign `span`'s values onto `assigned`; returns where they start.
    @inline(never)
    func buildAll(_ span: Span, _ input: Int32) throws(Bail) -> Int {
        let mark = assigned.count
        var total = 0
        for k in Int(span.start)..<Int(span.start &+ span.count) {
            let v = try evaluate(assignments[k].template, input, -1, 0)
            total &+= Int(tape.nodes[Int(v)].size)
            guard total <= payloadLimit else { throw Bail() }
            assigned.append(v)
        }
        return mark
    }

    @inline(never)
    func storeAll(_ span: Span, _ mark: Int, entry: Int) {
        for k in 0..<Int(span.count) {
            variables[Int(assignments[Int(span.start) &+ k].slot)] = assigned[mark &+ k]
        }
        if recordsValues { recordAssigned(span, from: mark, entry: entry) }
        assigned.truncate(to: mark)
    }

    /// Value `v` of the last line run as JSON (for a host that needs it owned: logs).
    public func json(_ v: Int32) -> JSON? { try? tape.materialize(v) }

    /// Runs a Map iteration or a Parallel branch on a copy of the variables: what it assigns
    /// stays inside it.
    @inline(__always)
    func runChild(_ first: Int32, _ input: Int32) throws(Bail) -> Int32 {
        // (The parent's Output and Assign read its own entered time after the child's, and
        // its Retry parks with its own input and entry.)
        childDepth += 1
        let entered = (enteredWaitedMs, enteredInput, enteredEntry)
        defer { childDepth -= 1; (enteredWaitedMs, enteredInput, enteredEntry) = entered }
        let n = variableCount
        guard n > 0 else { return try childMachine(first, input) }
        let mark = savedVariables.count
        for k in 0..<n { savedVariables.append(variables[k]) }
        let r = try childMachine(first, input)
        variables.update(from: savedVariables.base + mark, count: n)
        savedVariables.truncate(to: mark)
        return r
    }

    /// A child's machine: an error one of its states raised (`childError`) fails the child
    /// with it.
    @inline(__always)
    func childMachine(_ first: Int32, _ input: Int32) throws(Bail) -> Int32 {
        do { return try runMachine(first, input) } catch {
            guard let e = childRaised else { throw error }
            childRaised = nil
            lastChildRaised = e
            failedWith = e
            sawFailure = true
            return failedLine
        }
    }

    /// The object of the variables Assign `span` just gave (values from `assigned` at `mark`),
    /// recorded for the state's exited event.
    func recordAssigned(_ span: Span, from mark: Int, entry: Int) {
        let t = tape
        let o = t.newObject(count: Int(span.count))
        let at = Int(t.nodes[Int(o)].first)
        for k in 0..<Int(span.count) {
            t.links[at + 2 * k] = code.variableNames[Int(assignments[Int(span.start) + k].slot)]
            t.links[at + 2 * k + 1] = assigned[mark + k]
        }
        t.seal(o)
        trailAssigned.base[entry] = o
    }
}
