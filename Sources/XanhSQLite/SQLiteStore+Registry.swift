import Foundation
import GRDB
import XanhCore
import XanhStore

extension SQLiteStore: RegistryStore {
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    private func validate(_ s: Station, _ db: Database) throws -> Station {
        var problems = RegistryValidation.check(
            s, catalogue: reference.parameters, provinces: reference.provinceCodes, facilityLimits: reference.facilityLimits)
        if let f = s.facility, try Int.fetchOne(db, sql: "SELECT 1 FROM facilities WHERE id = ?", arguments: [f]) == nil {
            problems.append(.init(field: "facility", message: "facility \(f) does not exist"))
        }
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        var out = s
        out.parameters = s.parameters.map { StationParameter(parameter: reference.parameters.lookup($0.parameter, kind: s.kind)!.code, interval: $0.interval) }
        return out
    }

    private func writeSeries(_ s: Station, stationID: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE series SET active = 0 WHERE station_id = ?", arguments: [stationID])
        for p in s.parameters {
            try db.execute(
                sql: """
                    INSERT INTO series(station_id, parameter, interval, active) VALUES (?,?,?,1)
                    ON CONFLICT(station_id, parameter) DO UPDATE SET interval = excluded.interval, active = 1
                    """, arguments: [stationID, p.parameter, p.interval])
        }
    }

    public func createStation(_ s: Station) async throws -> Station {
        let created = try await writer.write { db -> Station in
            let s = try self.validate(s, db)
            if try Int.fetchOne(db, sql: "SELECT 1 FROM stations WHERE code = ?", arguments: [s.code]) != nil {
                throw StoreError.conflict("station '\(s.code)' already exists")
            }
            let now = Self.now()
            try db.execute(
                sql: """
                    INSERT INTO stations(code, name, kind, province, facility_id, latitude, longitude, active, created_at, updated_at,
                      silence_after, limits)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                    """,
                arguments: [
                    s.code, s.name, s.kind.rawValue, s.province, s.facility, s.latitude, s.longitude, s.active, now, now, s.silenceAfter,
                    Self.encodeLimits(s.limits),
                ])
            try self.writeSeries(s, stationID: db.lastInsertedRowID, db)
            return s
        }
        directoryCache.set(nil)
        return created
    }

