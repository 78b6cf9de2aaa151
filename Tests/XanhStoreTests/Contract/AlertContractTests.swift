import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhStore

/// Rules, subscriptions, alert state, its log and the outbox, called directly on each engine.
@Suite struct AlertContractTests {
    static let day = Timestamps.parseDate("2026-11-20")!

    @Test(arguments: Engine.available) func rulesAndSubscriptions(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let aqi = try await store.createRule(AlertRule(name: "AQI xấu", kind: .aqi, scope: AlertScope(provinces: ["01"]), aqiAtLeast: 151))
        let silent = try await store.createRule(AlertRule(name: "Mất tín hiệu", kind: .silent))
        #expect(try await store.rules() == [aqi, silent])
        try await store.deleteRule(id: try #require(silent.id))
        #expect(try await store.rules().map(\.active) == [true, false])
        await #expect(throws: StoreError.notFound("alert rule 999 does not exist")) { try await store.deleteRule(id: 999) }

        let all = try await store.createSubscription(Subscription(channel: .webhook, target: "http://127.0.0.1:9/hook", secret: "s"))
        let one = try await store.createSubscription(Subscription(rule: aqi.id, channel: .email, target: "trung.tam@example.vn"))
        #expect(try await store.subscriptions() == [all, one])
        await #expect(throws: StoreError.self) {
            try await store.createSubscription(Subscription(rule: 999, channel: .email, target: "x@example.vn"))
        }
    }

    @Test(arguments: Engine.available) func alertsOpenOnceCloseAndQueueTheirDeliveries(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let pm = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series["PM2.5"])
        let info = try #require(try await store.seriesInfo(ids: [pm]).first)
        let rule = try await store.createRule(AlertRule(name: "AQI", kind: .aqi, aqiAtLeast: 150))
        let other = try await store.createRule(AlertRule(name: "Silence", kind: .silent))
        let hook = try await store.createSubscription(Subscription(rule: rule.id, channel: .webhook, target: "http://127.0.0.1:9/a"))
        _ = try await store.createSubscription(Subscription(rule: other.id, channel: .webhook, target: "http://127.0.0.1:9/b"))

        // A latest hourly AQI is a condition to alert on.
        var batch = DerivedBatch()
        batch.aqi = [
            .init(
                stationID: info.stationID, scale: .vn, resolution: .hour, from: Self.day, to: Self.day + 3600,
                rows: [(t: Self.day + 3600, result: AQIResult(aqi: 180, dominant: "PM2.5", subindices: ["PM2.5": 180]))])
        ]
        try await store.apply(batch)
        let conditions = try await store.alertConditions(since: Self.day)
        let cond = try #require(conditions.first { $0.kind == .aqi })
        #expect(cond.subjectKey == "aqi:HN-NKT" && cond.value == 180 && cond.open)
        #expect(try await store.alertConditions(since: Self.day + 7200).isEmpty)

        var open = AlertDecisions()
        open.open = [(rule, cond), (rule, cond)]
        try await store.applyAlerts(open, at: Self.day + 3700)
        try await store.applyAlerts(open, at: Self.day + 3800)  // already open: nothing new
        let opened = try await store.openAlerts()
        #expect(opened.map(\.subjectKey) == ["aqi:HN-NKT"])
        #expect(try await store.raisedKeys(subjects: ["aqi:HN-NKT", "aqi:other"]) == ["\(try #require(rule.id))|aqi:HN-NKT"])
        #expect(try await store.latestAlertSeq() == 1)

