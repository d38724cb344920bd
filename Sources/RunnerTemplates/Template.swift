public import RunnerCore

/// A Handlebars template, parsed once and rendered many times.
///
/// The engine follows handlebars.js 4.7 (the reference implementation), including its
/// whitespace and standalone-line rules, and supports: `{{path}}` (HTML-escaped), `{{{path}}}`
/// and `{{& path}}`, paths (`a.b`, `a/b`, `this`, `./x`, `../x`, `@root`, `[any key]`,
/// `@index`, `@key`, `@first`, `@last`), comments, `~` whitespace control, `\{{` escapes, the
/// built-in helpers `#if`/`else if`, `#unless`, `#each` (with `as |item index|`), `#with`,
/// `lookup` and `log`, sections on context values (`{{#name}}`, `{{^name}}`), and partials
/// (`{{> name}}`, `{{> name context}}`, `{{> name key=value}}`).
///
/// Decorators, inline partials, partial blocks, raw blocks, subexpressions and dynamic partials
/// are rejected with `TemplateError.Code.unsupported`. Custom helpers do not exist: calling any
/// other helper fails with `.missingHelper`, as handlebars.js does without it registered.
public struct Template: Sendable {
    let program: TemplateProgram

    /// Parses once; throws `TemplateError` with line and column for syntax errors.
    public init(_ source: String) throws(TemplateError) {
        program = try TemplateParser.parse(source)
    }

    /// Renders against `context`. `partials` maps partial name -> parsed Template.
    public func render(
        _ context: JSONValue,
        partials: [String: Template] = [:],
        limits: TemplateLimits = .init()
    ) throws(TemplateError) -> String {
        var renderer = TemplateRenderer(partials: partials, limits: limits)
        return try renderer.render(program, context: context)
    }
}
