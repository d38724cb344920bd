import RunnerCore

/// Renders a parsed template the way handlebars.js's compiled code and runtime
/// (`javascript-compiler.js`, `runtime.js`, the built-in helpers) would.
struct TemplateRenderer {
    /// The helpers handlebars.js knows at compile time.
    static let knownHelpers: Set<String> = [
        "helperMissing", "blockHelperMissing", "each", "if", "unless", "with", "log", "lookup",
    ]

    let partials: [String: Template]
    let limits: TemplateLimits
    private(set) var output = ""
    /// Bytes already written to enclosing buffers while an indented partial renders into its own.
    private var enclosingBytes = 0
    private(set) var depth = 0
    private var nextOrigin = 1

    init(partials: [String: Template], limits: TemplateLimits) {
        self.partials = partials
        self.limits = limits
    }

    mutating func render(_ program: TemplateProgram, context: JSONValue) throws(TemplateError) -> String {
        let root = TemplateValue(context, identity: ValueIdentity(origin: 0, path: []))
        let scope = RenderScope(
            context: root,
            depths: ContextChain(root, tail: nil),
            data: DataFrame(variables: ["root": root], parent: nil),
            blockParams: nil
        )
        try renderBody(program, scope)
        return output
    }

    // MARK: - Output and limits

    mutating func append(_ text: String, at location: SourceLocation?) throws(TemplateError) {
        guard !text.isEmpty else { return }
        if enclosingBytes + output.utf8.count + text.utf8.count > limits.maxOutputBytes {
            throw TemplateError(
                .outputTooLarge,
                "output exceeds the limit of \(limits.maxOutputBytes) bytes",
                at: location
            )
        }
        output += text
    }

    mutating func enterNesting(_ what: @autoclosure () -> String, at location: SourceLocation) throws(TemplateError) {
        depth += 1
        if depth > limits.maxDepth {
            throw TemplateError(
                .depthExceeded,
                "\(what()) nests deeper than the limit of \(limits.maxDepth)",
                at: location
            )
        }
    }

    // MARK: - Programs and statements

    mutating func renderBody(_ program: TemplateProgram, _ scope: RenderScope) throws(TemplateError) {
        for statement in program.body {
            switch statement {
            case .content(let content):
                try append(content.value, at: nil)
            case .comment:
                break
            case .mustache(let mustache):
                let value = try evaluateMustache(mustache, scope)
                let text = value.outputString
                try append(mustache.escaped ? HTMLEscaping.escape(text) : text, at: mustache.location)
            case .block(let block):
                try enterNesting("block '\(block.path.original)'", at: block.location)
                try renderBlock(block, scope)
                depth -= 1
            case .partial(let partial):
                try renderPartial(partial, scope)
            }
        }
    }

    /// A block's program run by a helper (`options.fn(context, options)`); nil is `noop`.
    mutating func invoke(
        _ program: TemplateProgram?,
        context: TemplateValue,
        scope: RenderScope,
        data: DataFrame? = nil,
        blockParams: [TemplateValue]? = nil
    ) throws(TemplateError) {
        guard let program else { return }
        var depths = scope.depths
        let top = depths.head
        if !TemplateValue.looseEquals(context, top), !(context.isNullContext && isNull(top)) {
            depths = ContextChain(context, tail: depths)
        }
        let frame = BlockParamFrame(names: program.blockParams ?? [], values: blockParams, outer: scope.blockParams)
        let inner = RenderScope(context: context, depths: depths, data: data ?? scope.data, blockParams: frame)
        try renderBody(program, inner)
    }

    private func isNull(_ value: TemplateValue) -> Bool {
        if case .null = value { return true }
        return false
    }

    // MARK: - Mustaches and blocks

    private enum CallKind { case helper, simple, ambiguous }

    /// handlebars.js's `classifySexpr`.
    private func classify(_ path: PathExpression, hasArguments: Bool, _ scope: RenderScope) -> CallKind {
        let isSimple = path.isSimple
        let isBlockParam = isSimple && scope.blockParam(named: path.parts[0]) != nil
        var isHelper = !isBlockParam && hasArguments
        let isEligible = !isBlockParam && (isHelper || isSimple)
        if isEligible, !isHelper, Self.knownHelpers.contains(path.parts[0]) { isHelper = true }
        if isHelper { return .helper }
        return isEligible ? .ambiguous : .simple
    }