        // Only the rule's own subscription hears of it, when due.
        let due = try await store.dueDeliveries(nowMs: (Self.day + 3700) * 1000, limit: 10)
        #expect(due.map(\.subscription.id) == [hook.id])
        #expect(due.first?.entry.event == "opened" && due.first?.attempts == 0)
        #expect(try await store.dueDeliveries(nowMs: (Self.day + 3700) * 1000 - 1, limit: 10).isEmpty)
        let delivery = try #require(due.first?.id)
        try await store.recordAttempt(delivery: delivery, atMs: 1, ok: false, detail: "connection refused", retryAtMs: (Self.day + 4000) * 1000)
        #expect(try await store.dueDeliveries(nowMs: (Self.day + 3999) * 1000, limit: 10).isEmpty)
        #expect(try await store.dueDeliveries(nowMs: (Self.day + 4000) * 1000, limit: 10).first?.attempts == 1)
        try await store.recordAttempt(delivery: delivery, atMs: 2, ok: true, detail: "204", retryAtMs: nil)
        #expect(try await store.dueDeliveries(nowMs: .max, limit: 10).isEmpty)
        #expect(
            try await store.attempts(delivery: delivery) == [
                DeliveryAttempt(atMs: 1, ok: false, detail: "connection refused"), DeliveryAttempt(atMs: 2, ok: true, detail: "204"),
            ])

        var close = AlertDecisions()
        close.close = [(try #require(opened.first).id, nil)]
        try await store.applyAlerts(close, at: Self.day + 7200)
        #expect(try await store.openAlerts().isEmpty)
        let log = try await store.alertLog(afterSeq: 0, limit: 10)
        #expect(log.map(\.event) == ["opened", "closed"])
        #expect(try await store.alertLog(afterSeq: 1, limit: 10).map(\.seq) == [2])
        let alerts = try await store.alerts(openOnly: false, limit: 10)
        #expect(alerts.count == 1 && alerts.first?.closedAt == Self.day + 7200)
        #expect(try await store.alerts(openOnly: true, limit: 10).isEmpty)
        // The closing queues a delivery too; giving up ends it.
        let next = try #require(try await store.dueDeliveries(nowMs: .max, limit: 10).first)
        try await store.recordAttempt(delivery: next.id, atMs: 3, ok: false, detail: "410", retryAtMs: nil)
        #expect(try await store.dueDeliveries(nowMs: .max, limit: 10).isEmpty)
        try await store.applyAlerts(AlertDecisions(), at: Self.day)  // nothing to do
    }

    @Test(arguments: Engine.available) func staffAcknowledgeAssignCommentAndCloseWithHistory(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let rule = try await store.createRule(AlertRule(name: "Silence", kind: .silent))
        _ = try await store.createSubscription(Subscription(channel: .webhook, target: "http://127.0.0.1:9/a"))
        let cond = AlertCondition(
            kind: .silent, subjectKey: "evt:1", subject: AlertSubject(station: "HN-NKT", facility: nil, province: "01"), start: Self.day,
            open: true)
        var open = AlertDecisions()
        open.open = [(rule, cond)]
        try await store.applyAlerts(open, at: Self.day + 60)
        let id = try #require(try await store.openAlerts().first?.id)
        #expect(try await store.alert(id: id)?.handling == AlertHandlingState(open: true))
        #expect(try await store.alert(id: 999) == nil)
        #expect(try await store.handleAlert(AlertAction(alert: 999, kind: .comment, actor: "lan", comment: "x", at: Self.day)) == nil)

        var a = try #require(try await store.handleAlert(AlertAction(alert: id, kind: .acknowledge, actor: "lan", at: Self.day + 100)))
        #expect(a.acknowledgedBy == "lan" && a.acknowledgedAt == Self.day + 100)
        // A second acknowledgement keeps the first one's name and time.
        a = try #require(try await store.handleAlert(AlertAction(alert: id, kind: .acknowledge, actor: "minh", at: Self.day + 110)))
        #expect(a.acknowledgedBy == "lan" && a.acknowledgedAt == Self.day + 100)
        a = try #require(try await store.handleAlert(AlertAction(alert: id, kind: .assign, actor: "lan", assignee: "hoa", at: Self.day + 120)))
        #expect(a.assignee == "hoa")
        _ = try await store.handleAlert(
            AlertAction(alert: id, kind: .comment, actor: "hoa", comment: "Mất điện lưới, đã báo điện lực", at: Self.day + 130))
        let seqBefore = try await store.latestAlertSeq()
        a = try #require(
            try await store.handleAlert(AlertAction(alert: id, kind: .close, actor: "hoa", comment: "Đã có điện lại", at: Self.day + 140)))
        #expect(a.closedAt == Self.day + 140 && a.closedBy == "hoa" && a.handling.open == false)
        #expect(try await store.openAlerts().isEmpty)
        // The closing is logged for receivers, who closed it and why, and queued for the subscription.
        let log = try await store.alertLog(afterSeq: seqBefore, limit: 10)
        #expect(log.map(\.event) == ["closed"])
        let closing = try #require(log.first)
        let payload = try #require(AlertPayload.decode(closing.payload))
        #expect(payload.closedBy == "hoa" && payload.note == "Đã có điện lại" && payload.eventId == "alert-\(id)-closed")
        #expect(try await store.dueDeliveries(nowMs: .max, limit: 10).map(\.entry.event) == ["opened", "closed"])
        // A close that loses a race with another changes nothing more (one closing, one log entry).
        _ = try await store.handleAlert(AlertAction(alert: id, kind: .close, actor: "lan", comment: "trùng", at: Self.day + 150))
        #expect(try await store.alert(id: id)?.closedBy == "hoa")
        #expect(try await store.alertLog(afterSeq: seqBefore, limit: 10).count == 1)

        let history = try await store.alertActions(alert: id, limit: 10)
        #expect(history.map(\.kind) == [.acknowledge, .acknowledge, .assign, .comment, .close, .close])
        #expect(history.map(\.n) == [1, 2, 3, 4, 5, 6])
        #expect(history[2].assignee == "hoa" && history[3].comment == "Mất điện lưới, đã báo điện lực" && history[0].comment == nil)
        #expect(try await store.alertActions(alert: id, limit: 2).count == 2)

        // The inbox: alerts opened since a time, and every open one.
        #expect(try await store.alerts(since: Self.day, limit: 10).map(\.id) == [id])
        #expect(try await store.alerts(since: Self.day + 1000, limit: 10).isEmpty)
        var again = AlertDecisions()
        again.open = [(rule, AlertCondition(kind: .silent, subjectKey: "evt:2", subject: cond.subject, start: Self.day, open: true))]
        try await store.applyAlerts(again, at: Self.day + 200)
        #expect(try await store.alerts(since: Self.day + 1000, limit: 10).count == 1, "an open alert is in the inbox however old")
    }
}
