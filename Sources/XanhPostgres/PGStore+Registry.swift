import Foundation
import XanhCore
import XanhStore

extension PGStore: RegistryStore {
    private func validate(_ s: Station, _ c: PGConn) async throws -> Station {
        var problems = RegistryValidation.check(
            s, catalogue: reference.parameters, provinces: reference.provinceCodes, facilityLimits: reference.facilityLimits)
        if let f = s.facility, try await c.query("SELECT 1 FROM facilities WHERE id = ?", [f]).rows.isEmpty {
            problems.append(.init(field: "facility", message: "facility \(f) does not exist"))
        }
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        var out = s
        out.parameters = s.parameters.map { StationParameter(parameter: reference.parameters.lookup($0.parameter, kind: s.kind)!.code, interval: $0.interval) }
        return out
    }

    private func writeSeries(_ s: Station, stationID: Int64, _ c: PGConn) async throws {
        try await c.execute("UPDATE series SET active = 0 WHERE station_id = ?", [stationID])
        for p in s.parameters {
            try await c.execute(
                """
                INSERT INTO series(station_id, parameter, "interval", active) VALUES (?,?,?,1)
                ON CONFLICT(station_id, parameter) DO UPDATE SET "interval" = excluded."interval", active = 1
                """, [stationID, p.parameter, p.interval])
        }
    }

    public func createStation(_ s: Station) async throws -> Station {
        let created = try await write { c -> Station in
            let s = try await self.validate(s, c)
            if try await !c.query("SELECT 1 FROM stations WHERE code = ?", [s.code]).rows.isEmpty {
                throw StoreError.conflict("station '\(s.code)' already exists")
            }
            let now = Self.now()
            let id = try await c.scalar(
                """
                INSERT INTO stations(code, name, kind, province, facility_id, latitude, longitude, active, created_at, updated_at,
                  silence_after, limits)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id
                """,
                [
                    s.code, s.name, s.kind.rawValue, s.province, s.facility, s.latitude, s.longitude, s.active, now, now, s.silenceAfter,
                    Self.encodeLimits(s.limits),
                ]
            ).int64!
            try await self.writeSeries(s, stationID: id, c)
            return s
        }
        directoryCache.set(nil)
        return created
    }

    public func updateStation(_ s: Station) async throws -> Station {
        let updated = try await write { c -> Station in
            let s = try await self.validate(s, c)
            guard let id = try await c.scalar("SELECT id FROM stations WHERE code = ?", [s.code]).int64 else {
                throw StoreError.notFound("station '\(s.code)' does not exist")
            }
            try await c.execute(
                """
                UPDATE stations SET name=?, kind=?, province=?, facility_id=?, latitude=?, longitude=?, active=?, updated_at=?,
                  silence_after=?, limits=?
                WHERE id = ?
                """,
                [
                    s.name, s.kind.rawValue, s.province, s.facility, s.latitude, s.longitude, s.active, Self.now(), s.silenceAfter,
                    Self.encodeLimits(s.limits), id,
                ])
            try await self.writeSeries(s, stationID: id, c)
            return s
        }
        directoryCache.set(nil)
        return updated
    }

