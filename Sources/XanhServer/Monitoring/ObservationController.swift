import Foundation
import Hummingbird
import Prometheus
import XanhCore
import XanhStore

/// One row of `POST /api/v1/observations`, decoded leniently: a field of the wrong type is a row error, not a 400.
struct ObservationRowBody: Decodable {
    var input: ObservationInput
    var fieldError: String?

    enum Keys: String, CodingKey { case station, parameter, time, value, status }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        var error: String?
        func string(_ k: Keys) -> String? {
            guard c.contains(k) else { return nil }
            if (try? c.decodeNil(forKey: k)) == true { return nil }
            if let s = try? c.decode(String.self, forKey: k) { return s }
            if error == nil { error = "\(k.rawValue) must be a string" }
            return nil
        }
        let station = string(.station)
        let parameter = string(.parameter)
        let time = string(.time)
        var value: Double?
        if c.contains(.value), (try? c.decodeNil(forKey: .value)) != true {
            value = try? c.decode(Double.self, forKey: .value)
            if value == nil, error == nil { error = "value must be a number" }
        }
        var status: String?
        if c.contains(.status), (try? c.decodeNil(forKey: .status)) != true {
            if let s = try? c.decode(String.self, forKey: .status) {
                status = s
            } else if let i = try? c.decode(Int.self, forKey: .status), (0...99).contains(i) {
                status = i < 10 ? "0\(i)" : "\(i)"
            } else if error == nil {
                error = "status must be a string such as \"00\""
            }
        }
        input = ObservationInput(station: station, parameter: parameter, time: time, value: value, status: status)
        fieldError = error
    }
}

struct ObservationBatchBody: Decodable {
    var observations: [ObservationRowBody]
}

struct IngestAnswer: Encodable {
    var accepted: Int
    var replaced: Int
    var rejected: [RowError]
}

/// Validates rows and stores the valid ones; shared by the HTTP API and `xanh import observations`.
public struct ObservationIngestor: Sendable {
    public let services: AppServices

    public init(services: AppServices) { self.services = services }

    /// Rows with errors are reported by index and not stored; the valid rows are stored in one transaction.
    public func ingest(_ rows: [ObservationInput], fieldErrors: [Int: String] = [:]) async throws -> (IngestCounts, [RowError]) {
        let validator = ObservationValidator(
            catalogue: services.reference.parameters, directory: try await services.store.seriesDirectory(), now: services.clock())
        var valid: [ValidObservation] = []
        valid.reserveCapacity(rows.count)
        var rejected: [RowError] = []
        for (i, row) in rows.enumerated() {
            if let e = fieldErrors[i] {
                rejected.append(RowError(index: i, error: e))
                continue
            }
            switch validator.validate(row) {
            case .success(let v): valid.append(v)
            case .failure(let e): rejected.append(RowError(index: i, error: e.message))
            }
        }
        let counts = try await services.store.ingest(valid)
        services.metrics.makeCounter(name: "xanh_observations_accepted_total", help: "Observations stored").increment(by: Int64(counts.accepted))
        services.metrics.makeCounter(name: "xanh_observations_replaced_total", help: "Observations that replaced a stored value").increment(by: Int64(counts.replaced))
        services.metrics.makeCounter(name: "xanh_observations_rejected_total", help: "Observation rows rejected").increment(by: Int64(rejected.count))
        return (counts, rejected)
    }
}

struct ObservationController {
    let services: AppServices
    /// Large enough for well over 100,000 rows per request.
    static let maxBody = 256 * 1024 * 1024

    func register(on api: RouterGroup<AppRequestContext>) {
        let ingestor = ObservationIngestor(services: services)
        api.post("observations") { request, _ in
            let body = try await JSON.decode(ObservationBatchBody.self, from: request, limit: Self.maxBody)
            var errors: [Int: String] = [:]
            for (i, r) in body.observations.enumerated() where r.fieldError != nil { errors[i] = r.fieldError }
            let (counts, rejected) = try await ingestor.ingest(body.observations.map(\.input), fieldErrors: errors)
            return try JSON.response(IngestAnswer(accepted: counts.accepted, replaced: counts.replaced, rejected: rejected))
        }
    }
}
