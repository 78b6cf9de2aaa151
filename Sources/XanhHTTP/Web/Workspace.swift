import Foundation
import XanhCore
import XanhServices
import XanhStore

/// `/workspace`: the monitoring officer's morning — stations silent or in device error now and since when, the QCVN
/// exceedances of the last 24 hours, open alerts, and each station's completeness yesterday, each linking to the
/// station. Behind a login with the `quality` permission (the route policy decides; the handler does not).
extension WebController {
    func workspace(_ lang: Language) async throws -> WebPage<WorkspacePage> {
        let words = labels.page(lang)
        let now = services.clock()
        let registry = try await services.store.allStations()
        let stations = registry.filter(\.active)
        // Station and people's names, read once for the page and its alerts.
        let alertNames = try await alertContext(stations: registry)
        func link(_ code: String) -> WorkspacePage.StationLink {
            .init(code: code, name: alertNames.stations[code] ?? code, href: "/stations/\(code)?lang=\(lang.rawValue)")
        }
        let silent = try await ongoingEvents().values.sorted { $0.event.start < $1.event.start }.map { e in
            WorkspacePage.Silent(
                station: link(e.station), kind: words[e.event.kind.rawValue] ?? e.event.kind.rawValue, since: Self.shortTime(e.event.start, lang),
                age: age(e.event.start, lang))
        }
        let catalogue = services.reference.parameters
        let exceedances = try await services.store.exceedances(station: nil, from: now - Timestamps.day, to: now, afterID: nil, limit: 200)
            .sorted { $0.event.start > $1.event.start }
            .map { e in
                let unit = catalogue.lookup(e.event.parameter)?.unit ?? ""
                return WorkspacePage.Exceedance(
                    station: link(e.station),
                    parameter: "\(e.event.parameter) \(words["period_\(e.event.period.rawValue)", default: e.event.period.rawValue])",
                    start: Self.shortTime(e.event.start, lang), end: Self.shortTime(e.event.end, lang),
                    peak: "\(Self.number(e.event.peak, lang)) \(unit)", limit: "\(Self.number(e.event.limit, lang)) \(unit)",
                    standard: e.event.standard)
            }
        let alerts = try await services.store.alerts(openOnly: true, limit: 100).compactMap { alertLine($0, lang, alertNames) }
        // Yesterday, as a VN_AQI day: 01:00 to 24:00 local.
        let today = Timestamps.localMidnight(now)
        var completeness: [WorkspacePage.Completeness] = []
        let quality = QualityController(services: services)
        for s in stations.sorted(by: { $0.name < $1.name }) {
            let rows = try await quality.completeness(s.code, from: today - Timestamps.day, to: today - 1, day: true)
            let percent = rows.last?.percent ?? 0
            completeness.append(.init(station: link(s.code), percent: Self.number(percent, lang, digits: 0), low: percent < 80))
        }
        completeness.sort { ($0.low ? 0 : 1, $0.station.name) < ($1.low ? 0 : 1, $1.station.name) }
        let page = WorkspacePage(
            silent: silent, exceedances: exceedances, alerts: alerts, completeness: completeness, hasSilent: !silent.isEmpty,
            hasExceedances: !exceedances.isEmpty, hasAlerts: !alerts.isEmpty, day: Self.shortDate(today - Timestamps.day))
        return layout(lang, title: words["workspace", default: "Workspace"], path: "/workspace", page)
    }
}
