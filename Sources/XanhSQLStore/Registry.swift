import Foundation
import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: StationStore {
    private func checkFacility(_ s: Station, _ c: any SQLConnection) async throws {
        if let f = s.facility, try await !c.exists("SELECT 1 FROM facilities WHERE id = \(f)") {
            throw StoreError.invalid([.init(field: "facility", message: "facility \(f) does not exist")])
        }
    }

    private func writeSeries(_ s: Station, stationID: Int64, _ c: any SQLConnection) async throws {
        try await c.execute("UPDATE series SET active = 0 WHERE station_id = \(stationID)")
        for p in s.parameters {
            try await c.execute(
                """
                INSERT INTO series(station_id, parameter, "interval", active) VALUES (\(stationID), \(p.parameter), \(p.interval), 1)
                ON CONFLICT(station_id, parameter) DO UPDATE SET "interval" = excluded."interval", active = 1
                """)
        }
    }

    public func createStation(_ s: Station) async throws -> Station {
        let now = now()
        let created = try await write { c -> Station in
            try await self.checkFacility(s, c)
            if try await c.exists("SELECT 1 FROM stations WHERE code = \(s.code)") { throw StoreError.conflict("station '\(s.code)' already exists") }
            let id = try await c.insertReturningID(
                """
                INSERT INTO stations(code, name, kind, province, facility_id, latitude, longitude, active, created_at, updated_at, silence_after, limits)
                VALUES (\(s.code), \(s.name), \(s.kind.rawValue), \(s.province), \(s.facility), \(s.latitude), \(s.longitude), \(s.active), \(now), \(now),
                  \(s.silenceAfter), \(s.limits.map(StoredJSON.encode)))
                """)
            try await self.writeSeries(s, stationID: id, c)
            return s
        }
        directoryCache.set(nil)
        return created
    }

    public func updateStation(_ s: Station) async throws -> Station {
        let now = now()
        let updated = try await write { c -> Station in
            try await self.checkFacility(s, c)
            guard let id = try await c.scalar("SELECT id FROM stations WHERE code = \(s.code)").int64 else {
                throw StoreError.notFound("station '\(s.code)' does not exist")
            }
            try await c.execute(
                """
                UPDATE stations SET name = \(s.name), kind = \(s.kind.rawValue), province = \(s.province), facility_id = \(s.facility),
                  latitude = \(s.latitude), longitude = \(s.longitude), active = \(s.active), updated_at = \(now), silence_after = \(s.silenceAfter),
                  limits = \(s.limits.map(StoredJSON.encode))
                WHERE id = \(id)
                """)
            try await self.writeSeries(s, stationID: id, c)
            return s
        }
        directoryCache.set(nil)
        return updated
    }

    private func loadStations(_ c: any SQLConnection, _ sql: SQL) async throws -> [Station] {
        let rows = try await c.query(sql)
        guard !rows.isEmpty else { return [] }
        var params: [Int64: [StationParameter]] = [:]
        let ids = try rows.map { try $0.int64("id") }
        for part in stride(from: 0, to: ids.count, by: 500) {
            for r in try await c.query(
                """
                SELECT station_id, parameter, "interval" FROM series WHERE active = 1 AND station_id IN (\(list: ids[part..<min(ids.count, part + 500)]))
                ORDER BY id
                """)
            {
                params[try r.int64("station_id"), default: []].append(
                    StationParameter(parameter: try r.text("parameter"), interval: try r.int("interval")))
            }
        }
        return try rows.map { r in
            Station(
                code: try r.text("code"), name: try r.text("name"), kind: StationKind(rawValue: try r.text("kind")) ?? .other,
                province: r.optionalText("province") ?? "", facility: try r.optionalInt64("facility_id"), latitude: try r.optionalDouble("latitude"),
                longitude: try r.optionalDouble("longitude"), parameters: params[try r.int64("id")] ?? [], active: try r.bool("active"),
                silenceAfter: try r.optionalInt("silence_after"), limits: StoredJSON.decode(FacilityLimitConfig.self, r.optionalText("limits")))
        }
    }

    public func station(code: String) async throws -> Station? {
        try await read { c in try await self.loadStations(c, "SELECT * FROM stations WHERE code = \(code)").first }
    }

    public func stations(after: String?, limit: Int, kind: StationKind?, province: String?) async throws -> [Station] {
        try await read { c in
            // Codes sort byte-wise on both engines, whatever the database's collation.
            var clauses: [SQL] = ["code > \(after ?? "")\(raw: c.dialect.bytewise)"]
            if let kind { clauses.append("kind = \(kind.rawValue)") }
            if let province { clauses.append("province = \(province)") }
            return try await self.loadStations(
                c, "SELECT * FROM stations WHERE \(SQL.join(clauses, " AND ")) ORDER BY code\(raw: c.dialect.bytewise) LIMIT \(limit)")
        }
    }

    public func setStationActive(code: String, active: Bool) async throws {
        let now = now()
        try await write { c in
            if try await c.execute("UPDATE stations SET active = \(active), updated_at = \(now) WHERE code = \(code)") == 0 {
                throw StoreError.notFound("station '\(code)' does not exist")
            }
        }
        directoryCache.set(nil)
    }

    public func seriesDirectory() async throws -> SeriesDirectory {
        if let d = directoryCache.get() { return d }
        let d = try await read { c in
            var stations: [String: SeriesDirectory.StationEntry] = [:]
            for r in try await c.query("SELECT code, active FROM stations") {
                stations[try r.text("code")] = .init(active: try r.bool("active"), series: [:])
            }
            for r in try await c.query("SELECT st.code, s.parameter, s.id FROM series s JOIN stations st ON st.id = s.station_id WHERE s.active = 1")
            {
                stations[try r.text("code")]?.series[try r.text("parameter")] = try r.int64("id")
            }
            return SeriesDirectory(stations: stations)
        }
        directoryCache.set(d)
        return d
    }
}

