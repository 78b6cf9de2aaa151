import Foundation
import Hummingbird
import XanhCore
import XanhStore

/// `GET /api/v1/parameters`, `GET /api/v1/provinces`: the reference data the store was loaded with.
struct ReferenceController {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("parameters") { _, _ in
            try JSON.response(Page(items: services.reference.parameters.parameters, next: nil))
        }
        api.get("provinces") { _, _ in
            try JSON.response(Page(items: services.reference.provinces, next: nil))
        }
    }
}

/// A station as the API shows and takes it. On input only `code`, `name`, `kind` and `province` are required.
struct StationBody: Codable {
    var code: String?
    var name: String?
    var kind: String?
    var province: String?
    var facility: Int64?
    var latitude: Double?
    var longitude: Double?
    var parameters: [ParameterBody]?
    var active: Bool?
    /// Seconds without data before the station counts as silent.
    var silenceAfter: Int?
    /// Facility limits: `{"family": "QCVN40", "column": "B", "k1": 0.9, "k2": 1.0}`.
    var limits: FacilityLimitConfig?

    struct ParameterBody: Codable {
        var parameter: String
        var interval: Int?
    }

    init(_ s: Station) {
        code = s.code
        name = s.name
        kind = s.kind.rawValue
        province = s.province
        facility = s.facility
        latitude = s.latitude
        longitude = s.longitude
        parameters = s.parameters.map { ParameterBody(parameter: $0.parameter, interval: $0.interval) }
        active = s.active
        silenceAfter = s.silenceAfter
        limits = s.limits
    }

    func station(defaultCode: String? = nil) throws -> Station {
        var missing: [[String: String]] = []
        let code = self.code ?? defaultCode
        if code == nil { missing.append(["pointer": "/code", "detail": "is required"]) }
        if name == nil { missing.append(["pointer": "/name", "detail": "is required"]) }
        if province == nil { missing.append(["pointer": "/province", "detail": "is required"]) }
        if kind == nil { missing.append(["pointer": "/kind", "detail": "is required"]) }
        guard missing.isEmpty, let code, let name, let province, let kindText = kind else { throw Problem.invalid(missing) }
        guard let kind = StationKind(rawValue: kindText) else {
            throw Problem(
                status: .unprocessableContent,
                detail: "/kind: '\(kindText)' is not one of \(StationKind.allCases.map(\.rawValue).joined(separator: ", "))", pointer: "/kind")
        }
        return Station(
            code: code, name: name, kind: kind, province: province, facility: facility, latitude: latitude, longitude: longitude,
            parameters: (parameters ?? []).map { StationParameter(parameter: $0.parameter, interval: $0.interval ?? 300) },
            active: active ?? true, silenceAfter: silenceAfter, limits: limits)
    }
}

struct StationController {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("stations") { request, _ in
            let limit = try request.intQuery("limit", default: 100, range: 1...10_000)
            let kind: StationKind? = try request.query("kind").map { _ in try request.enumQuery("kind", default: StationKind.ambientAir) }
            let items = try await services.store.stations(after: request.query("cursor"), limit: limit, kind: kind, province: request.query("province"))
            return try JSON.response(Page(items: items.map(StationBody.init), next: items.count == limit ? items.last?.code : nil))
        }
        api.post("stations") { request, context in
            let body = try await JSON.decode(StationBody.self, from: request, context)
            let s = try await services.store.createStation(try body.station())
            return try JSON.response(StationBody(s), status: .created, headers: [.location: "/api/v1/stations/\(s.code)"])
        }
        api.get("stations/{code}") { _, context in
            let code = try context.parameters.require("code")
            guard let s = try await services.store.station(code: code) else { throw StoreError.notFound("station '\(code)' does not exist") }
            return try JSON.response(StationBody(s))
        }
        api.put("stations/{code}") { request, context in
            let code = try context.parameters.require("code")
            let body = try await JSON.decode(StationBody.self, from: request, context)
            if let c = body.code, c != code {
                throw Problem(status: .unprocessableContent, detail: "/code: '\(c)' differs from the code in the path '\(code)'", pointer: "/code")
            }
            return try JSON.response(StationBody(try await services.store.updateStation(try body.station(defaultCode: code))))
        }
        api.delete("stations/{code}") { _, context in
            try await services.store.setStationActive(code: try context.parameters.require("code"), active: false)
            return Response(status: .noContent)
        }
    }
}

struct FacilityController {
    let services: AppServices

    struct Body: Codable {
        var id: Int64?
        var name: String
        var taxCode: String?
        var sector: String?
        var province: String
        var address: String?
        var active: Bool?

        var facility: Facility {
            Facility(id: id, name: name, taxCode: taxCode, sector: sector, province: province, address: address, active: active ?? true)
        }
        init(_ f: Facility) {
            id = f.id
            name = f.name
            taxCode = f.taxCode
            sector = f.sector
            province = f.province
            address = f.address
            active = f.active
        }
    }

    static func id(_ context: AppRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")) else {
            throw Problem(status: .badRequest, detail: "facility id must be an integer", pointer: "/path/id")
        }
        return id
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("facilities") { request, _ in
            let limit = try request.intQuery("limit", default: 100, range: 1...10_000)
            let items = try await services.store.facilities(after: request.query("cursor").flatMap { Int64($0) }, limit: limit)
            return try JSON.response(Page(items: items.map(Body.init), next: items.count == limit ? items.last?.id.map(String.init) : nil))
        }
        api.post("facilities") { request, context in
            let f = try await services.store.createFacility(try await JSON.decode(Body.self, from: request, context).facility)
            return try JSON.response(Body(f), status: .created, headers: [.location: "/api/v1/facilities/\(f.id ?? 0)"])
        }
        api.get("facilities/{id}") { _, context in
            let id = try Self.id(context)
            guard let f = try await services.store.facility(id: id) else { throw StoreError.notFound("facility \(id) does not exist") }
            return try JSON.response(Body(f))
        }
        api.put("facilities/{id}") { request, context in
            var f = try await JSON.decode(Body.self, from: request, context).facility
            f.id = try Self.id(context)
            return try JSON.response(Body(try await services.store.updateFacility(f)))
        }
        api.delete("facilities/{id}") { _, context in
            try await services.store.setFacilityActive(id: try Self.id(context), active: false)
            return Response(status: .noContent)
        }
    }
}
