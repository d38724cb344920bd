/// The credentials of an `Authorization: Bearer` header (RFC 6750 §2.1).
///
/// The scheme is matched without regard to case and may be followed by any run of spaces or
/// tabs (RFC 7235 §2.1); surrounding whitespace of the token is ignored. A header of another
/// scheme, or with no token, carries no bearer token.
public enum BearerToken {
    /// The token of `authorization`, `nil` when it is not a bearer credential.
    public static func parse(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let trimmed = authorization.drop { $0 == " " || $0 == "\t" }
        let scheme = trimmed.prefix { $0 != " " && $0 != "\t" }
        guard scheme.lowercased() == "bearer" else { return nil }
        let token = trimmed.dropFirst(scheme.count).drop { $0 == " " || $0 == "\t" }
        let end = token.lastIndex { $0 != " " && $0 != "\t" }
        guard let end else { return nil }
        return String(token[...end])
    }
}