    private mutating func evaluateMustache(
        _ mustache: MustacheStatement,
        _ scope: RenderScope
    ) throws(TemplateError)
        -> TemplateValue
    {
        let path = mustache.path
        switch classify(path, hasArguments: !mustache.params.isEmpty || mustache.hash != nil, scope) {
        case .simple, .ambiguous:
            return try evaluatePath(path, scope)
        case .helper:
            let call = try helperCall(path, mustache.params, mustache.hash, scope, location: mustache.location)
            return try callHelper(call, program: nil, inverse: nil, isBlock: false, scope)
        }
    }

    private mutating func renderBlock(_ block: BlockStatement, _ scope: RenderScope) throws(TemplateError) {
        let path = block.path
        switch classify(path, hasArguments: !block.params.isEmpty || block.hash != nil, scope) {
        case .simple, .ambiguous:
            let value = try evaluatePath(path, scope)
            try blockHelperMissing(value, program: block.program, inverse: block.inverse, scope)
        case .helper:
            let call = try helperCall(path, block.params, block.hash, scope, location: block.location)
            let result = try callHelper(call, program: block.program, inverse: block.inverse, isBlock: true, scope)
            try append(result.outputString, at: block.location)
        }
    }

    /// Evaluates a helper's arguments; unknown helpers fail as handlebars.js's `helperMissing`.
    private mutating func helperCall(
        _ path: PathExpression,
        _ params: [TemplateExpression],
        _ hash: [HashPair]?,
        _ scope: RenderScope,
        location: SourceLocation
    ) throws(TemplateError) -> HelperCall {
        var values: [TemplateValue] = []
        for param in params { values.append(try evaluate(param, scope)) }
        let hashValues = try hash.map { pairs throws(TemplateError) in try evaluateHash(pairs, scope) }
        // `helperMissing` and `blockHelperMissing` are known names but not callable helpers.
        guard let name = path.parts.first, Self.knownHelpers.contains(name),
            name != "helperMissing", name != "blockHelperMissing"
        else {
            throw TemplateError(.missingHelper, "Missing helper: \"\(path.original)\"", at: location)
        }
        return HelperCall(name: name, params: values, hash: hashValues, location: location)
    }

    // MARK: - Partials

    private mutating func renderPartial(_ partial: PartialStatement, _ scope: RenderScope) throws(TemplateError) {
        var context = scope.context
        if let param = partial.params.first { context = try evaluate(param, scope) }
        if let hash = partial.hash {
            var members = context.enumerableMembers()
            for (key, value) in try evaluateHash(hash, scope) { members[key] = value }
            context = .object(.merged(members), ValueIdentity(origin: nextOrigin, path: []))
            nextOrigin += 1
        }
        guard let template = partials[partial.name] else {
            throw TemplateError(
                .missingPartial,
                "The partial \(partial.name) could not be found",
                at: partial.location
            )
        }
        try enterNesting("partial '\(partial.name)'", at: partial.location)
        let partialScope = RenderScope(
            context: context,
            depths: ContextChain(context, tail: nil),
            data: scope.data,
            blockParams: nil
        )
        if partial.indent.isEmpty {
            try renderBody(template.program, partialScope)
        } else {
            let enclosing = output
            let enclosingCount = enclosingBytes
            enclosingBytes += output.utf8.count
            output = ""
            try renderBody(template.program, partialScope)
            let rendered = output
            output = enclosing
            enclosingBytes = enclosingCount
            try append(Self.indent(rendered, with: partial.indent), at: partial.location)
        }
        depth -= 1
    }

    /// Prefixes every line of a standalone partial's output with its indentation, except an
    /// empty last line (handlebars.js's `invokePartialWrapper`).
    static func indent(_ text: String, with indent: String) -> String {
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var result = ""
        for (position, line) in lines.enumerated() {
            if position > 0 { result += "\n" }
            if line.isEmpty, position + 1 == lines.count { break }
            result += indent
            result += String(Substring(line))
        }
        return result
    }
}
