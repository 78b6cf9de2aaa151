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

    /// A validator over the registry as it is now.
    public func validator() async throws -> ObservationValidator {
        ObservationValidator(
            catalogue: services.reference.parameters, directory: try await services.store.seriesDirectory(), now: services.clock(),
            limits: services.limits)
    }

    /// Rows with errors are reported by index and not stored; the valid rows are stored in one transaction.
    public func ingest(_ rows: [ObservationInput], fieldErrors: [Int: String] = [:]) async throws -> (IngestCounts, [RowError]) {
        var batch = Batch(validator: try await validator())
        for (i, row) in rows.enumerated() { batch.add(row, error: fieldErrors[i]) }
        return try await store(batch)
    }

    /// Rows checked as they arrive: only what will be stored is kept.
    public struct Batch: Sendable {
        let validator: ObservationValidator
        public private(set) var valid: [ValidObservation] = []
        public private(set) var rejected: [RowError] = []
        var index = 0

        public init(validator: ObservationValidator) { self.validator = validator }

        public mutating func add(_ row: ObservationInput, error: String?) {
            defer { index += 1 }
            if let error {
                rejected.append(RowError(index: index, error: error))
                return
            }
            switch validator.validate(row) {
            case .success(let v): valid.append(v)
            case .failure(let e): rejected.append(RowError(index: index, error: e.message))
            }
        }
    }

    /// Stores the valid rows of a batch in one transaction and counts what happened.
    public func store(_ batch: Batch) async throws -> (IngestCounts, [RowError]) {
        let counts = try await services.store.ingest(batch.valid)
        if !batch.valid.isEmpty { services.health.recordSuccess() }
        services.metrics.makeCounter(name: "xanh_observations_accepted_total", help: "Observations stored").increment(by: Int64(counts.accepted))
        services.metrics.makeCounter(name: "xanh_observations_replaced_total", help: "Observations that replaced a stored value").increment(by: Int64(counts.replaced))
        services.metrics.makeCounter(name: "xanh_observations_rejected_total", help: "Observation rows rejected").increment(by: Int64(batch.rejected.count))
        return (counts, batch.rejected)
    }
}

struct ObservationController {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        let ingestor = ObservationIngestor(services: services)
        // The body is parsed and validated as it arrives (its size bounded by the batch limit), so memory grows with
        // the rows kept, not with the body.
        api.post("observations") { request, context in
            var stream = ObservationJSON.Stream(maxDepth: context.limits.maxJSONDepth)
            var batch = ObservationIngestor.Batch(validator: try await ingestor.validator())
            do {
                for try await chunk in request.body {
                    try stream.feed(chunk.readableBytesView) { batch.add($0, error: $1) }
                }
                try stream.finish { batch.add($0, error: $1) }
            } catch let error as ObservationJSON.SyntaxError {
                throw Problem(status: .badRequest, detail: error.message, pointer: error.pointer)
            }
            let (counts, rejected) = try await ingestor.store(batch)
            return try JSON.response(IngestAnswer(accepted: counts.accepted, replaced: counts.replaced, rejected: rejected))
        }
    }
}
