import Foundation
import XanhCore
import XanhServices
import XanhStore

/// The public page of the green-growth indicators: the composite index ranking with each rank's range, a choropleth
/// of the index or of one indicator, one province's figures, and the progress of the targets; and the methods page.
/// Pages are cached by the indicator data's version (`IndicatorValueStore.indicatorVersion`): the index and its
/// sensitivity runs are computed once per change of the data, not per view.
extension WebController {
    /// Status colours with text that keeps 4.5:1 on them (white on the greens and red, black on amber and grey).
    static let statusColors: [String: (background: String, text: String)] = [
        "achieved": ("#0b6e4f", "#ffffff"), "on_track": ("#2e7d32", "#ffffff"), "at_risk": ("#f5a623", "#000000"),
        "off_track": ("#a4161a", "#ffffff"), "no_data": ("#d7dcd9", "#1d2b24"),
    ]
    /// Five classes, light to dark (ColorBrewer Greens).
    static let classColors = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"]

    static let indicatorCacheSize = 64

    /// The page as HTML, from the cache while the data's version holds.
    func indicators(_ lang: Language, year: Int, unit: String?, indicator: String?) async throws -> String {
        let version = try await services.store.indicatorVersion()
        let key = "\(lang.rawValue)|\(year)|\(unit ?? "")|\(indicator ?? "")"
        if let hit = pages.caches.indicators.update({ c -> String? in
            if c.version != version { c = (version, [:]) }
            return c.pages[key]
        }) {
            return hit
        }
        let html =
            pages.library.render(try await computeIndicators(lang, year: year, unit: unit, indicator: indicator), withTemplate: "indicators") ?? ""
        pages.caches.indicators.update { c in
            guard c.version == version else { return }
            if c.pages.count >= Self.indicatorCacheSize { c.pages.removeAll() }
            c.pages[key] = html
        }
        return html
    }

