import Foundation

/// The JSON document every channel delivers (webhook body, SSE data, e-mail body). `eventId` identifies the
/// delivery's event (alert id and transition), so a receiver can drop repeats.
public struct AlertPayload: Codable, Sendable, Equatable {
    public var eventId: String
    public var alertId: Int64
    /// `opened` or `closed`.
    public var event: String
    public var rule: Int64
    public var ruleName: String
    public var kind: String
    public var station: String
    public var province: String
    public var facility: Int64?
    public var parameter: String?
    public var start: String
    public var end: String?
    public var value: Double?
    public var limit: Double?
    public var standard: String?
    public var at: String
    public var messageVi: String
    public var messageEn: String
    /// A person closed it before its condition ended: who, and why.
    public var closedBy: String?
    public var note: String?

    static func encode(_ p: AlertPayload) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(p)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func decode(_ s: String) -> AlertPayload? { try? JSONDecoder().decode(AlertPayload.self, from: Data(s.utf8)) }

    public static func json(id: Int64, event: String, rule: AlertRule, condition c: AlertCondition, at: Int64) -> String {
        let (vi, en) = messages(rule: rule, c)
        return encode(
            AlertPayload(
                eventId: "alert-\(id)-\(event)", alertId: id, event: event, rule: rule.id ?? 0, ruleName: rule.name, kind: c.kind.rawValue,
                station: c.subject.station, province: c.subject.province, facility: c.subject.facility, parameter: c.parameter,
                start: Timestamps.format(c.start), end: c.end.map { Timestamps.format($0) }, value: c.value, limit: c.limit, standard: c.standard,
                at: Timestamps.format(at), messageVi: vi, messageEn: en))
    }

    /// The closing document: the opening one with `event` closed, the event's end when known, and a new id.
    public static func closed(previous: String, condition c: AlertCondition?, at: Int64) -> String {
        guard var p = decode(previous) else { return previous }
        p.event = "closed"
        p.eventId = "alert-\(p.alertId)-closed"
        if let c {
            p.end = c.end.map { Timestamps.format($0) } ?? p.end
            p.value = c.value ?? p.value
        }
        p.at = Timestamps.format(at)
        p.messageVi = "Đã kết thúc: " + p.messageVi
        p.messageEn = "Ended: " + p.messageEn
        return encode(p)
    }

    /// A closing document for an alert a person closed.
    public static func closedBy(_ closing: String, person: String, note: String) -> String {
        guard var p = decode(closing) else { return closing }
        p.closedBy = person
        p.note = note
        p.messageVi += " (đóng bởi \(person): \(note))"
        p.messageEn += " (closed by \(person): \(note))"
        return encode(p)
    }

    static func messages(rule: AlertRule, _ c: AlertCondition) -> (String, String) {
        let s = c.subject.station
        let p = c.parameter ?? ""
        func n(_ v: Double?) -> String { v.map { $0 == $0.rounded() ? String(Int64($0)) : String(format: "%.2f", $0) } ?? "?" }
        switch c.kind {
        case .exceedance:
            return (
                "Trạm \(s): \(p) \(n(c.value)) vượt giới hạn \(n(c.limit)) (\(c.standard ?? "")) từ \(Timestamps.format(c.start))",
                "Station \(s): \(p) \(n(c.value)) beyond the limit \(n(c.limit)) (\(c.standard ?? "")) since \(Timestamps.format(c.start))"
            )
        case .aqi:
            return (
                "Trạm \(s): VN_AQI giờ \(n(c.value)) ≥ \(rule.aqiAtLeast ?? 0) (chất ô nhiễm chính \(p))",
                "Station \(s): hourly VN_AQI \(n(c.value)) ≥ \(rule.aqiAtLeast ?? 0) (dominant \(p))"
            )
        case .silent:
            return (
                "Trạm \(s) không truyền dữ liệu từ \(Timestamps.format(c.start))", "Station \(s) has sent no data since \(Timestamps.format(c.start))"
            )
        case .deviceError:
            return (
                "Trạm \(s): thiết bị đo \(p) báo lỗi (trạng thái 02) từ \(Timestamps.format(c.start))",
                "Station \(s): the \(p) device reports an error (status 02) since \(Timestamps.format(c.start))"
            )
        }
    }
}
