/// The reporting workflow of an indicator value: draft → submitted → approved (locked); only an approver reopens,
/// with a comment (back to submitted).
public enum ValueStatus: String, Codable, Sendable, CaseIterable { case draft, submitted, approved }

public enum ValueAction: String, Codable, Sendable, CaseIterable { case write, submit, approve, reopen }

public enum ValueWorkflow {
    /// The new status, or why the action is refused.
    public static func apply(_ action: ValueAction, to current: ValueStatus?, approver: Bool, comment: String?) -> Result<ValueStatus, WorkflowError>
    {
        switch action {
        case .write:
            if current == .approved { return .failure(.init("the value is approved and locked; an approver must reopen it first")) }
            return .success(current ?? .draft)
        case .submit:
            guard let c = current else { return .failure(.init("there is no value to submit")) }
            if c == .approved { return .failure(.init("the value is already approved")) }
            return .success(.submitted)
        case .approve:
            guard approver else { return .failure(.init("only a key with the approver role can approve")) }
            guard current == .submitted else {
                return .failure(.init("only a submitted value can be approved (it is \(current?.rawValue ?? "missing"))"))
            }
            return .success(.approved)
        case .reopen:
            guard approver else { return .failure(.init("only a key with the approver role can reopen an approved value")) }
            guard current == .approved else { return .failure(.init("only an approved value can be reopened")) }
            guard let c = comment, !c.trimmingSpaces.isEmpty else { return .failure(.init("reopening needs a comment saying why")) }
            return .success(.submitted)
        }
    }

    public struct WorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ m: String) { message = m }
        public var description: String { message }
    }
}
