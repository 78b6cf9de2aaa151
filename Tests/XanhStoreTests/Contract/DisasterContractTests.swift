import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhServices
import XanhStore

/// Disaster events, called directly on each engine: one record per id whose changes are kept in order, a refused
/// change stores nothing, an unchanged report writes nothing, and the filters and the bound hold.
@Suite struct DisasterContractTests {
    static func event(_ id: String, _ kind: HazardKind, start: Int64, dead: Int) -> DisasterEvent {
        var e = DisasterEffect(unit: "20")
        e.dead = dead
        e.houses = [HouseDamage(structure: .makeshift, level: .destroyed, count: 2)]
        return DisasterEvent(id: id, kind: kind, start: start, report: .quick24h, effects: [e])
    }

    struct Refusal: Error {}

    @Test(arguments: Engine.available) func eventsKeepTheirHistory(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let a = Self.event("A", .flood, start: 1_000, dead: 1)
        let b = Self.event("B", .landslide, start: 2_000, dead: 0)
        #expect(try await store.changeDisasterEvent(id: "A", by: "r", at: 10) { _ in (a, "create", nil) }.created)
        #expect(try await store.changeDisasterEvent(id: "B", by: "r", at: 11) { _ in (b, "create", nil) }.created)
        let a2 = {
            var e = Self.event("A", .flood, start: 1_000, dead: 3)
            e.report = .daily
            return e
        }()
        let (stored, created, action) = try await store.changeDisasterEvent(id: "A", by: "r", at: 12) { old in
            #expect(old == a)
            return (a2, "update", nil)
        }
        #expect(!created && stored == a2 && action == "update")
        // Refused: nothing changes, nothing is recorded.
        await #expect(throws: Refusal.self) {
            _ = try await store.changeDisasterEvent(id: "A", by: "r", at: 13) { _ in throw Refusal() }
        }
        _ = try await store.changeDisasterEvent(id: "A", by: "r", at: 14) { old in (old ?? a2, "unchanged", nil) }
        let approved = {
            var e = a2
            e.status = .approved
            return e
        }()
        _ = try await store.changeDisasterEvent(id: "A", by: "p", at: 15) { _ in (approved, "approve", "ok") }
        #expect(try await store.disasterEvent(id: "A") == approved)
        #expect(try await store.disasterEvent(id: "Z") == nil)
        let history = try await store.disasterHistory(id: "A")
        #expect(history.map(\.action) == ["create", "update", "approve"] && history.map(\.at) == [10, 12, 15])
        #expect(history.last == DisasterChange(at: 15, by: "p", action: "approve", oldStatus: .draft, newStatus: .approved, comment: "ok"))
        let all = Set(ValueStatus.allCases)
        #expect(try await store.disasterEvents(from: nil, to: nil, kind: nil, statuses: all, limit: 10) == [approved, b])
        #expect(try await store.disasterEvents(from: nil, to: nil, kind: nil, statuses: [.approved], limit: 10) == [approved])
        #expect(try await store.disasterEvents(from: nil, to: nil, kind: nil, statuses: [], limit: 10) == [])
        #expect(try await store.disasterEvents(from: nil, to: nil, kind: .landslide, statuses: all, limit: 10) == [b])
        #expect(try await store.disasterEvents(from: 1_500, to: 2_001, kind: nil, statuses: all, limit: 10) == [b])
        #expect(try await store.disasterEvents(from: nil, to: nil, kind: nil, statuses: all, limit: 1) == [approved])
    }
}