    public func updateStation(_ s: Station) async throws -> Station {
        let updated = try await writer.write { db -> Station in
            let s = try self.validate(s, db)
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM stations WHERE code = ?", arguments: [s.code]) else {
                throw StoreError.notFound("station '\(s.code)' does not exist")
            }
            try db.execute(
                sql: """
                    UPDATE stations SET name=?, kind=?, province=?, facility_id=?, latitude=?, longitude=?, active=?, updated_at=?,
                      silence_after=?, limits=?
                    WHERE id = ?
                    """,
                arguments: [
                    s.name, s.kind.rawValue, s.province, s.facility, s.latitude, s.longitude, s.active, Self.now(), s.silenceAfter,
                    Self.encodeLimits(s.limits), id,
                ])
            try self.writeSeries(s, stationID: id, db)
            return s
        }
        directoryCache.set(nil)
        return updated
    }

    static func decodeStation(_ row: Row, parameters: [StationParameter]) -> Station {
        Station(
            code: row["code"], name: row["name"], kind: StationKind(rawValue: row["kind"]) ?? .other, province: (row["province"] as String?) ?? "",
            facility: row["facility_id"], latitude: row["latitude"], longitude: row["longitude"], parameters: parameters,
            active: row["active"], silenceAfter: row["silence_after"], limits: decodeLimits(row["limits"]))
    }

    static func encodeLimits(_ l: FacilityLimitConfig?) -> String? {
        guard let l, let data = try? JSONEncoder().encode(l) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeLimits(_ s: String?) -> FacilityLimitConfig? {
        guard let s else { return nil }
        return try? JSONDecoder().decode(FacilityLimitConfig.self, from: Data(s.utf8))
    }

    private func loadStations(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Station] {
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        guard !rows.isEmpty else { return [] }
        let ids = rows.map { $0["id"] as Int64 }
        var params: [Int64: [StationParameter]] = [:]
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        for r in try Row.fetchAll(
            db, sql: "SELECT station_id, parameter, interval FROM series WHERE active = 1 AND station_id IN (\(placeholders)) ORDER BY id",
            arguments: StatementArguments(ids))
        {
            params[r["station_id"], default: []].append(StationParameter(parameter: r["parameter"], interval: r["interval"]))
        }
        return rows.map { Self.decodeStation($0, parameters: params[$0["id"]] ?? []) }
    }

    public func station(code: String) async throws -> Station? {
        try await writer.read { db in
            try self.loadStations(db, sql: "SELECT * FROM stations WHERE code = ?", arguments: [code]).first
        }
    }

    public func stations(after: String?, limit: Int, kind: StationKind?, province: String?) async throws -> [Station] {
        try await writer.read { db in
            var clauses = ["code > ?"]
            var args: [any DatabaseValueConvertible] = [after ?? ""]
            if let kind {
                clauses.append("kind = ?")
                args.append(kind.rawValue)
            }
            if let province {
                clauses.append("province = ?")
                args.append(province)
            }
            args.append(limit)
            return try self.loadStations(
                db, sql: "SELECT * FROM stations WHERE \(clauses.joined(separator: " AND ")) ORDER BY code LIMIT ?",
                arguments: StatementArguments(args))
        }
    }

    public func setStationActive(code: String, active: Bool) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE stations SET active = ?, updated_at = ? WHERE code = ?", arguments: [active, Self.now(), code])
            if db.changesCount == 0 { throw StoreError.notFound("station '\(code)' does not exist") }
        }
        directoryCache.set(nil)
    }

    static func decodeFacility(_ r: Row) -> Facility {
        Facility(
            id: r["id"], name: r["name"], taxCode: r["tax_code"], sector: r["sector"], province: r["province"], address: r["address"],
            active: r["active"])
    }

    public func createFacility(_ f: Facility) async throws -> Facility {
        let problems = RegistryValidation.check(f, provinces: reference.provinceCodes)
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        return try await writer.write { db in
            let now = Self.now()
            try db.execute(
                sql: "INSERT INTO facilities(name, tax_code, sector, province, address, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                arguments: [f.name, f.taxCode, f.sector, f.province, f.address, f.active, now, now])
            var out = f
            out.id = db.lastInsertedRowID
            return out
        }
    }

    public func updateFacility(_ f: Facility) async throws -> Facility {
        let problems = RegistryValidation.check(f, provinces: reference.provinceCodes)
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        guard let id = f.id else { throw StoreError.invalid([.init(field: "id", message: "is required")]) }
        return try await writer.write { db in
            try db.execute(
                sql: "UPDATE facilities SET name=?, tax_code=?, sector=?, province=?, address=?, active=?, updated_at=? WHERE id=?",
                arguments: [f.name, f.taxCode, f.sector, f.province, f.address, f.active, Self.now(), id])
            if db.changesCount == 0 { throw StoreError.notFound("facility \(id) does not exist") }
            return f
        }
    }

    public func facility(id: Int64) async throws -> Facility? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM facilities WHERE id = ?", arguments: [id]).map(Self.decodeFacility)
        }
    }

    public func facilities(after: Int64?, limit: Int) async throws -> [Facility] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM facilities WHERE id > ? ORDER BY id LIMIT ?", arguments: [after ?? 0, limit])
                .map(Self.decodeFacility)
        }
    }

    public func setFacilityActive(id: Int64, active: Bool) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE facilities SET active = ?, updated_at = ? WHERE id = ?", arguments: [active, Self.now(), id])
            if db.changesCount == 0 { throw StoreError.notFound("facility \(id) does not exist") }
        }
    }

    public func createAPIKey(name: String, hash: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO api_keys(name, hash, created_at) VALUES (?,?,?)", arguments: [name, hash, Self.now()])
        }
    }

    public func apiKeyName(hash: String) async throws -> String? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT name FROM api_keys WHERE hash = ? AND revoked = 0", arguments: [hash])
        }
    }

    public func seriesDirectory() async throws -> SeriesDirectory {
        if let d = directoryCache.get() { return d }
        let d = try await writer.read { db in
            var stations: [String: SeriesDirectory.StationEntry] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT code, active FROM stations") {
                stations[r["code"]] = .init(active: r["active"], series: [:])
            }
            for r in try Row.fetchAll(
                db, sql: "SELECT st.code, s.parameter, s.id FROM series s JOIN stations st ON st.id = s.station_id WHERE s.active = 1")
            {
                stations[r[0] as String]?.series[r[1]] = r[2]
            }
            return SeriesDirectory(stations: stations)
        }
        directoryCache.set(d)
        return d
    }
}
