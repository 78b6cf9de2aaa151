import Foundation
import Hummingbird
import XanhCore
import XanhServices

/// `/disasters`: the approved disaster records for the public (decision 0020) — for the nation or a province, the
/// GSO indicator "số vụ thiên tai và mức độ thiệt hại" by year, the Sendai indicators of each year where population
/// and GRDP are in the indicator database, and the events with the units they hit.
extension WebController {
    func disasterPage(_ lang: Language, unit asked: String?) async throws -> WebPage<DisasterPage> {
        let words = labels.page(lang)
        let units = Dictionary(try await services.store.adminUnits().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func name(_ id: String) -> String {
            guard let u = units[id] else { return id == "VN" ? (lang == .vi ? "Cả nước" : "Viet Nam") : id }
            return lang == .vi ? u.nameVi : u.nameEn
        }
        let unit = asked.flatMap { units[$0] == nil ? nil : $0 } ?? "VN"
        let disasters = services.disasters
        let provinces = try await disasters.totals(unit: "VN", by: .unit, from: nil, to: nil)
        let choices =
            [DisasterPage.Choice(name: name("VN"), href: "/disasters?lang=\(lang.rawValue)", current: unit == "VN")]
            + provinces.keys.sorted().map {
                DisasterPage.Choice(name: name($0), href: "/disasters?unit=\(Self.query($0))&lang=\(lang.rawValue)", current: unit == $0)
            }
        let byYear = try await disasters.totals(unit: unit, by: .year, from: nil, to: nil)
        var years: [DisasterPage.Year] = []
        for key in byYear.keys.sorted(by: >) {
            guard let t = byYear[key], let y = Int(key) else { continue }
            let s = try await disasters.sendai(t, unit: unit, year: y)
            func ind(_ k: String) -> String { Self.number(s.indicators[k] ?? nil, lang, digits: k.hasPrefix("C") ? 3 : 2) }
            years.append(
                DisasterPage.Year(
                    year: key, events: t.events, dead: t.dead, missing: t.missing, injured: t.injured, destroyed: t.housesDestroyed,
                    damaged: t.housesDamaged, loss: Self.number(t.lossVND / 1e9, lang, digits: 1), a2: ind("A-2"), a3: ind("A-3"), b2: ind("B-2"),
                    b3: ind("B-3"), b4: ind("B-4"), c1: ind("C-1"), c2: ind("C-2")))
        }
        let events = try await services.store.disasterEvents(from: nil, to: nil, kind: nil, statuses: [.approved], limit: 1000)
        let h = AdminHierarchy(Array(units.values))
        let rows = events.sorted { $0.start > $1.start }.compactMap { e -> DisasterPage.Event? in
            // The event's effects in the unit shown, by the totals' own rule.
            let effects = e.effects.filter { disasters.lies($0.unit, in: unit, h) }
            guard !effects.isEmpty else { return nil }
            let t = DisasterTotals(effects)
            return DisasterPage.Event(
                id: e.id, start: String(Self.shortTime(e.start, lang)), kind: lang == .vi ? e.kind.nameVi : Self.english(e.kind),
                cause: e.cause ?? "", magnitude: e.magnitude ?? "", units: effects.map { name($0.unit) }.joined(separator: ", "),
                dead: t.dead, missing: t.missing, loss: Self.number(t.lossVND / 1e9, lang, digits: 1), href: "/api/v1/disasters/\(Self.query(e.id))")
        }.prefix(100)
        return layout(
            lang, title: words["disasters", default: "Disasters"], path: "/disasters",
            DisasterPage(
                unitName: name(unit), choices: choices, years: years, hasYears: !years.isEmpty, events: Array(rows), hasEvents: !rows.isEmpty,
                totalsHref: "/api/v1/disasters/totals?unit=\(Self.query(unit))&by=month", riskHref: "/api/v1/index/risk-vn/scores"))
    }

    static func english(_ k: HazardKind) -> String {
        k.rawValue.replacingOccurrences(of: "_", with: " ").prefix(1).uppercased() + k.rawValue.replacingOccurrences(of: "_", with: " ").dropFirst()
    }
}

/// `/disasters`.
struct DisasterPage: Sendable {
    struct Choice: Sendable {
        var name, href: String
        var current: Bool
    }
    struct Year: Sendable {
        var year: String
        var events, dead, missing, injured, destroyed, damaged: Int
        var loss, a2, a3, b2, b3, b4, c1, c2: String
    }
    struct Event: Sendable {
        var id, start, kind, cause, magnitude, units: String
        var dead, missing: Int
        var loss, href: String
    }
    var unitName: String
    var choices: [Choice]
    var years: [Year]
    var hasYears: Bool
    var events: [Event]
    var hasEvents: Bool
    var totalsHref, riskHref: String
}
