import Testing
import XanhCore

/// What staff may do with an alert in each state.
@Suite struct AlertHandlingTests {
    func action(_ kind: AlertActionKind, assignee: String? = nil, comment: String? = nil) -> AlertAction {
        AlertAction(alert: 1, kind: kind, actor: "lan", assignee: assignee, comment: comment, at: 0)
    }
    let open = AlertHandlingState(open: true)
    let closed = AlertHandlingState(open: false, acknowledgedBy: "lan")
    let people: Set<String> = ["lan", "hoa"]

    @Test func anOpenAlertTakesEveryActionWithWhatEachNeeds() {
        #expect(AlertHandling.refusal(action(.acknowledge), state: open, assignees: people) == nil)
        #expect(AlertHandling.refusal(action(.assign, assignee: "hoa"), state: open, assignees: people) == nil)
        #expect(AlertHandling.refusal(action(.comment, comment: "Đã gọi cho trạm"), state: open, assignees: people) == nil)
        #expect(AlertHandling.refusal(action(.close, comment: "Đã sửa"), state: open, assignees: people) == nil)
        // Acknowledging an acknowledged alert is allowed (a form sent twice is safe).
        let acknowledged = AlertHandlingState(open: true, acknowledgedBy: "hoa")
        #expect(AlertHandling.refusal(action(.acknowledge), state: acknowledged, assignees: people) == nil)
    }

    @Test func missingNotesAndUnknownPeopleAreRefusedNamingTheField() {
        let close = AlertHandling.refusal(action(.close, comment: "  \n"), state: open, assignees: people)
        #expect(close?.kind == .invalid && close?.field == "comment" && close?.label == "alertCloseNeedsNote")
        #expect(AlertHandling.refusal(action(.comment), state: open, assignees: people)?.label == "alertCommentNeeded")
        #expect(AlertHandling.refusal(action(.assign), state: open, assignees: people)?.field == "assignee")
        let stranger = AlertHandling.refusal(action(.assign, assignee: "minh"), state: open, assignees: people)
        #expect(stranger?.label == "alertAssigneeUnknown" && stranger?.reason.contains("'minh'") == true)
        let long = String(repeating: "a", count: AlertHandling.maxComment + 1)
        #expect(AlertHandling.refusal(action(.comment, comment: long), state: open, assignees: people)?.label == "alertCommentLong")
    }

    @Test func aClosedAlertTakesCommentsOnly() {
        #expect(AlertHandling.refusal(action(.comment, comment: "Ghi chú sau"), state: closed, assignees: people) == nil)
        for a in [action(.acknowledge), action(.assign, assignee: "hoa"), action(.close, comment: "lại")] {
            #expect(AlertHandling.refusal(a, state: closed, assignees: people)?.kind == .conflict, "\(a.kind)")
        }
    }
}
