public import Foundation

/// Where a pack lives, as written in an index entry and resolved per reference §2.2 with the
/// relative-path defect fixed.
///
/// Forms:
/// - a path without a scheme (`./packs/x.gtpack`, `packs/x.gtpack`, `/abs/x.gtpack`): relative
///   paths are resolved against the index file's directory (or, for an index fetched over
///   HTTP, against the index URL); with no index location they follow `PACK_SOURCE`
///   (`fs`, the default, resolves against the working directory; any other source is an error,
///   as in the original);
/// - `fs:///abs/path` or `fs://relative/path` (relative to the index directory), and `file:///abs`;
/// - `scheme://rest` for `http`, `https`, `oci`, `s3`, `gcs`, `azblob` or any other scheme a
///   resolver is registered for;
/// - `logical+actual://rest`: the resolver registered for `logical` receives `actual://rest`
///   (e.g. `s3+https://bucket.s3.amazonaws.com/p.gtpack`).
public struct PackLocator: Sendable, Hashable, CustomStringConvertible {
    /// Where the index came from: the base for relative locators.
    public enum Base: Sendable, Hashable {
        /// No index location: relative paths follow `PACK_SOURCE` and the working directory.
        case none
        /// The index is a local file in this directory.
        case directory(URL)
        /// The index was fetched from this URL.
        case url(URL)
    }

    /// The locator as written in the index.
    public let original: String
    /// The lower-cased scheme that picks the resolver (the `logical` part of `logical+actual`).
    public let resolverScheme: String
    /// The lower-cased scheme of ``target``.
    public let targetScheme: String
    /// What the resolver fetches, e.g. `fs:///srv/packs/x.gtpack` or `https://host/x.gtpack`.
    public let target: String
    /// The absolute file URL, for `fs` and `file` locators.
    public let fileURL: URL?

    /// Parses `text` relative to `base`.
    ///
    /// - Parameters:
    ///   - packSource: The `PACK_SOURCE` value (`nil` means `fs`), consulted only for a
    ///     scheme-less locator when `base` is ``Base/none``.
    /// - Throws: ``PackError/Code/locatorInvalid`` saying what is wrong.
    public init(parsing text: String, base: Base = .none, packSource: String? = nil) throws(PackError) {
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else {
            throw PackError(code: .locatorInvalid, message: "the locator is empty; give a path or a URL")
        }
        guard let separator = trimmed.range(of: "://") else {
            self = try Self.schemeless(trimmed, original: text, base: base, packSource: packSource)
            return
        }
        let scheme = trimmed[..<separator.lowerBound].lowercased()
        let rest = String(trimmed[separator.upperBound...])
        let schemeBytes = Array(scheme.utf8)
        guard let first = schemeBytes.first, (97...122).contains(first),
            schemeBytes.allSatisfy({
                (97...122).contains($0) || (48...57).contains($0) || $0 == 43 || $0 == 45 || $0 == 46
            })
        else {
            throw PackError(code: .locatorInvalid, message: "locator `\(text)` has an invalid scheme `\(scheme)`")
        }
        var logical = scheme
        var actual = scheme
        if let plus = scheme.firstIndex(of: "+") {
            logical = String(scheme[..<plus])
            actual = String(scheme[scheme.index(after: plus)...])
            guard !logical.isEmpty, !actual.isEmpty, !actual.contains("+") else {
                throw PackError(
                    code: .locatorInvalid,
                    message: "locator `\(text)` must use the form logical+actual://…"
                )
            }
        }
        guard !rest.isEmpty else {
            throw PackError(code: .locatorInvalid, message: "locator `\(text)` names nothing after `\(scheme)://`")
        }
        switch actual {
        case "fs":
            let path = try Self.absolutePath(rest, base: base, locator: text)
            self.init(original: text, resolverScheme: logical, targetScheme: "fs", path: path)
        case "file":
            guard let url = URL(string: "file://" + rest), url.host == nil || url.host == "" || url.host == "localhost",
                url.path.hasPrefix("/")
            else {
                throw PackError(
                    code: .locatorInvalid,
                    message: "locator `\(text)` is not an absolute file:/// URL"
                )
            }
            self.init(
                original: text,
                resolverScheme: logical == "file" ? "fs" : logical,
                targetScheme: "fs",
                path: url.path
            )
        case "http", "https":
            guard let url = URL(string: actual + "://" + rest), let host = url.host, !host.isEmpty else {
                throw PackError(code: .locatorInvalid, message: "locator `\(text)` is not a valid \(actual) URL")
            }
            self.init(
                original: text,
                resolverScheme: logical,
                targetScheme: actual,
                target: url.absoluteString,
                fileURL: nil
            )
        default:
            self.init(
                original: text,
                resolverScheme: logical,
                targetScheme: actual,
                target: actual + "://" + rest,
                fileURL: nil
            )
        }
    }

