import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhStore

/// Stations, facilities and API keys, called directly on each engine.
@Suite struct RegistryContractTests {
    @Test(arguments: Engine.available) func stationsPageByCodeAndFilter(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        for (code, kind, province) in [("B-2", StationKind.ambientAir, "01"), ("A-1", .wastewater, "31"), ("C-3", .ambientAir, "31")] {
            _ = try await store.createStation(
                Station(code: code, name: code, kind: kind, province: province, parameters: [StationParameter(parameter: "PM10")]))
        }
        #expect(try await store.stations(after: nil, limit: 2, kind: nil, province: nil).map(\.code) == ["A-1", "B-2"])
        #expect(try await store.stations(after: "B-2", limit: 2, kind: nil, province: nil).map(\.code) == ["C-3"])
        #expect(try await store.stations(after: nil, limit: 10, kind: .ambientAir, province: "31").map(\.code) == ["C-3"])
        #expect(try await store.allStations(pageSize: 1).map(\.code) == ["A-1", "B-2", "C-3"])
        await #expect(throws: StoreError.notFound("station 'Z' does not exist")) { try await store.setStationActive(code: "Z", active: false) }
    }

    @Test(arguments: Engine.available) func facilitiesUpdateListAndDeactivate(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let a = try await store.createFacility(Facility(name: "Nhà máy A", province: "31"))
        let b = try await store.createFacility(Facility(name: "Nhà máy B", taxCode: "0100100100", province: "01"))
        var changed = a
        changed.name = "Nhà máy A (mới)"
        changed.address = "Đình Vũ"
        #expect(try await store.updateFacility(changed) == changed)
        #expect(try await store.facility(id: try #require(a.id)) == changed)
        #expect(try await store.facilities(after: nil, limit: 10).map(\.name) == ["Nhà máy A (mới)", "Nhà máy B"])
        #expect(try await store.facilities(after: a.id, limit: 10).map(\.id) == [b.id])
        try await store.setFacilityActive(id: try #require(b.id), active: false)
        #expect(try await store.facility(id: try #require(b.id))?.active == false)
        await #expect(throws: StoreError.notFound("facility 999 does not exist")) { try await store.setFacilityActive(id: 999, active: true) }
        var ghost = changed
        ghost.id = 999
        await #expect(throws: StoreError.notFound("facility 999 does not exist")) { try await store.updateFacility(ghost) }
        // A station may name only a facility that exists.
        await #expect(throws: StoreError.self) {
            try await store.createStation(Station(code: "X", name: "X", kind: .wastewater, province: "31", facility: 999, parameters: []))
        }
    }

    @Test(arguments: Engine.available) func apiKeysAreFoundByHashWithTheirRole(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        try await store.createAPIKey(name: "trạm", hash: "h1", role: "editor")
        #expect(try await store.apiKey(hash: "h1") == Caller(name: "trạm", role: "editor"))
        #expect(try await store.apiKey(hash: "h2") == nil)
        try await store.setAPIKeyRole(name: "trạm", role: "approver")
        #expect(try await store.apiKey(hash: "h1")?.role == "approver")
        await #expect(throws: StoreError.notFound("no API key named 'nobody'")) { try await store.setAPIKeyRole(name: "nobody", role: "editor") }
        // A second key with the same hash cannot be created.
        await #expect(throws: (any Error).self) { try await store.createAPIKey(name: "other", hash: "h1", role: "editor") }
    }

    @Test(arguments: Engine.available) func apiKeysAreScopedListedAndRevoked(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        try await store.createAPIKey(name: "logger", hash: "h1", role: "facility_operator")
        try await store.createAPIKey(name: "officer", hash: "h2", role: "monitoring_officer")
        let scope = AccessScope(facility: 7, stations: ["HN-NKT", "HN-HK"])
        try await store.setAPIKeyScope(name: "logger", scope: scope)
        #expect(try await store.apiKey(hash: "h1") == Caller(name: "logger", role: "facility_operator", scope: scope))
        #expect(try await store.apiKey(hash: "h2")?.scope == .province)
        // One active key per name; once it is revoked the name may serve a new key.
        await #expect(throws: StoreError.conflict("an active key is already named 'logger'")) {
            try await store.createAPIKey(name: "logger", hash: "h9", role: "reporter")
        }
        try await store.revokeAPIKey(name: "logger")
        #expect(try await store.apiKey(hash: "h1") == nil)
        let list = try await store.apiKeys()
        #expect(list.map(\.key.name) == ["logger", "officer"])
        #expect(list.map(\.revoked) == [true, false] && list[0].key.scope == scope && list.allSatisfy { $0.createdAt > 0 })
        await #expect(throws: StoreError.notFound("no API key named 'nobody'")) { try await store.revokeAPIKey(name: "nobody") }
        await #expect(throws: StoreError.notFound("no API key named 'nobody'")) { try await store.setAPIKeyScope(name: "nobody", scope: .province) }
    }
}
