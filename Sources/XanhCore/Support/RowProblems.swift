/// A refusal that names each row (or field, or cell) and why; nothing of the batch was stored. Indicator values,
/// plans, agencies and progress entries all refuse this way.
public struct RowProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [(origin: String, message: String)]
    public init(_ problems: [(origin: String, message: String)]) { self.problems = problems }
    public var description: String { problems.map { "\($0.origin): \($0.message)" }.joined(separator: "; ") }
    public static func == (a: Self, b: Self) -> Bool { a.description == b.description }
}
