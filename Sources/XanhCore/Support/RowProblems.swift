/// A refusal that names each row (or field, or cell) and why; nothing of the batch was stored. Indicator values,
/// plans, agencies and progress entries all refuse this way. `message` is English (the API's); a problem may also
/// carry its Vietnamese wording, for the pages.
public struct RowProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [(origin: String, message: String)]
    /// The Vietnamese of each problem, by position; shorter (or empty) where there is none.
    public var vi: [String]
    public init(_ problems: [(origin: String, message: String)], vi: [String] = []) {
        self.problems = problems
        self.vi = vi
    }
    /// Problems in both languages.
    public init(phrases: [(origin: String, phrase: Phrase)]) {
        self.init(phrases.map { ($0.origin, $0.phrase.en) }, vi: phrases.map(\.phrase.vi))
    }
    public var description: String { problems.map { "\($0.origin): \($0.message)" }.joined(separator: "; ") }
    public static func == (a: Self, b: Self) -> Bool { a.description == b.description }

    /// The problems in Vietnamese where they have it, else in English.
    public func messages(vietnamese: Bool) -> [(origin: String, message: String)] {
        problems.enumerated().map { i, p in (p.origin, vietnamese && i < vi.count && !vi[i].isEmpty ? vi[i] : p.message) }
    }
}

/// A message in both of Xanh's languages (the API speaks English; pages speak their reader's language).
public struct Phrase: Sendable, Equatable, CustomStringConvertible {
    public var en: String
    public var vi: String
    public init(en: String, vi: String) {
        self.en = en
        self.vi = vi
    }
    public var description: String { en }
    public func text(vietnamese: Bool) -> String { vietnamese ? vi : en }
}
