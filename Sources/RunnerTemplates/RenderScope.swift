/// handlebars.js's `@data` frames: `@root`, and `@index`, `@key`, `@first`, `@last` inside
/// `#each`. A child frame starts with a copy of its parent's variables (`createFrame`).
final class DataFrame {
    private let variables: [String: TemplateValue]
    let parent: DataFrame?

    init(variables: [String: TemplateValue], parent: DataFrame?) {
        self.variables = variables
        self.parent = parent
    }

    /// `createFrame(self)` followed by assignments.
    func child(setting changes: [String: TemplateValue]) -> DataFrame {
        DataFrame(variables: variables.merging(changes) { _, new in new }, parent: self)
    }

    func variable(_ name: String) -> TemplateValue {
        variables[name] ?? .undefined
    }

    /// `@../name`: the frame `depth` levels up.
    func ancestor(_ depth: Int) -> DataFrame? {
        var frame: DataFrame? = self
        var remaining = depth
        while remaining > 0, let current = frame {
            frame = current.parent
            remaining -= 1
        }
        return frame
    }
}

/// handlebars.js's `depths` array as a persistent list: `depths[0]` is `head`.
final class ContextChain {
    let head: TemplateValue
    let tail: ContextChain?

    init(_ head: TemplateValue, tail: ContextChain?) {
        self.head = head
        self.tail = tail
    }

    /// `depths[depth]`, or `undefined` past the outermost context.
    func context(at depth: Int) -> TemplateValue {
        var link: ContextChain? = self
        var remaining = depth
        while remaining > 0, let current = link {
            link = current.tail
            remaining -= 1
        }
        return link?.head ?? .undefined
    }
}

/// The block parameters (`as |item index|`) of one program invocation, and those around it.
final class BlockParamFrame {
    let names: [String]
    /// nil when the helper that ran the program passed none (JavaScript then fails on use).
    let values: [TemplateValue]?
    let outer: BlockParamFrame?

    init(names: [String], values: [TemplateValue]?, outer: BlockParamFrame?) {
        self.names = names
        self.values = values
        self.outer = outer
    }
}

/// Everything a statement is rendered against.
struct RenderScope {
    /// `depth0`, the current context (`this`).
    var context: TemplateValue
    var depths: ContextChain
    var data: DataFrame
    var blockParams: BlockParamFrame?

    /// The innermost frame declaring `name`, and its position there.
    func blockParam(named name: String) -> (frame: BlockParamFrame, index: Int)? {
        var frame = blockParams
        while let current = frame {
            if let index = current.names.firstIndex(of: name) { return (current, index) }
            frame = current.outer
        }
        return nil
    }

    /// The context `depth` levels of `../` up (`depth0` or `depths[depth]`).
    func context(at depth: Int) -> TemplateValue {
        depth == 0 ? context : depths.context(at: depth)
    }
}
