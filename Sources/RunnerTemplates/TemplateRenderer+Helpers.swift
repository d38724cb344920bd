/// Expressions, paths and the built-in helpers (`lib/handlebars/helpers/*.js`).

/// A built-in helper with its evaluated arguments.
struct HelperCall {
    var name: String
    var params: [TemplateValue]
    var hash: [String: TemplateValue]?
    var location: SourceLocation
}

extension TemplateRenderer {
    // MARK: - Expressions

    func evaluate(_ expression: TemplateExpression, _ scope: RenderScope) throws(TemplateError) -> TemplateValue {
        switch expression {
        case .literal(let literal): return literal.value
        case .path(let path): return try evaluatePath(path, scope)
        }
    }

    /// Hash arguments; when a key repeats, the first one wins (handlebars.js assigns them in
    /// reverse order).
    func evaluateHash(_ pairs: [HashPair], _ scope: RenderScope) throws(TemplateError) -> [String: TemplateValue] {
        var values: [String: TemplateValue] = [:]
        for pair in pairs where values[pair.key] == nil {
            values[pair.key] = try evaluate(pair.value, scope)
        }
        return values
    }

    /// handlebars.js's `PathExpression` compilation: block params, then `this`-like references,
    /// then `@data`, then the context `depth` levels up.
    func evaluatePath(_ path: PathExpression, _ scope: RenderScope) throws(TemplateError) -> TemplateValue {
        if path.depth == 0, !path.isScoped, let name = path.parts.first,
            let (frame, position) = scope.blockParam(named: name)
        {
            guard let values = frame.values else {
                throw TemplateError(
                    .invalidArguments,
                    "block parameter '\(name)' is not provided by its block",
                    at: path.location
                )
            }
            var current = position < values.count ? values[position] : .undefined
            for part in path.parts.dropFirst() where !current.isNullish {
                current = current.property(part)
            }
            return current
        }
        guard let first = path.parts.first, !first.isEmpty else {
            return scope.context(at: path.depth)
        }
        if path.isData {
            // Data lookups stop at any falsy value: `data && data.a && data.a.b`.
            guard let frame = scope.data.ancestor(path.depth) else { return .undefined }
            var current = frame.variable(first)
            for part in path.parts.dropFirst() where current.isTruthy {
                current = current.property(part)
            }
            return current
        }
        var current = scope.context(at: path.depth)
        for part in path.parts where !current.isNullish {
            current = current.property(part)
        }
        return current
    }

    // MARK: - Built-in helpers

    /// Runs a built-in helper. Block helpers write their output and return `undefined`.
    mutating func callHelper(
        _ call: HelperCall,
        program: TemplateProgram?,
        inverse: TemplateProgram?,
        isBlock: Bool,
        _ scope: RenderScope
    ) throws(TemplateError) -> TemplateValue {
        // Helpers are called with `this` = the context, or `nullContext` where it is null.
        let this = scope.context.isNullish ? TemplateValue.nullContext : scope.context
        switch call.name {
        case "lookup":
            guard let object = call.params.first else { throw invalid("lookup requires two arguments", call) }
            if !object.isTruthy { return object }
            guard call.params.count == 2 else { throw invalid("lookup requires two arguments", call) }
            return object.property(call.params[1].propertyKey)
        case "log":
            return .undefined
        default:
            break
        }
        guard call.params.count == 1 else { throw invalid("#\(call.name) requires exactly one argument", call) }
        guard isBlock else { throw invalid("'\(call.name)' can only be used as a block ('{{#\(call.name)}}')", call) }
        let argument = call.params[0]
        switch call.name {
        case "if", "unless":
            let includeZero = call.hash?["includeZero"]?.isTruthy ?? false
            let isFalse = (!includeZero && !argument.isTruthy) || argument.isEmpty
            let (whenTrue, whenFalse) = call.name == "if" ? (program, inverse) : (inverse, program)
            try invoke(isFalse ? whenFalse : whenTrue, context: this, scope: scope)
        case "with":
            if argument.isEmpty {
                try invoke(inverse, context: this, scope: scope)
            } else {
                try invoke(program, context: argument, scope: scope, blockParams: [argument])
            }
        default:  // each
            if try each(argument, program: program, inverse: inverse, scope) == 0 {
                try invoke(inverse, context: this, scope: scope)
            }
        }
        return .undefined
    }

    private func invalid(_ message: String, _ call: HelperCall) -> TemplateError {
        TemplateError(.invalidArguments, message, at: call.location)
    }

    /// The iteration of `#each`; returns how many items it rendered.
    private mutating func each(
        _ collection: TemplateValue,
        program: TemplateProgram?,
        inverse: TemplateProgram?,
        _ scope: RenderScope
    ) throws(TemplateError) -> Int {
        switch collection {
        case .array(let elements, let identity):
            for (position, element) in elements.enumerated() {
                let item = TemplateValue(element, identity: identity.appending(String(position)))
                let frame = scope.data.child(setting: [
                    "key": .int(Int64(position)), "index": .int(Int64(position)), "first": .bool(position == 0),
                    "last": .bool(position == elements.count - 1),
                ])
                try invoke(program, context: item, scope: scope, data: frame, blockParams: [item, .int(Int64(position))])
            }
            return elements.count
        case .object(let members, _):
            // JSON objects are unordered: keys are visited in sorted (UTF-8 byte) order.
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (position, key) in keys.enumerated() {
                let item = collection.property(key)
                let frame = scope.data.child(setting: [
                    "key": .string(key), "index": .int(Int64(position)), "first": .bool(position == 0),
                    "last": .bool(position == keys.count - 1),
                ])
                try invoke(program, context: item, scope: scope, data: frame, blockParams: [item, .string(key)])
            }
            return keys.count
        default:
            return 0
        }
    }

    /// `{{#name}}` where `name` is not a helper: handlebars.js's `blockHelperMissing`.
    mutating func blockHelperMissing(
        _ value: TemplateValue,
        program: TemplateProgram?,
        inverse: TemplateProgram?,
        _ scope: RenderScope
    ) throws(TemplateError) {
        switch value {
        case .bool(true):
            try invoke(program, context: scope.context, scope: scope)
        case .bool(false), .undefined, .null:
            try invoke(inverse, context: scope.context, scope: scope)
        case .array(let elements, _):
            if elements.isEmpty {
                try invoke(inverse, context: scope.context, scope: scope)
            } else {
                _ = try each(value, program: program, inverse: inverse, scope)
            }
        default:
            try invoke(program, context: value, scope: scope, blockParams: [])
        }
    }
}
