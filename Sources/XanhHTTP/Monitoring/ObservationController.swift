import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

struct IngestAnswer: Encodable {
    var accepted: Int
    var replaced: Int
    var rejected: [RowError]
}

struct ObservationController {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        let ingestor = services.ingestor
        // The body is parsed and validated as it arrives (its size bounded by the batch limit), so memory grows with
        // the rows kept, not with the body.
        api.post("observations") { request, context in
            var stream = ObservationJSON.Stream(maxDepth: context.limits.maxJSONDepth)
            var batch = ObservationIngestor.Batch(
                validator: try await ingestor.validator(), allowed: try await ingestor.stationsAllowed(context.caller?.scope ?? .province))
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
