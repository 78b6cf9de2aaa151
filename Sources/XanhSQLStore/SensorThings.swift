import XanhCore
import XanhSQL
import XanhSensorThings
import XanhStore

/// The SensorThings API reads and writes the monitoring tables through the store's database.
extension SQLStore: SensorThingsSource {
    public func staRead<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T { try await read(body) }

    public func staWrite<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        defer { directoryCache.set(nil) }
        return try await write { c in
            let v = try await body(c)
            if c.dialect.isPostgres {
                // A Thing is a station created with an explicit id; PostgreSQL's identity continues after the highest.
                try await c.execute(
                    """
                    SELECT setval(s, greatest(coalesce((SELECT max(id) FROM stations), 1), coalesce(pg_sequence_last_value(s::regclass), 1)))
                    FROM (SELECT pg_get_serial_sequence('stations', 'id') AS s) q
                    """)
            }
            return v
        }
    }

    public func staIngest(_ rows: [ValidObservation], _ c: any SQLConnection) async throws { _ = try await ingest(rows, c) }
}
