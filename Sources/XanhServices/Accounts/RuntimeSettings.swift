import Foundation
import XanhCore
import XanhStore

/// The settings an administrator changes while the server runs (`Limits.runtimeFlags`, `/workspace/settings`):
/// saved in the store, so a restart keeps them, and applied to the running limits at once. A saved value wins over
/// the one the server started with (default, environment or flag); removing it goes back to that one.
public struct SettingsService: Sendable {
    let services: AppServices

    public struct Row: Sendable, Equatable {
        public var flag: String
        public var help: String
        /// What the server uses now.
        public var value: String
        /// What it started with.
        public var start: String
        public var saved: SavedSetting?
    }

    public func rows() async throws -> [Row] {
        let saved = try await services.store.savedSettings()
        let now = services.limits
        return Limits.runtimeSettings.map { s in
            Row(flag: s.flag, help: s.help, value: s.value(now), start: s.value(services.startLimits), saved: saved[s.flag])
        }
    }

    /// Sets a runtime setting from text, or removes the saved value (`nil`): refused with the field named when the
    /// flag is not a runtime setting or the text is not a valid value for it; nothing changes then.
    @discardableResult
    public func set(_ flag: String, to text: String?, by: String) async throws -> Limits {
        guard let setting = Limits.runtimeSettings.first(where: { $0.flag == flag }) else {
            throw StoreError.invalid([.init(field: "flag", message: "'\(flag.prefix(64))' is not a setting that may change while the server runs")])
        }
        var next = services.limits
        if let text {
            let t = text.trimmingCharacters(in: .whitespaces)
            let most = Limits.runtimeMaximum[flag] ?? 1_000_000
            guard let n = Int(t), (1...most).contains(n), setting.set(&next, t) else {
                throw StoreError.invalid([.init(field: flag, message: "'\(t.prefix(64))' is not a valid value (\(setting.help); 1 to \(most))")])
            }
            try await services.store.saveSetting(flag, value: setting.value(next), by: by, at: services.clock())
        } else {
            _ = setting.set(&next, setting.value(services.startLimits))
            try await services.store.saveSetting(flag, value: nil, by: by, at: services.clock())
        }
        let applied = next
        services.current.update { l in _ = setting.set(&l, setting.value(applied)) }
        return services.limits
    }

    /// Applies the saved settings to the running limits (at start); a saved value no longer valid is left out and
    /// named in the answer.
    public func load() async throws -> [String] {
        let saved = try await services.store.savedSettings()
        var skipped: [String] = []
        services.current.update { l in
            for s in Limits.runtimeSettings {
                guard let v = saved[s.flag]?.value else { continue }
                var copy = l
                let most = Limits.runtimeMaximum[s.flag] ?? 1_000_000
                if let n = Int(v), (1...most).contains(n), s.set(&copy, v) { l = copy } else { skipped.append("\(s.flag)=\(v)") }
            }
        }
        return skipped
    }
}
