import XanhCore
import XanhStore

/// The database faults the server has met lately, for `/health`: a full disk or a read-only database is reported
/// until a write succeeds again.
public final class HealthMonitor: Sendable {
    struct State {
        var fault: StoreFault?
        var at: Int64 = 0
    }
    private let state = Locked(State())

    public init() {}

    /// A write (or derivation) failed for this reason.
    public func record(_ f: StoreFault, at t: Int64) {
        switch f {
        case .full, .readOnly: state.set(State(fault: f, at: t))
        // An outage is seen by the ping itself; one costly statement says nothing of the database's health.
        case .unavailable, .timeout: break
        }
    }

    /// A write went through: what failed before is over.
    public func recordSuccess() { state.set(State()) }

    /// The fault still standing, and since when.
    public var standing: (fault: StoreFault, since: Int64)? {
        let s = state.get()
        return s.fault.map { ($0, s.at) }
    }
}
