/// Validation of Semantic Versioning 2.0.0 strings, as strict as Rust's `semver::Version::parse`:
/// `MAJOR.MINOR.PATCH`, optional `-prerelease` and `+build`, no leading zeros in numbers.
enum SemanticVersion {
    /// Whether `text` is a valid semantic version.
    static func isValid(_ text: String) -> Bool {
        var core = Substring(text)
        var build: Substring?
        if let plus = core.firstIndex(of: "+") {
            build = core[core.index(after: plus)...]
            core = core[..<plus]
        }
        var prerelease: Substring?
        if let dash = core.firstIndex(of: "-") {
            prerelease = core[core.index(after: dash)...]
            core = core[..<dash]
        }
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers.allSatisfy(isNumericIdentifier) else { return false }
        if let prerelease {
            let parts = prerelease.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ isAlphanumericIdentifier($0) && (!isDigits($0) || isNumericIdentifier($0)) })
            else { return false }
        }
        if let build {
            let parts = build.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.allSatisfy(isAlphanumericIdentifier) else { return false }
        }
        return true
    }

    private static func isDigits(_ part: Substring) -> Bool {
        !part.isEmpty && part.utf8.allSatisfy { (48...57).contains($0) }
    }

    private static func isNumericIdentifier(_ part: Substring) -> Bool {
        isDigits(part) && (part == "0" || part.first != "0") && part.count <= 19
    }

    private static func isAlphanumericIdentifier(_ part: Substring) -> Bool {
        !part.isEmpty
            && part.utf8.allSatisfy {
                (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45
            }
    }
}
