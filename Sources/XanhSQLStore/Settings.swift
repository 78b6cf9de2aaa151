import Foundation
import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: SettingsStore {
    public func savedSettings() async throws -> [String: SavedSetting] {
        try await read { c in
            var out: [String: SavedSetting] = [:]
            for r in try await c.query("SELECT flag, value, changed_by, changed_at FROM runtime_settings ORDER BY flag LIMIT 1000") {
                out[try r.text("flag")] = SavedSetting(
                    value: try r.text("value"), changedBy: try r.text("changed_by"), changedAt: try r.int64("changed_at"))
            }
            return out
        }
    }

    public func saveSetting(_ flag: String, value: String?, by: String, at: Int64) async throws {
        try await write { c in
            if let value {
                try await c.execute(
                    """
                    INSERT INTO runtime_settings(flag, value, changed_by, changed_at) VALUES (\(flag), \(value), \(by), \(at))
                    ON CONFLICT(flag) DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by, changed_at = excluded.changed_at
                    """)
            } else {
                try await c.execute("DELETE FROM runtime_settings WHERE flag = \(flag)")
            }
        }
    }
}