extension SQLStore: FacilityStore {
    static func decodeFacility(_ r: SQLRow) throws -> Facility {
        Facility(
            id: try r.int64("id"), name: try r.text("name"), taxCode: r.optionalText("tax_code"), sector: r.optionalText("sector"),
            province: try r.text("province"), address: r.optionalText("address"), active: try r.bool("active"))
    }

    public func createFacility(_ f: Facility) async throws -> Facility {
        let now = now()
        return try await write { c in
            var out = f
            out.id = try await c.insertReturningID(
                """
                INSERT INTO facilities(name, tax_code, sector, province, address, active, created_at, updated_at)
                VALUES (\(f.name), \(f.taxCode), \(f.sector), \(f.province), \(f.address), \(f.active), \(now), \(now))
                """)
            return out
        }
    }

    public func updateFacility(_ f: Facility) async throws -> Facility {
        guard let id = f.id else { throw StoreError.invalid([.init(field: "id", message: "is required")]) }
        let now = now()
        return try await write { c in
            let n = try await c.execute(
                """
                UPDATE facilities SET name = \(f.name), tax_code = \(f.taxCode), sector = \(f.sector), province = \(f.province), address = \(f.address),
                  active = \(f.active), updated_at = \(now) WHERE id = \(id)
                """)
            if n == 0 { throw StoreError.notFound("facility \(id) does not exist") }
            return f
        }
    }

    public func facility(id: Int64) async throws -> Facility? {
        try await read { c in try await c.one("SELECT * FROM facilities WHERE id = \(id)").map(Self.decodeFacility) }
    }

    public func facilities(after: Int64?, limit: Int) async throws -> [Facility] {
        try await read { c in
            try await c.query("SELECT * FROM facilities WHERE id > \(after ?? 0) ORDER BY id LIMIT \(limit)").map(Self.decodeFacility)
        }
    }

    public func setFacilityActive(id: Int64, active: Bool) async throws {
        let now = now()
        try await write { c in
            if try await c.execute("UPDATE facilities SET active = \(active), updated_at = \(now) WHERE id = \(id)") == 0 {
                throw StoreError.notFound("facility \(id) does not exist")
            }
        }
    }
}

extension SQLStore: KeyStore {
    public func createAPIKey(name: String, hash: String, role: String) async throws {
        let now = now()
        try await write { c in
            // A name names one active key (revoking by name must not end another's).
            if try await c.one("SELECT 1 FROM api_keys WHERE name = \(name) AND revoked = 0") != nil {
                throw StoreError.conflict("an active key is already named '\(name)'")
            }
            try await c.execute("INSERT INTO api_keys(name, hash, created_at, role) VALUES (\(name), \(hash), \(now), \(role))")
        }
    }

    public func apiKey(hash: String) async throws -> Caller? {
        try await read { c in
            try await c.one("SELECT name, role, facility_id, stations, unit, agency FROM api_keys WHERE hash = \(hash) AND revoked = 0").map(
                Self.keyRecord)
        }
    }

    static func keyRecord(_ r: SQLRow) throws -> Caller {
        return Caller(name: try r.text("name"), role: try r.text("role"), scope: try scope(r))
    }

    /// A scope as the keys and users tables hold it.
    static func scope(_ r: SQLRow) throws -> AccessScope {
        let stations = (r.optionalText("stations") ?? "").split(separator: ",").map(String.init)
        return AccessScope(
            facility: try r.optionalInt64("facility_id"), stations: stations, unit: r.optionalText("unit"), agency: r.optionalText("agency"))
    }

    public func setAPIKeyScope(name: String, scope: AccessScope) async throws {
        let stations = scope.stations.joined(separator: ",")
        try await write { c in
            if try await c.execute(
                "UPDATE api_keys SET facility_id = \(scope.facility), stations = \(stations), unit = \(scope.unit), agency = \(scope.agency) WHERE name = \(name)"
            ) == 0 {
                throw StoreError.notFound("no API key named '\(name)'")
            }
        }
    }

    public func revokeAPIKey(name: String) async throws {
        try await write { c in
            if try await c.execute("UPDATE api_keys SET revoked = 1 WHERE name = \(name)") == 0 {
                throw StoreError.notFound("no API key named '\(name)'")
            }
        }
    }

    public func apiKeys() async throws -> [APIKeyInfo] {
        try await read { c in
            try await c.query(
                "SELECT name, role, facility_id, stations, unit, agency, created_at, revoked, last_used_at FROM api_keys ORDER BY name LIMIT 10000"
            ).map {
                APIKeyInfo(
                    key: try Self.keyRecord($0), createdAt: try $0.int64("created_at"), revoked: try $0.bool("revoked"),
                    lastUsedAt: try $0.optionalInt64("last_used_at"))
            }
        }
    }

    public func touchAPIKey(name: String, at: Int64) async throws {
        try await write { c in try await c.execute("UPDATE api_keys SET last_used_at = \(at) WHERE name = \(name)") }
    }

    public func setAPIKeyRole(name: String, role: String) async throws {
        try await write { c in
            if try await c.execute("UPDATE api_keys SET role = \(role) WHERE name = \(name)") == 0 {
                throw StoreError.notFound("no API key named '\(name)'")
            }
        }
    }
}
