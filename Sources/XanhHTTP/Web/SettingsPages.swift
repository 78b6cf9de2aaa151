import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Settings safe to change while the server runs (`/workspace/settings`, the `admin` permission): each with what it
/// bounds, the value in use, the value the server started with, and who saved a change when. Saving applies at once
/// and survives a restart; "back to the start value" removes the saved one (`SettingsService`). Audited.
extension WebController {
    func settingsPage(_ lang: Language, csrf: String, error: String? = nil, done: Bool = false) async throws -> WebPage<SettingsPage> {
        let words = labels.page(lang)
        let rows = try await services.settings.rows().map { r in
            SettingsPage.Row(
                flag: r.flag, label: words["setting_" + r.flag, default: r.help], value: r.value, start: r.start,
                saved: r.saved.map { "\($0.changedBy), \(Self.shortTime($0.changedAt, lang))" }, id: "setting-" + r.flag)
        }
        return layout(
            lang, title: words["settings", default: "Settings"], path: "/workspace/settings",
            SettingsPage(
                rows: rows, csrf: csrf, action: "/workspace/settings?lang=\(lang.rawValue)", error: error,
                done: done ? words["saved", default: "saved"] : nil))
    }

    func registerSettingsPages(on router: Router<AppRequestContext>) {
        router.get("workspace/settings") { request, context in
            try await htmlErrors(request, context) {
                pages.response(
                    "settings",
                    try await settingsPage(Self.language(request), csrf: context.session?.csrf ?? "", done: request.query("done") != nil))
            }
        }
        router.post("workspace/settings") { request, context in
            try await htmlErrors(request, context) {
                let lang = Self.language(request)
                let words = labels.page(lang)
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let flag = form["flag", default: ""]
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let before = try await services.settings.rows().first { $0.flag == flag }
                guard let before else {
                    throw Problem(status: .notFound, detail: "'\(flag.prefix(64))' is not a setting that may change at run time")
                }
                let value = form["action"] == "reset" ? nil : form["value", default: ""]
                do {
                    try await services.settings.set(flag, to: value, by: caller.name)
                } catch StoreError.invalid {
                    let label = words["setting_" + flag, default: flag]
                    return pages.response(
                        "settings",
                        try await settingsPage(
                            lang, csrf: context.session?.csrf ?? "",
                            error: "\(label): '\(value?.prefix(40) ?? "")' \(words["settingBad", default: "is not a valid value"])"),
                        status: .unprocessableContent)
                }
                let after = try await services.settings.rows().first { $0.flag == flag }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/settings", entity: "setting", key: flag,
                    before: IndicatorJSON.encode(["value": before.value]), after: IndicatorJSON.encode(["value": after?.value ?? ""]))
                return Response(status: .seeOther, headers: [.location: "/workspace/settings?lang=\(lang.rawValue)&done=1"])
            }
        }
    }
}

/// `/workspace/settings`.
struct SettingsPage: Sendable {
    struct Row: Sendable {
        var flag, label, value, start: String
        /// Who saved the value in use, and when (nil: the start value is in use).
        var saved: String?
        var id: String
    }
    var rows: [Row]
    var csrf, action: String
    var error: String?
    var done: String?
}
