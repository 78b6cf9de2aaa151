/// The reporting workflow of an indicator value: draft → submitted → approved (locked). An approver sends a
/// submitted value back to its reporter (to draft, with a note saying why) or reopens an approved one (back to
/// submitted, with a comment).
public enum ValueStatus: String, Codable, Sendable, CaseIterable { case draft, submitted, approved }

public enum ValueAction: String, Codable, Sendable, CaseIterable {
    case write, submit, approve, reopen
    case sendBack = "send-back"
}

public enum ValueWorkflow {
    /// The new status, or why the action is refused.
    public static func apply(_ action: ValueAction, to current: ValueStatus?, approver: Bool, comment: String?) -> Result<ValueStatus, WorkflowError>
    {
        let explained = comment.map { !$0.trimmingSpaces.isEmpty } ?? false
        switch action {
        case .write:
            if current == .approved {
                return .failure(
                    .init(
                        "the value is approved and locked; an approver must reopen it first",
                        vi: "giá trị đã được duyệt và khóa; người duyệt phải mở lại trước khi sửa"))
            }
            return .success(current ?? .draft)
        case .submit:
            guard let c = current else { return .failure(.init("there is no value to submit", vi: "chưa có giá trị để gửi")) }
            if c == .approved { return .failure(.init("the value is already approved", vi: "giá trị đã được duyệt")) }
            return .success(.submitted)
        case .approve:
            guard approver else { return .failure(.init("only a key with the approver role can approve", vi: "chỉ người duyệt mới duyệt được")) }
            guard current == .submitted else {
                return .failure(
                    .init(
                        "only a submitted value can be approved (it is \(current?.rawValue ?? "missing"))",
                        vi: "chỉ duyệt được giá trị đã gửi (giá trị này: \(current?.rawValue ?? "chưa có"))"))
            }
            return .success(.approved)
        case .sendBack:
            guard approver else {
                return .failure(.init("only a key with the approver role can send a value back", vi: "chỉ người duyệt mới trả lại được"))
            }
            guard current == .submitted else {
                return .failure(.init("only a submitted value can be sent back", vi: "chỉ trả lại được giá trị đã gửi"))
            }
            guard explained else {
                return .failure(.init("sending back needs a note saying why", vi: "trả lại cần ghi chú lý do"))
            }
            return .success(.draft)
        case .reopen:
            guard approver else {
                return .failure(.init("only a key with the approver role can reopen an approved value", vi: "chỉ người duyệt mới mở lại được"))
            }
            guard current == .approved else {
                return .failure(.init("only an approved value can be reopened", vi: "chỉ mở lại được giá trị đã duyệt"))
            }
            guard explained else { return .failure(.init("reopening needs a comment saying why", vi: "mở lại cần ghi chú lý do")) }
            return .success(.submitted)
        }
    }

    public struct WorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var vi: String
        public init(_ m: String, vi: String = "") {
            message = m
            self.vi = vi
        }
        public var description: String { message }
    }
}
