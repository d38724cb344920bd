/// A port of handlebars.js's `compiler/whitespace-control.js`: `~` stripping and the removal of
/// "standalone" lines (a line holding only a block, `{{else}}`, comment or partial tag).
enum WhitespaceControl {
    /// What a statement asks of its neighbours.
    private struct Strip {
        var open = false
        var close = false
        var openStandalone = false
        var closeStandalone = false
        var inlineStandalone = false
    }

    static func apply(to program: inout TemplateProgram) {
        visitProgram(&program, isRoot: true)
    }

    private static func visitProgram(_ program: inout TemplateProgram, isRoot: Bool) {
        for index in program.body.indices {
            guard let strip = visitStatement(&program.body[index]) else { continue }
            let isPrevWhitespace = WhitespaceRules.isPrevWhitespace(program.body, index, isRoot: isRoot)
            let isNextWhitespace = WhitespaceRules.isNextWhitespace(program.body, index, isRoot: isRoot)
            let openStandalone = strip.openStandalone && isPrevWhitespace
            let closeStandalone = strip.closeStandalone && isNextWhitespace
            let inlineStandalone = strip.inlineStandalone && isPrevWhitespace && isNextWhitespace

            if strip.close { WhitespaceRules.omitRight(&program.body, index, multiple: true) }
            if strip.open { WhitespaceRules.omitLeft(&program.body, index, multiple: true) }

            if inlineStandalone {
                WhitespaceRules.omitRight(&program.body, index)
                if WhitespaceRules.omitLeft(&program.body, index), case .partial(var partial) = program.body[index],
                    case .content(let previous) = program.body[index - 1]
                {
                    // Save the indentation of a standalone partial, to prefix its lines with.
                    partial.indent = WhitespaceRules.trailingIndent(previous.original)
                    program.body[index] = .partial(partial)
                }
            }
            if openStandalone, case .block(var block) = program.body[index] {
                withProgramOrInverse(&block) { WhitespaceRules.omitRight(&$0.body, nil) }
                program.body[index] = .block(block)
                WhitespaceRules.omitLeft(&program.body, index)
            }
            if closeStandalone, case .block(var block) = program.body[index] {
                WhitespaceRules.omitRight(&program.body, index)
                withInverseOrProgram(&block) { WhitespaceRules.omitLeft(&$0.body, nil) }
                program.body[index] = .block(block)
            }
        }
    }

    private static func visitStatement(_ statement: inout TemplateStatement) -> Strip? {
        switch statement {
        case .content:
            return nil
        case .mustache(let mustache):
            return Strip(open: mustache.strip.open, close: mustache.strip.close)
        case .comment(let flags):
            return Strip(open: flags.open, close: flags.close, inlineStandalone: true)
        case .partial(let partial):
            return Strip(open: partial.strip.open, close: partial.strip.close, inlineStandalone: true)
        case .block(var block):
            let strip = visitBlock(&block)
            statement = .block(block)
            return strip
        }
    }

    private static func visitBlock(_ block: inout BlockStatement) -> Strip {
        change(&block.program) { visitProgram(&$0, isRoot: false) }
        change(&block.inverse) { visitProgram(&$0, isRoot: false) }

        // `program` is the first branch that exists; `inverse` only counts next to a program. The
        // checks read `original` text only, so they can all be made before anything is trimmed.
        let hasInverse = block.program != nil && block.inverse != nil
        let (strip, isStandaloneElse) = standaloneChecks(block, hasInverse: hasInverse)

        if block.openStrip.close {
            withProgramOrInverse(&block) { WhitespaceRules.omitRight(&$0.body, nil, multiple: true) }
        }
        if hasInverse {
            if block.inverseStrip.open {
                withProgramOrInverse(&block) { WhitespaceRules.omitLeft(&$0.body, nil, multiple: true) }
            }
            if block.inverseStrip.close {
                withFirstInverse(&block) { WhitespaceRules.omitRight(&$0.body, nil, multiple: true) }
            }
            if block.closeStrip.open {
                withLastInverse(&block) { WhitespaceRules.omitLeft(&$0.body, nil, multiple: true) }
            }
            if isStandaloneElse {
                withProgramOrInverse(&block) { WhitespaceRules.omitLeft(&$0.body, nil) }
                withFirstInverse(&block) { WhitespaceRules.omitRight(&$0.body, nil) }
            }
        } else if block.closeStrip.open {
            withProgramOrInverse(&block) { WhitespaceRules.omitLeft(&$0.body, nil, multiple: true) }
        }
        return strip
    }

    private static func standaloneChecks(_ block: BlockStatement, hasInverse: Bool) -> (Strip, Bool) {
        let programBody = (block.program ?? block.inverse)?.body ?? []
        let firstInverseBody = hasInverse ? firstInverse(of: block)?.body ?? [] : nil
        let strip = Strip(
            open: block.openStrip.open,
            close: block.closeStrip.close,
            openStandalone: WhitespaceRules.isNextWhitespace(programBody, nil, isRoot: false),
            closeStandalone: WhitespaceRules.isPrevWhitespace(firstInverseBody ?? programBody, nil, isRoot: false)
        )
        // A standalone `{{else}}`: its line holds nothing else.
        let isStandaloneElse =
            firstInverseBody.map {
                WhitespaceRules.isPrevWhitespace(programBody, nil, isRoot: false)
                    && WhitespaceRules.isNextWhitespace($0, nil, isRoot: false)
            } ?? false
        return (strip, isStandaloneElse)
    }

    /// Applies `change` to a program that may be absent, without copying its statements.
    @discardableResult
    private static func change(_ program: inout TemplateProgram?, _ change: (inout TemplateProgram) -> Void) -> Bool {
        guard var value = program else { return false }
        program = nil
        change(&value)
        program = value
        return true
    }

    // MARK: - Branch access (`block.program || block.inverse`, `firstInverse`, `lastInverse`)

    private static func firstInverse(of block: BlockStatement) -> TemplateProgram? {
        guard let inverse = block.inverse else { return nil }
        if inverse.chained, case .block(let chained)? = inverse.body.first { return chained.program }
        return inverse
    }

    private static func withProgramOrInverse(_ block: inout BlockStatement, _ change: (inout TemplateProgram) -> Void) {
        if !Self.change(&block.program, change) { Self.change(&block.inverse, change) }
    }

    private static func withInverseOrProgram(_ block: inout BlockStatement, _ change: (inout TemplateProgram) -> Void) {
        if !Self.change(&block.inverse, change) { Self.change(&block.program, change) }
    }

    private static func withFirstInverse(_ block: inout BlockStatement, _ change: (inout TemplateProgram) -> Void) {
        guard var inverse = block.inverse else { return }
        if inverse.chained, case .block(var chained)? = inverse.body.first {
            Self.change(&chained.program, change)
            inverse.body[0] = .block(chained)
        } else {
            change(&inverse)
        }
        block.inverse = inverse
    }

    /// handlebars.js walks `lastInverse = lastInverse.body[last].program` while it is chained.
    private static func withLastInverse(_ block: inout BlockStatement, _ change: (inout TemplateProgram) -> Void) {
        guard var inverse = block.inverse else { return }
        withLastOfChain(&inverse, change)
        block.inverse = inverse
    }

    private static func withLastOfChain(_ program: inout TemplateProgram, _ change: (inout TemplateProgram) -> Void) {
        guard program.chained, let last = program.body.indices.last, case .block(var chained) = program.body[last],
            var next = chained.program
        else {
            change(&program)
            return
        }
        withLastOfChain(&next, change)
        chained.program = next
        program.body[last] = .block(chained)
    }
}
