import Foundation
import Hummingbird
import Prometheus
import XanhCore
import XanhStore

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
            let buffer = try await request.body.collect(upTo: Self.maxBody)
            let parsed: ObservationJSON.Parsed
            do throws(ObservationJSON.SyntaxError) {
                parsed = try ObservationJSON.parse(Array(buffer.readableBytesView))
            } catch {
                throw Problem(status: .badRequest, detail: error.message, pointer: error.pointer)
            }
            let (counts, rejected) = try await ingestor.ingest(parsed.rows, fieldErrors: parsed.rowErrors)
            return try JSON.response(IngestAnswer(accepted: counts.accepted, replaced: counts.replaced, rejected: rejected))
        }
    }
}
