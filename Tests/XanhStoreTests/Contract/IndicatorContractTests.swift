import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhStore

/// Units, the catalogue, values with their history and targets, called directly on each engine.
@Suite struct IndicatorContractTests {
    @Test(arguments: Engine.available) func unitsAndBoundaries(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let bundled = try await store.adminUnits()
        #expect(bundled.contains { $0.id == "31" && $0.level == .province })
        let commune = AdminUnit(id: "31001", code: "31001", nameVi: "Phường A", nameEn: "Ward A", level: .commune, parent: "31")
        var renamed = commune
        renamed.nameVi = "Phường Á"
        try await store.upsertUnits([commune, renamed])  // the last of one id wins
        #expect(try await store.adminUnits().first { $0.id == "31001" } == renamed)
        #expect(try await store.adminUnits().count == bundled.count + 1)
        let geo = #"{"type":"Polygon","coordinates":[[[106.6,20.8],[106.7,20.8],[106.7,20.9],[106.6,20.8]]]}"#
        let outline = MapOutline.of(try Geometry.fromGeoJSON(try JSONValue.parse(bytes: Array(geo.utf8)))).json
        try await store.setBoundary(unit: "31001", geoJSON: geo, outline: outline)
        #expect(try await store.boundary(unit: "31001") == geo)
        #expect(try await store.boundary(unit: "01") == nil)
        #expect(try await store.outlines() == ["31001": outline])
        await #expect(throws: StoreError.notFound("unit 'X' does not exist")) { try await store.setBoundary(unit: "X", geoJSON: geo, outline: nil) }
    }

    @Test(arguments: Engine.available) func theCatalogueIsStoredWhole(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let all = try await store.indicators()
        let codes = try IndicatorCatalogue.bundled().indicators.map(\.code).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(all.map(\.code) == codes)
        var first = try #require(all.first)
        first.nameEn += " (revised)"
        try await store.upsertIndicator(first)
        #expect(try await store.indicators().first == first)
        #expect(try await store.indicators().count == all.count)
    }

    @Test(arguments: Engine.available) func valuesChangeInOneTransactionWithTheirHistory(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let k24 = ValueKey(indicator: "2.1", unit: "01", period: "2024")
        let k25 = ValueKey(indicator: "2.1", unit: "01", period: "2025")
        let empty = try await store.indicatorVersion()
        try await store.changeValues([k24, k25]) { current in
            #expect(current.isEmpty)
            return [
                ValueChange(key: k24, status: .approved, fields: (10, nil, nil), by: "a", at: 1, action: "create", comment: nil),
                ValueChange(key: k25, status: .draft, fields: (12.5, nil, nil), by: "a", at: 2, action: "create", comment: nil),
            ]
        }
        let created = try await store.indicatorVersion()
        #expect(created != empty, "a write changes the version the pages are cached by")
        // What the workflow is told is what is stored; a status change keeps the value.
        try await store.changeValues([k25]) { current in
            #expect(current == [k25: ValueState(status: .draft, value: 12.5)])
            return [ValueChange(key: k25, status: .submitted, fields: nil, by: "b", at: 3, action: "submit", comment: "gửi sở")]
        }
        let submitted = try await store.indicatorVersion()
        #expect(submitted != created, "so does a status change that keeps the value")
        // A decision that throws stores nothing.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await store.changeValues([k25]) { _ in throw Refused() }
        }
        let values = try await store.values(indicator: "2.1", unit: nil, period: nil, statuses: ValueStatus.allCases, limit: 10)
        #expect(values.map(\.period) == ["2024", "2025"])
        #expect(
            values.last
                == StoredIndicatorValue(
                    indicator: "2.1", unit: "01", period: "2025", value: 12.5, numerator: nil, denominator: nil, status: .submitted, updatedBy: "b",
                    updatedAt: 3))
        #expect(try await store.values(indicator: nil, unit: "01", period: nil, statuses: [.approved], limit: 10).map(\.period) == ["2024"])
        #expect(try await store.values(indicator: nil, unit: nil, period: "2025", statuses: ValueStatus.allCases, limit: 10).count == 1)
        #expect(try await store.values(indicator: nil, unit: nil, period: nil, statuses: ValueStatus.allCases, limit: 1).count == 1)
        // No status asked for is no value (what the public gets when it asks for drafts).
        #expect(try await store.values(indicator: nil, unit: nil, period: nil, statuses: [], limit: 10).isEmpty)
        #expect(
            try await store.history(k25) == [
                ValueHistoryEntry(at: 2, by: "a", action: "create", oldValue: nil, newValue: 12.5, oldStatus: nil, newStatus: "draft", comment: nil),
                ValueHistoryEntry(
                    at: 3, by: "b", action: "submit", oldValue: 12.5, newValue: 12.5, oldStatus: "draft", newStatus: "submitted", comment: "gửi sở"),
            ])
        #expect(try await store.unitHistory(indicator: "2.1", unit: "01", before: "2025") == [10])
        #expect(try await store.unitHistory(indicator: "2.1", unit: "01", before: "2024").isEmpty)
    }

    @Test(arguments: Engine.available) func aTargetIsOnePerIndicatorUnitAndYear(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let t = IndicatorTarget(
            indicator: "2.1", unit: "31", targetYear: 2030, targetValue: 50, baselineYear: 2020, baselineValue: 30, source: "Kế hoạch 78/KH-UBND")
        let before = try await store.indicatorVersion()
        let first = try await store.upsertTarget(t)
        #expect(first.id != nil)
        let added = try await store.indicatorVersion()
        let reread = try await store.indicatorVersion()
        #expect(added != before && added == reread, "a target changes the version; a read does not")
        var revised = t
        revised.targetValue = 55
        revised.trajectory = ["2025": 40]
        let second = try await store.upsertTarget(revised)
        #expect(try await store.indicatorVersion() != added, "a revised target changes it too")
        #expect(second.id == first.id)
        _ = try await store.upsertTarget(
            IndicatorTarget(indicator: "2.1", unit: "01", targetYear: 2030, targetValue: 60, baselineYear: 2020, baselineValue: 35, source: "KH 150"))
        var expected = revised
        expected.id = first.id
        #expect(try await store.targets(indicator: "2.1", unit: "31") == [expected])
        #expect(try await store.targets(indicator: nil, unit: nil).map(\.unit) == ["01", "31"])
    }
}
