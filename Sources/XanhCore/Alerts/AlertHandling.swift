/// What staff do with an alert: acknowledge it (someone is on it), assign it to a person, comment on it, close it.
/// The engine opens and closes alerts as their conditions start and end; a person may close one before (the
/// station was visited, the exceedance explained), with a note saying why. Pure rules; the store applies them in
/// one transaction with the alert's history (decision 0018).
public enum AlertActionKind: String, Sendable, Codable, CaseIterable {
    case acknowledge
    case assign
    case comment
    case close
}

public struct AlertAction: Sendable, Equatable {
    public var alert: Int64
    public var kind: AlertActionKind
    /// The person (or key) acting.
    public var actor: String
    /// `assign`: the username it goes to.
    public var assignee: String?
    /// Required for `comment` and `close`; optional otherwise.
    public var comment: String?
    public var at: Int64
    public init(alert: Int64, kind: AlertActionKind, actor: String, assignee: String? = nil, comment: String? = nil, at: Int64) {
        self.alert = alert
        self.kind = kind
        self.actor = actor
        self.assignee = assignee
        self.comment = comment
        self.at = at
    }
}

/// An alert's handling as it stands.
public struct AlertHandlingState: Sendable, Equatable {
    public var open: Bool
    public var acknowledgedBy: String?
    public var assignee: String?
    public init(open: Bool, acknowledgedBy: String? = nil, assignee: String? = nil) {
        self.open = open
        self.acknowledgedBy = acknowledgedBy
        self.assignee = assignee
    }
}

/// Why an action cannot be taken: a field that is wrong (422) or a state that does not allow it (409).
public struct AlertActionRefusal: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case invalid
        case conflict
    }
    public var kind: Kind
    public var field: String?
    public var reason: String
    /// The reason's key in the pages' labels.
    public var label: String
}

public enum AlertHandling {
    /// Longest comment kept (characters).
    public static let maxComment = 2000

    /// nil when the action may be taken on an alert in this state; `assignees` are the usernames that may hold
    /// alerts. Acknowledging twice, or assigning to the person who holds it, changes nothing and is allowed (a form
    /// sent twice is safe); a closed alert takes comments only.
    public static func refusal(_ a: AlertAction, state: AlertHandlingState, assignees: Set<String>) -> AlertActionRefusal? {
        let text = a.comment?.trimmingWhitespace() ?? ""
        if text.count > maxComment {
            return .init(kind: .invalid, field: "comment", reason: "a comment is at most \(maxComment) characters", label: "alertCommentLong")
        }
        switch a.kind {
        case .comment where text.isEmpty:
            return .init(kind: .invalid, field: "comment", reason: "a comment needs text", label: "alertCommentNeeded")
        case .close where text.isEmpty:
            return .init(kind: .invalid, field: "comment", reason: "closing an alert needs a note saying why", label: "alertCloseNeedsNote")
        case .assign:
            guard let who = a.assignee, !who.isEmpty else {
                return .init(kind: .invalid, field: "assignee", reason: "assign needs the username it goes to", label: "alertAssigneeNeeded")
            }
            if !assignees.contains(who) {
                return .init(
                    kind: .invalid, field: "assignee", reason: "'\(who)' is not an active user whose role handles alerts",
                    label: "alertAssigneeUnknown")
            }
        default: break
        }
        if !state.open, a.kind != .comment {
            return .init(kind: .conflict, field: nil, reason: "the alert is closed; it takes comments only", label: "alertClosed")
        }
        return nil
    }
}
