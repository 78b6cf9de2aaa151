/// Demo indicator data. Hải Phòng's reported figures (KH 78/KH-UBND context, Issue 5) are entered for the old
/// Hải Phòng in 2024, so they show under today's Hải Phòng. The rest is **synthetic**, deterministic and labelled
/// so: every province for 2021–2025 (the old 63 before the 2025 merger, the 34 after), for the indicators of the
/// shipped index, spread around the index's targets, so that aggregates, targets and the index have something to show.
public enum DemoIndicators {
    /// Hải Phòng's figures as numerators and denominators (the denominators are illustrative magnitudes).
    public static let haiPhong2024: [(code: String, numerator: Double, denominator: Double)] = [
        ("HP.WATER-CLEAN", 720_000, 720_000),  // households with clean water: 100 %
        ("QD1658.MSW-URBAN", 1_350, 1_350),  // urban solid waste treated: 100 %
        ("HP.MSW-RURAL", 819, 900),  // rural: 91 %
        ("QD1658.WW-URBAN", 53_000, 250_000),  // urban wastewater treated: 21.2 %
        ("HP.MEDICAL-WASTE", 8.6, 10),  // medical waste treated: 86 %
        ("HP.IZ-WWTP", 12, 16),  // industrial zones with central wastewater treatment: 75 %
    ]

    /// Population and GRDP (billion VND, current prices) of Lạng Sơn and Hải Phòng: **illustrative** magnitudes near the
    /// statistical yearbooks', for the Sendai indicators of the demo floods; not official figures.
    public static let context: [(unit: String, year: Int, population: Double, grdp: Double)] = [
        ("20", 2024, 807_300, 51_100), ("20", 2025, 812_600, 56_300),
        ("31", 2025, 4_664_000, 590_000),
    ]

    /// Typical levels (%) of the risk index's indicators, around which the synthetic values spread.
    static let riskLevels: [String: Double] = [
        "RISK.FLOOD-POP": 12, "RISK.LANDSLIDE-HH": 4, "RISK.POOR-HH": 5, "RISK.WEAK-HOUSES": 8, "RISK.SHELTERS": 70,
    ]

    /// Synthetic values: a unit-specific level plus a yearly improvement, from a hash of the unit and indicator.
    public static func values(units: [AdminUnit], indicators: [Indicator], indexes: [IndexDefinition]) -> [IndicatorValueInput] {
        var out: [IndicatorValueInput] = []
        let codes = Set(indexes.flatMap(\.indicators))
        let chosen = indicators.filter { codes.contains($0.code) && [.direct, .ratio].contains($0.computation) }.sorted { $0.code < $1.code }
        var targets: [String: Double] = [:]
        for index in indexes { for d in index.dimensions { for c in d.components where c.target != nil { targets[c.indicator] = c.target } } }
        let provinces = units.filter { $0.level == .province }
        for year in 2021...2025 {
            let date = "\(year)-12-31"
            for u in provinces where u.valid(on: date) {
                for i in chosen {
                    if u.id == "old-31" && year == 2024 && haiPhong2024.contains(where: { $0.code == i.code }) { continue }
                    let h = hash(u.id + i.code)
                    // Around the index's target when it has one: from 40 % short of it to 30 % past it (the other way
                    // for lower-is-better), improving 3 % of the target a year.
                    let target = targets[i.code] ?? riskLevels[i.code] ?? ((i.factor ?? 1) == 100 ? 60 : 30)
                    let better: Double = i.direction == .higher ? 1 : -1
                    let scale = i.direction == .higher ? 0.6 + 0.7 * h : 1.4 - 0.7 * h
                    var v = target * scale + better * 0.03 * target * Double(year - 2021)
                    if i.isRatio && (i.factor ?? 1) == 100 { v = min(99.5, max(0.5, v)) }
                    v = max(0, v)
                    if i.isRatio {
                        let den = (1000 + 9000 * hash(u.id)).rounded()
                        let ratio = v / (i.factor ?? 1)
                        out.append(
                            IndicatorValueInput(
                                indicator: i.code, unit: u.id, period: String(year), value: nil, numerator: (den * ratio * 1000).rounded() / 1000,
                                denominator: den, origin: "demo"))
                    } else {
                        out.append(
                            IndicatorValueInput(indicator: i.code, unit: u.id, period: String(year), value: (v * 10).rounded() / 10, origin: "demo"))
                    }
                }
            }
        }
        for (unit, year, population, grdp) in context {
            out.append(IndicatorValueInput(indicator: "CTX.POPULATION", unit: unit, period: String(year), value: population, origin: "demo"))
            out.append(IndicatorValueInput(indicator: "CTX.GRDP", unit: unit, period: String(year), value: grdp, origin: "demo"))
        }
        for (code, n, d) in haiPhong2024 {
            out.append(
                IndicatorValueInput(indicator: code, unit: "31", period: "2024", value: nil, numerator: n, denominator: d, origin: "Hải Phòng"))
        }
        return out
    }

    /// Targets: Decision 1658/QĐ-TTg for the nation; a demo target for Hải Phòng's urban wastewater.
    public static let targets: [IndicatorTarget] = [
        IndicatorTarget(
            indicator: "QD1658.MSW-URBAN", unit: "VN", targetYear: 2030, targetValue: 95, baselineYear: 2021, baselineValue: 60,
            source: "Decision 1658/QĐ-TTg (baseline: demo)"),
        IndicatorTarget(
            indicator: "QD1658.FOREST", unit: "VN", targetYear: 2030, targetValue: 42, baselineYear: 2021, baselineValue: 42,
            source: "Decision 1658/QĐ-TTg (baseline: demo)"),
        IndicatorTarget(
            indicator: "QD1658.WW-URBAN", unit: "VN", targetYear: 2030, targetValue: 50, baselineYear: 2021, baselineValue: 40,
            source: "Decision 1658/QĐ-TTg, class II+ cities (baseline: demo)"),
        IndicatorTarget(
            indicator: "QD1658.WW-URBAN", unit: "31", targetYear: 2030, targetValue: 50, baselineYear: 2020, baselineValue: 10,
            source: "Decision 1658/QĐ-TTg (demo baseline for Hải Phòng)"),
        IndicatorTarget(
            indicator: "HP.MSW-RURAL", unit: "31", targetYear: 2030, targetValue: 100, baselineYear: 2020, baselineValue: 70, source: "demo target"),
    ]

    static func hash(_ s: String) -> Double { Double(FNV1a.hash(Array(s.utf8)) % 10_000) / 10_000 }
}
