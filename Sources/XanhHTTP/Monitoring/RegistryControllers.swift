import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// `GET /api/v1/parameters`, `GET /api/v1/provinces`: the reference data the store was loaded with.
struct ReferenceController {
    let reference: ReferenceData

    func register(on api: RouterGroup<AppRequestContext>) {
        let reference = reference
        api.get("parameters") { _, _ in try JSON.response(Page(items: reference.parameters.parameters, next: nil)) }
        api.get("provinces") { _, _ in try JSON.response(Page(items: reference.provinces, next: nil)) }
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

/// `/api/v1/stations`: the registry of stations.
struct StationController {
    let stations: any StationStore
    let registry: RegistryService

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("stations", use: list)
        api.post("stations", use: create)
        api.get("stations/{code}", use: show)
        api.put("stations/{code}", use: update)
        api.delete("stations/{code}", use: deactivate)
    }

    @Sendable func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let limit = try request.intQuery("limit", default: 100, range: 1...10_000)
        let kind: StationKind? = try request.query("kind").map { _ in try request.enumQuery("kind", default: StationKind.ambientAir) }
        let items = try await stations.stations(after: request.query("cursor"), limit: limit, kind: kind, province: request.query("province"))
        return try JSON.response(Page(items: items.map(StationBody.init), next: items.count == limit ? items.last?.code : nil))
    }

    @Sendable func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await JSON.decode(StationBody.self, from: request, context)
        let s = try await registry.createStation(try body.station())
        return try JSON.response(StationBody(s), status: .created, headers: [.location: "/api/v1/stations/\(s.code)"])
    }

    @Sendable func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        guard let s = try await stations.station(code: code) else { throw StoreError.notFound("station '\(code)' does not exist") }
        return try JSON.response(StationBody(s))
    }

    @Sendable func update(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        let body = try await JSON.decode(StationBody.self, from: request, context)
        if let c = body.code, c != code {
            throw Problem(status: .unprocessableContent, detail: "/code: '\(c)' differs from the code in the path '\(code)'", pointer: "/code")
        }
        return try JSON.response(StationBody(try await registry.updateStation(try body.station(defaultCode: code))))
    }

    @Sendable func deactivate(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await stations.setStationActive(code: try context.parameters.require("code"), active: false)
        return Response(status: .noContent)
    }
}

/// `/api/v1/facilities`: facilities that run stations.
struct FacilityController {
    let facilities: any FacilityStore
    let registry: RegistryService

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
        api.get("facilities", use: list)
        api.post("facilities", use: create)
        api.get("facilities/{id}", use: show)
        api.put("facilities/{id}", use: update)
        api.delete("facilities/{id}", use: deactivate)
    }

    @Sendable func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let limit = try request.intQuery("limit", default: 100, range: 1...10_000)
        let items = try await facilities.facilities(after: request.query("cursor").flatMap { Int64($0) }, limit: limit)
        return try JSON.response(Page(items: items.map(Body.init), next: items.count == limit ? items.last?.id.map(String.init) : nil))
    }

    @Sendable func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let f = try await registry.createFacility(try await JSON.decode(Body.self, from: request, context).facility)
        return try JSON.response(Body(f), status: .created, headers: [.location: "/api/v1/facilities/\(f.id ?? 0)"])
    }

    @Sendable func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let f = try await facilities.facility(id: id) else { throw StoreError.notFound("facility \(id) does not exist") }
        return try JSON.response(Body(f))
    }

    @Sendable func update(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var f = try await JSON.decode(Body.self, from: request, context).facility
        f.id = try Self.id(context)
        return try JSON.response(Body(try await registry.updateFacility(f)))
    }

    @Sendable func deactivate(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await facilities.setFacilityActive(id: try Self.id(context), active: false)
        return Response(status: .noContent)
    }
}
