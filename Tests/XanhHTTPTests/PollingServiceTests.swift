import Foundation
import Logging
import Testing
import XanhCore
import XanhServices

/// A background loop ends only when its own task is cancelled: an error from below that happens to be a
/// CancellationError is a failed pass, not the end of the service (a service that returns ends the server).
@Suite struct PollingServiceTests {
    @Test func aCancellationErrorFromBelowIsAFailedPassNotTheEnd() async throws {
        let calls = Locked(0)
        let service = PollingService(name: "test", interval: 0.01, logger: Logger(label: "test")) {
            let n = calls.update { c -> Int in
                c += 1
                return c
            }
            if n <= 2 { throw CancellationError() }
        }
        let task = Task { try await service.run() }
        // Under a busy test run the loop may start late: wait up to 30 s for its third pass.
        for _ in 0..<300 where calls.update({ $0 }) < 3 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(calls.update { $0 } >= 3, "the loop went on after two CancellationErrors from its work")
        task.cancel()
        _ = await task.result
    }
}