    private init(original: String, resolverScheme: String, targetScheme: String, target: String, fileURL: URL?) {
        self.original = original
        self.resolverScheme = resolverScheme
        self.targetScheme = targetScheme
        self.target = target
        self.fileURL = fileURL
    }

    private init(original: String, resolverScheme: String, targetScheme: String, path: String) {
        self.init(
            original: original,
            resolverScheme: resolverScheme,
            targetScheme: targetScheme,
            target: "fs://" + path,
            fileURL: URL(fileURLWithPath: path)
        )
    }

    /// Describes the locator (the resolved target, with the logical scheme when it differs).
    public var description: String {
        resolverScheme == targetScheme ? target : "\(resolverScheme)+\(target)"
    }

    private static let knownSources = ["fs", "http", "https", "oci", "s3", "gcs", "azblob", "azure", "azureblob"]

    private static func schemeless(
        _ path: String,
        original: String,
        base: Base,
        packSource: String?
    ) throws(PackError) -> PackLocator {
        switch base {
        case .directory:
            return PackLocator(
                original: original,
                resolverScheme: "fs",
                targetScheme: "fs",
                path: try absolutePath(path, base: base, locator: original)
            )
        case .url(let indexURL):
            guard !path.hasPrefix("/") || indexURL.isFileURL, let resolved = URL(string: path, relativeTo: indexURL)
            else {
                throw PackError(
                    code: .locatorInvalid,
                    message: "locator `\(original)` cannot be resolved against the index URL \(indexURL.absoluteString)"
                )
            }
            return try PackLocator(parsing: resolved.absoluteString, base: .none, packSource: nil)
                .withOriginal(original)
        case .none:
            let source = (packSource ?? "fs").lowercased()
            guard knownSources.contains(source) else {
                throw PackError(
                    code: .locatorInvalid,
                    message: "PACK_SOURCE `\(packSource ?? "")` is not one of \(knownSources.joined(separator: ", "))"
                )
            }
            guard source == "fs" else {
                throw PackError(
                    code: .locatorInvalid,
                    message: "locator `\(original)` is missing a scheme; with PACK_SOURCE=\(source) write it as "
                        + "\(source)://…, or use a local path with PACK_SOURCE=fs"
                )
            }
            return PackLocator(
                original: original,
                resolverScheme: "fs",
                targetScheme: "fs",
                path: try absolutePath(path, base: base, locator: original)
            )
        }
    }

    /// `path` made absolute: against the index directory for a file index, else the working directory.
    private static func absolutePath(_ path: String, base: Base, locator: String) throws(PackError) -> String {
        guard !path.contains("\0") else {
            throw PackError(code: .locatorInvalid, message: "locator `\(locator)` contains a NUL character")
        }
        if path.hasPrefix("/") {
            return URL(fileURLWithPath: path).standardizedFileURL.path
        }
        let directory: String
        switch base {
        case .directory(let url): directory = url.absoluteURL.standardizedFileURL.path
        case .url(let url) where url.isFileURL:
            directory = url.deletingLastPathComponent().absoluteURL.standardizedFileURL.path
        default: directory = FileManager.default.currentDirectoryPath
        }
        return URL(fileURLWithPath: directory + "/" + path).standardizedFileURL.path
    }

    private func withOriginal(_ text: String) -> PackLocator {
        PackLocator(
            original: text,
            resolverScheme: resolverScheme,
            targetScheme: targetScheme,
            target: target,
            fileURL: fileURL
        )
    }
}