    func computeIndicators(_ lang: Language, year: Int, unit: String?, indicator: String?) async throws -> WebPage<IndicatorsPage> {
        let words = labels.indicators(lang)
        let service = IndicatorService(store: services.store)
        let catalogue = try await service.catalogue()
        let hierarchy = try await service.hierarchy()
        let provinces = services.reference.provinces
        if let unit, !provinces.contains(where: { $0.code == unit }) { throw StoreError.notFound("province '\(unit)' does not exist") }
        if let indicator, catalogue[indicator] == nil { throw StoreError.notFound("indicator '\(indicator)' does not exist") }
        var page = IndicatorsPage(ind: words, year: year, prevYear: year - 1, nextYear: year + 1)
        func fmt(_ d: Double?) -> String { d.map { Self.number($0, lang, digits: abs($0) >= 100 ? 0 : 1) } ?? "—" }
        func name(_ i: Indicator) -> String { lang == .vi ? i.nameVi : i.nameEn }
        let suffix = "&year=\(year)"
        var mapValues: [String: Double] = [:]
        if let def = try IndexCatalogue.bundled().indexes.first {
            // A public page: approved values only.
            let data = try await service.indexData(def, year: year, statuses: [.approved])
            let result = CompositeIndex.compute(def, data: data)
            let ranges = Dictionary(
                uniqueKeysWithValues: CompositeIndex.sensitivity(def, data: data, runs: 200, seed: 1).units.map {
                    ($0.unit, "\($0.best)–\($0.worst)")
                })
            page.indexName = lang == .vi ? def.nameVi : def.nameEn
            page.dimensions = def.dimensions.map { .init(name: lang == .vi ? $0.nameVi : $0.nameEn, code: $0.code) }
            // What the ranking rests on: provinces with any value, and dimensions with any value.
            let reported = data.filter { $0.value.values.contains { $0 != nil } }.count
            let dimsWithData = def.dimensions.filter { d in
                d.components.contains { c in data.values.contains { ($0[c.indicator] ?? nil) != nil } }
            }.count
            page.reported = reported
            page.provinceTotal = data.count
            page.dimensionsWithData = dimsWithData
            page.dimensionTotal = def.dimensions.count
            page.partial = reported > 0 && (reported < data.count || dimsWithData < def.dimensions.count)
            if reported > 0 {
                page.scores = result.scores.map { s in
                    .init(
                        rank: s.rank, province: provinceName(s.unit, lang), href: "/indicators?lang=\(lang.rawValue)&unit=\(s.unit)\(suffix)",
                        score: fmt(s.score), range: ranges[s.unit] ?? "", dims: def.dimensions.map { fmt(s.dimensions[$0.code]) },
                        selected: s.unit == unit)
                }
                if indicator == nil { mapValues = Dictionary(result.scores.map { ($0.unit, $0.score) }, uniquingKeysWith: { a, _ in a }) }
            }
            page.hasScores = !page.scores.isEmpty
            page.imputedCount = result.imputed.count
        }
        var aggregates: [String: [String: Double]] = [:]
        for i in catalogue.values.sorted(by: { $0.code < $1.code }) {
            let agg = try await service.aggregate(i.code, statuses: [.approved], period: String(year), catalogue: catalogue, hierarchy: hierarchy)
            aggregates[i.code] = agg.compactMapValues { $0[String(year)]?.value }
            page.indicatorRows.append(
                .init(
                    code: i.code, name: name(i), unit: i.unit, value: fmt(aggregates[i.code]?["VN"]),
                    provinceValue: unit.map { fmt(aggregates[i.code]?[$0]) } ?? ""))
        }
        if let indicator, let i = catalogue[indicator] {
            mapValues = (aggregates[indicator] ?? [:]).filter { k, _ in provinces.contains { $0.code == k } }
            page.mapTitle = "\(name(i)) (\(i.unit)) · \(year)"
        } else {
            page.mapTitle = "\(page.indexName) · \(year)"
        }
        page.indicatorOptions = catalogue.values.sorted { $0.code < $1.code }.map {
            IndexPage.Option(code: $0.code, name: name($0), selected: $0.code == indicator)
        }
        // The choropleth: five classes by quantile of the mapped values.
        let sorted = mapValues.values.filter(\.isFinite).sorted()
        func cls(_ v: Double) -> Int {
            guard let i = sorted.firstIndex(where: { $0 >= v }), sorted.count > 1 else { return 2 }
            return min(4, i * 5 / sorted.count)
        }
        if !sorted.isEmpty {
            page.classes = (0..<5).compactMap { k in
                let members = sorted.filter { cls($0) == k }
                guard let lo = members.first, let hi = members.last else { return nil }
                return .init(color: Self.classColors[k], text: k >= 3 ? "#ffffff" : "#1d2b24", range: "\(fmt(lo)) – \(fmt(hi))")
            }
        }
        let outlines = try await mapOutlines()
        let areas = provinces.compactMap { p in
            outlines[p.code].map { o in
                MapView.Area(
                    code: p.code, name: "\(lang == .vi ? p.nameVi : p.nameEn): \(fmt(mapValues[p.code]))", outline: o,
                    href: "/indicators?lang=\(lang.rawValue)&unit=\(p.code)\(suffix)\(indicator.map { "&indicator=\($0)" } ?? "")",
                    fill: mapValues[p.code].map { Self.classColors[cls($0)] } ?? "#ffffff")
            }
        }
        page.hasMap = !areas.isEmpty
        page.map =
            areas.isEmpty
            ? ""
            : MapView(framing: areas.flatMap { $0.outline.rings.flatMap { $0 } }).svg(areas: areas, focus: unit, markers: [], label: page.mapTitle)
        page.provinceOptions = provinceOptions(lang, selected: unit)
        page.unitName = unit.map { provinceName($0, lang) }
        for t in try await services.store.targets(indicator: nil, unit: unit) {
            guard let i = catalogue[t.indicator] else { continue }
            let value = aggregates[t.indicator]?[t.unit]
            let p = TargetProgress.evaluate(t, direction: i.direction, year: year, value: value)
            let color = Self.statusColors[p.status.rawValue] ?? ("#d7dcd9", "#1d2b24")
            page.targets.append(
                .init(
                    indicator: name(i), unit: t.unit == "VN" ? words["nation", default: "nation"] : provinceName(t.unit, lang),
                    value: fmt(value), target: "\(fmt(t.targetValue)) (\(t.targetYear))",
                    status: words[p.status.rawValue, default: p.status.rawValue], color: color.background, textColor: color.text, source: t.source))
        }
        page.hasTargets = !page.targets.isEmpty
        let title = page.unitName.map { "\(words["title", default: "title"]) · \($0)" } ?? words["title", default: "title"]
        return layout(lang, title: title, path: "/indicators", page)
    }

    /// `/indicators/methods`: how the index is made, from its definition, in the page's language.
    func indicatorMethods(_ lang: Language) throws -> WebPage<MethodsPage> {
        let words = labels.indicators(lang)
        var page = MethodsPage(ind: words)
        if let def = try IndexCatalogue.bundled().indexes.first {
            page.indexName = lang == .vi ? def.nameVi : def.nameEn
            page.normalisation = words["norm_\(def.normalisation.rawValue)", default: def.normalisation.rawValue]
            page.aggregation = words["agg_\(def.aggregation.rawValue)", default: def.aggregation.rawValue]
            page.imputation = words["imp_\(def.imputation.rawValue)", default: def.imputation.rawValue]
            page.dimensions = def.dimensions.map { d in
                MethodsPage.Dimension(
                    name: lang == .vi ? d.nameVi : d.nameEn, weight: Self.number(d.weight, lang, digits: 2),
                    components: d.components.map {
                        .init(
                            indicator: $0.indicator, weight: Self.number($0.weight, lang, digits: 2),
                            direction: words["dir_\($0.direction.rawValue)", default: $0.direction.rawValue])
                    })
            }
        }
        return layout(lang, title: words["methodsTitle", default: "Methods"], path: "/indicators/methods", page)
    }
}
