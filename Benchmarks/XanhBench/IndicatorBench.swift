import ArgumentParser
import Foundation
import XanhCore
import XanhSQLStore
import XanhServices
import XanhStore

/// `xanh bench --indicators`: aggregation of one indicator to every province and year, and the index with a Monte
/// Carlo sensitivity analysis, on 34 provinces × 3,321 communes × 72 indicators × 10 years of commune values.
struct IndicatorBench {
    let years: Int
    let runs: Int

    func run() async throws {
        let reference = try ReferenceData.bundled()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-indbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        print("machine: \(Machine.describe())")
        let store = try await BenchStore.sqlite(dir.appendingPathComponent("ind.sqlite").path, reference: reference)
        // 3,321 communes, as many per province as the 2025 list says (synthetic codes).
        var communes: [AdminUnit] = []
        for p in reference.provinces {
            for k in 1...p.communes {
                let id = "\(p.code)\(String(format: "%03d", k))"
                communes.append(AdminUnit(id: id, code: id, nameVi: "Xã \(k)", nameEn: "Commune \(k)", level: .commune, parent: p.code))
            }
        }
        try await store.upsertUnits(communes)
        // 72 indicators: the catalogue plus synthetic ones, alternately ratios and summed values.
        var indicators = try await store.indicators().filter { [.direct, .ratio].contains($0.computation) }
        var n = 0
        while indicators.count < 72 {
            n += 1
            let ratio = n % 2 == 0
            let i = Indicator(
                code: "BENCH.\(n)", nameVi: "Chỉ tiêu thử \(n)", nameEn: "Bench indicator \(n)", unit: ratio ? "%" : "t", frequency: .year,
                direction: .higher,
                agency: nil, frameworks: ["BENCH"], computation: ratio ? .ratio : .direct, numerator: ratio ? "a" : nil,
                denominator: ratio ? "b" : nil,
                factor: ratio ? 100 : nil, unitAggregation: ratio ? .ratioOfSums : .sum, periodAggregation: ratio ? .ratioOfSums : .sum, min: nil,
                max: nil,
                source: nil, official: false, confidence: nil)
            try await store.upsertIndicator(i)
            indicators.append(i)
        }
        let firstYear = 2025 - years + 1
        let fillSeconds = try await Clocked.seconds {
            for i in indicators {
                var rows: [(indicator: String, unit: String, period: String, value: Double?, numerator: Double?, denominator: Double?)] = []
                rows.reserveCapacity(communes.count * years)
                for (k, c) in communes.enumerated() {
                    for y in firstYear...2025 {
                        let den = Double(100 + (k * 37 + y) % 900)
                        let share = Double((k * 13 + y * 7) % 100) / 100
                        rows.append(
                            i.isRatio
                                ? (i.code, c.id, String(y), den * share / den * 100, den * share, den)
                                : (i.code, c.id, String(y), den * share, nil, nil))
                    }
                }
                try await store.benchFillValues(rows)
            }
        }
        let total = indicators.count * communes.count * years
        print(
            "store: 34 provinces × \(communes.count) communes × \(indicators.count) indicators × \(years) years = \(total) values, filled in \(String(format: "%.0f", fillSeconds)) s"
        )

        let service = store.services.indicators
        guard let ratio = indicators.first(where: { $0.isRatio })?.code else { return }
        var aggMillis: [Double] = []
        var cells = 0
        for _ in 0..<10 {
            let s = try await Clocked.seconds { cells = try await service.aggregate(ratio).values.reduce(0) { $0 + $1.count } }
            aggMillis.append(s * 1000)
        }
        var sqlMillis: [Double] = []
        for _ in 0..<10 {
            let s = try await Clocked.seconds { _ = try await store.benchAggregateSQL(indicator: ratio) }
            sqlMillis.append(s * 1000)
        }
        guard let def = try IndexCatalogue.bundled().indexes.first else { return }
        var data: [String: [String: Double?]] = [:]
        let dataSeconds = try await Clocked.seconds { data = try await service.indexData(def, year: 2025) }
        var result: IndexResult?
        let computeSeconds = Clocked.seconds { result = CompositeIndex.compute(def, data: data) }
        var sensitivity: CompositeIndex.Sensitivity?
        let sensitivitySeconds = Clocked.seconds { sensitivity = CompositeIndex.sensitivity(def, data: data, runs: runs, seed: 1) }
        func median(_ a: [Double]) -> Double { a.sorted()[a.count / 2] }
        Table.print([
            ("values stored", "\(total)"),
            (
                "aggregate one ratio indicator to every province (and the nation) for every year, \(cells) results",
                "median \(String(format: "%.1f", median(aggMillis))) ms over 10"
            ),
            ("baseline: one SQL GROUP BY of the same rows", "median \(String(format: "%.1f", median(sqlMillis))) ms"),
            ("index inputs: \(Set(def.indicators).count) indicators aggregated for 34 provinces", "\(String(format: "%.0f", dataSeconds * 1000)) ms"),
            ("index: scores and ranks (\(result?.scores.count ?? 0) provinces)", "\(String(format: "%.2f", computeSeconds * 1000)) ms"),
            ("index: Monte Carlo sensitivity, \(sensitivity?.runs ?? 0) runs", "\(String(format: "%.0f", sensitivitySeconds * 1000)) ms"),
        ])
    }
}
