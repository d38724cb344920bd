import RunnerCore

/// How handlebars.js sees JSON values, for callers inside this module.
extension JSONValue {
    /// The value as the template runtime holds it, as the root of a document.
    var templateValue: TemplateValue {
        TemplateValue(self, identity: ValueIdentity(origin: 0, path: []))
    }

    /// JavaScript's `String(value)` as `{{value}}` writes it (before escaping): null as "",
    /// 2.0 as "2", arrays joined by ",", objects as "[object Object]".
    var handlebarsString: String { templateValue.outputString }

    /// The truthiness of `{{#if value}}`: false, null, "", 0, NaN and empty arrays are false.
    var isHandlebarsTruthy: Bool {
        let value = templateValue
        return value.isTruthy && !value.isEmpty
    }
}