    static func encodeLimits(_ l: FacilityLimitConfig?) -> String? {
        guard let l, let data = try? JSONEncoder().encode(l) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeLimits(_ s: String?) -> FacilityLimitConfig? {
        guard let s else { return nil }
        return try? JSONDecoder().decode(FacilityLimitConfig.self, from: Data(s.utf8))
    }

    private func loadStations(_ c: PGConn, sql: String, _ args: [any PGArgConvertible]) async throws -> [Station] {
        let rows = try await c.records(sql, args)
        guard !rows.isEmpty else { return [] }
        let ids = rows.compactMap { $0["id"].int64 }
        var params: [Int64: [StationParameter]] = [:]
        for r in try await c.records(
            #"SELECT station_id, parameter, "interval" FROM series WHERE active = 1 AND station_id = ANY(?) ORDER BY id"#, [PGArg.ints(ids)])
        {
            params[r["station_id"].int64!, default: []].append(StationParameter(parameter: r["parameter"].text!, interval: r["interval"].int!))
        }
        return rows.map { r in
            Station(
                code: r["code"].text!, name: r["name"].text!, kind: StationKind(rawValue: r["kind"].text!) ?? .other,
                province: r["province"].text ?? "", facility: r["facility_id"].int64, latitude: r["latitude"].double,
                longitude: r["longitude"].double, parameters: params[r["id"].int64!] ?? [], active: r["active"].bool,
                silenceAfter: r["silence_after"].int, limits: Self.decodeLimits(r["limits"].text))
        }
    }

    public func station(code: String) async throws -> Station? {
        try await read { c in try await self.loadStations(c, sql: "SELECT * FROM stations WHERE code = ?", [code]).first }
    }

    public func stations(after: String?, limit: Int, kind: StationKind?, province: String?) async throws -> [Station] {
        try await read { c in
            var clauses = [#"code > ? COLLATE "C""#]
            var args: [any PGArgConvertible] = [after ?? ""]
            if let kind {
                clauses.append("kind = ?")
                args.append(kind.rawValue)
            }
            if let province {
                clauses.append("province = ?")
                args.append(province)
            }
            args.append(limit)
            // Codes sort byte-wise, as in SQLite, whatever the database's collation.
            return try await self.loadStations(
                c, sql: #"SELECT * FROM stations WHERE \#(clauses.joined(separator: " AND ")) ORDER BY code COLLATE "C" LIMIT ?"#,
                args)
        }
    }

    public func setStationActive(code: String, active: Bool) async throws {
        try await write { c in
            let n = try await c.changes("UPDATE stations SET active = ?, updated_at = ? WHERE code = ? RETURNING 1", [active, Self.now(), code])
            if n == 0 { throw StoreError.notFound("station '\(code)' does not exist") }
        }
        directoryCache.set(nil)
    }

    static func decodeFacility(_ r: SQLRecord) -> Facility {
        Facility(
            id: r["id"].int64, name: r["name"].text!, taxCode: r["tax_code"].text, sector: r["sector"].text, province: r["province"].text!,
            address: r["address"].text, active: r["active"].bool)
    }

    public func createFacility(_ f: Facility) async throws -> Facility {
        let problems = RegistryValidation.check(f, provinces: reference.provinceCodes)
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        return try await write { c in
            let now = Self.now()
            var out = f
            out.id = try await c.scalar(
                "INSERT INTO facilities(name, tax_code, sector, province, address, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                [f.name, f.taxCode, f.sector, f.province, f.address, f.active, now, now]
            ).int64
            return out
        }
    }

    public func updateFacility(_ f: Facility) async throws -> Facility {
        let problems = RegistryValidation.check(f, provinces: reference.provinceCodes)
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        guard let id = f.id else { throw StoreError.invalid([.init(field: "id", message: "is required")]) }
        return try await write { c in
            let n = try await c.changes(
                "UPDATE facilities SET name=?, tax_code=?, sector=?, province=?, address=?, active=?, updated_at=? WHERE id=? RETURNING 1",
                [f.name, f.taxCode, f.sector, f.province, f.address, f.active, Self.now(), id])
            if n == 0 { throw StoreError.notFound("facility \(id) does not exist") }
            return f
        }
    }

    public func facility(id: Int64) async throws -> Facility? {
        try await read { c in try await c.records("SELECT * FROM facilities WHERE id = ?", [id]).first.map(Self.decodeFacility) }
    }

    public func facilities(after: Int64?, limit: Int) async throws -> [Facility] {
        try await read { c in
            try await c.records("SELECT * FROM facilities WHERE id > ? ORDER BY id LIMIT ?", [after ?? 0, limit]).map(Self.decodeFacility)
        }
    }

    public func setFacilityActive(id: Int64, active: Bool) async throws {
        try await write { c in
            let n = try await c.changes("UPDATE facilities SET active = ?, updated_at = ? WHERE id = ? RETURNING 1", [active, Self.now(), id])
            if n == 0 { throw StoreError.notFound("facility \(id) does not exist") }
        }
    }

    public func createAPIKey(name: String, hash: String) async throws {
        try await write { c in
            try await c.execute("INSERT INTO api_keys(name, hash, created_at) VALUES (?,?,?)", [name, hash, Self.now()])
        }
    }

    public func apiKeyName(hash: String) async throws -> String? {
        try await read { c in try await c.scalar("SELECT name FROM api_keys WHERE hash = ? AND revoked = 0", [hash]).text }
    }

    public func seriesDirectory() async throws -> SeriesDirectory {
        if let d = directoryCache.get() { return d }
        let d = try await read { c in
            var stations: [String: SeriesDirectory.StationEntry] = [:]
            for r in try await c.query("SELECT code, active FROM stations").rows {
                stations[r[0].text!] = .init(active: r[1].bool, series: [:])
            }
            for r in try await c.query(
                "SELECT st.code, s.parameter, s.id FROM series s JOIN stations st ON st.id = s.station_id WHERE s.active = 1"
            ).rows {
                stations[r[0].text!]?.series[r[1].text!] = r[2].int64!
            }
            return SeriesDirectory(stations: stations)
        }
        directoryCache.set(d)
        return d
    }
}
