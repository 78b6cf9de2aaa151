import Foundation
import XanhCore
import XanhStore

/// Staff's side of alerts, for the API and the workspace alike: an alert with its history, the people it may be
/// assigned to, and an action checked by `AlertHandling` and applied by the store in one transaction.
public struct AlertDesk: Sendable {
    let store: any AlertStateStore & AccountStore
    let clock: @Sendable () -> Int64
    let wakeup: Wakeup

    /// Most history entries shown for one alert.
    public static let maxHistory = 500

    public init(services: AppServices) {
        store = services.store
        clock = services.clock
        wakeup = services.alertWakeup
    }

    /// Active people whose role handles alerts, by username.
    public func assignees() async throws -> [UserRecord] {
        try await store.users().filter { !$0.disabled && (Role(name: $0.role)?.may(.alerts) ?? false) }.sorted { $0.name < $1.name }
    }

    public func alert(_ id: Int64) async throws -> (alert: StoredAlert, history: [AlertActionRecord])? {
        guard let a = try await store.alert(id: id) else { return nil }
        return (a, try await store.alertActions(alert: id, limit: Self.maxHistory))
    }

    /// Applies an action by `actor`. Throws `AlertActionRefusal`; nil when there is no such alert.
    public func act(alert id: Int64, kind: AlertActionKind, actor: String, assignee: String?, comment: String?) async throws -> StoredAlert? {
        guard let current = try await store.alert(id: id) else { return nil }
        let note = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        let action = AlertAction(
            alert: id, kind: kind, actor: actor, assignee: assignee, comment: note?.isEmpty == false ? note : nil, at: clock())
        let people = kind == .assign ? Set(try await assignees().map(\.username)) : []
        if let refusal = AlertHandling.refusal(action, state: current.handling, assignees: people) { throw refusal }
        let after = try await store.handleAlert(action)
        if kind == .close { await wakeup.notifyAll() }
        return after
    }
}
