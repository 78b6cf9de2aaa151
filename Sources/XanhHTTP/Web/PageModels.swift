import Foundation
import XanhCore

/// The pages' words in each language, read once from `Labels/vi.json` and `Labels/en.json`: `page` (every page),
/// `indicators` (the indicators page) and `kinds` (station kinds by their code). Both files hold the same keys
/// (a test checks it, and that every label a template names exists).
struct PageLabels: Sendable {
    typealias Section = [String: String]
    struct Language: Decodable, Sendable {
        var page: Section
        var indicators: Section
        var kinds: Section
    }
    let languages: [XanhCore.Language: Language]

    static func load(bundle: Bundle = .module) throws -> PageLabels {
        var languages: [XanhCore.Language: Language] = [:]
        for lang in XanhCore.Language.allCases {
            guard let url = bundle.url(forResource: lang.rawValue, withExtension: "json", subdirectory: "Labels") else {
                throw Problem(status: .internalServerError, detail: "Labels/\(lang.rawValue).json missing from the XanhHTTP bundle")
            }
            languages[lang] = try JSONDecoder().decode(Language.self, from: Data(contentsOf: url))
        }
        return PageLabels(languages: languages)
    }

    func page(_ lang: XanhCore.Language) -> Section { languages[lang]?.page ?? [:] }
    func indicators(_ lang: XanhCore.Language) -> Section { languages[lang]?.indicators ?? [:] }
    func kind(_ k: StationKind, _ lang: XanhCore.Language) -> String { languages[lang]?.kinds[k.rawValue] ?? k.rawValue }
}

/// Page models are read by the templates through `Mirror`, which sees stored properties only: every field a
/// template names is stored.
///
/// What every page carries (header, language switch, the VN_AQI legend); a page's own model is its `content`, which
/// the templates open with `{{#content}}`, so the layout's fields stay in reach inside it.
struct WebPage<Content>: Sendable where Content: Sendable {
    var lang: String
    var labels: PageLabels.Section
    var title: String
    var heading: String
    /// Shows the demo banner.
    var demo: Bool
    var otherLangHref: String
    var otherLangLabel: String
    var categories: [Category]
    var content: Content

    struct Category: Sendable {
        var min: Int
        var max: Int
        var name: String
        var color: String
        var textColor: String
    }
}

/// A VN_AQI value with its category's colours and name.
struct AQIBadge: Sendable {
    var aqi: Int
    var color: String
    var textColor: String
    var categoryName: String
    var dominant: String
    /// Local time, with its offset.
    var time: String
    /// How old it is, in words (`cập nhật 12 phút trước`).
    var age: String
}

/// A station whose latest value is too old to show as current, or that is silent or in device error now.
struct Freshness: Sendable {
    /// `Không có dữ liệu hiện tại`, or the station's state.
    var text: String
    /// The last value and its age, when there is one.
    var last: String?
}

/// `/`: the stations and their latest VN_AQI.
struct IndexPage: Sendable {
    struct Card: Sendable {
        var code: String
        var name: String
        var province: String
        var kindLabel: String
        var latest: AQIBadge?
        var stale: Freshness?
        /// Coordinates for "near me" (the page's script sorts by distance with the browser's permission).
        var lat: String
        var lon: String
    }
    struct Option: Sendable {
        var code: String
        var name: String
        var selected: Bool
    }
    var stationCount: Int
    var stations: [Card]
    /// The map, as inline SVG.
    var map: String
    /// Province outlines are loaded (without them the map shows the stations only).
    var hasOutlines: Bool
    var provinces: [Option]
    /// The province this page is about (`/provinces/{code}`).
    var province: String?
    /// Stations with a current VN_AQI.
    var currentCount: Int
    /// The plans in force, linked from the home page.
    var plans: [PlanLink]
    var hasPlans: Bool
}

/// A plan, linked from the home page.
struct PlanLink: Sendable {
    var href: String
    var title: String
}

/// `/stations/{code}`.
struct StationPage: Sendable {
    struct About: Sendable {
        var code: String
        var province: String
        var kindLabel: String
        var coordinates: String
    }
    struct Latest: Sendable {
        var badge: AQIBadge
        var health: String
        var advice: String
        var sensitiveAdvice: String
        var subindices: [Subindex]
    }
    struct Subindex: Sendable {
        var parameter: String
        var value: Int
        var dominant: Bool
        /// The hour's mean concentration with its unit (`35,2 µg/m³`), when the station measured it that hour.
        var concentration: String?
    }
    struct CompletenessDay: Sendable {
        var day: String
        var total: String
        var cells: [Cell]
    }
    struct Cell: Sendable {
        var value: String
        var low: Bool
    }
    struct Event: Sendable {
        var kind: String
        var parameter: String
        var start: String
        var end: String
    }
    struct Exceedance: Sendable {
        var parameter: String
        var period: String
        var start: String
        var end: String
        var peak: String
        var limit: String
        var standard: String
    }
    struct Link: Sendable {
        var label: String
        var href: String
        var current: Bool
    }
    /// One parameter's chart, its figures and the downloads.
    struct Series: Sendable {
        var parameter: String
        var unit: String
        var title: String
        var svg: String
        var summary: String
        var parameters: [Link]
        var ranges: [Link]
        /// The figures as table rows (built in Swift: a template loop over hundreds of rows costs more than the rest of
        /// the page).
        var rowsHTML: String
        var downloadParameters: [IndexPage.Option]
        var downloadFrom: String
        var downloadTo: String
        var provinceDay: String
        var provinceYear: Int
        var provinceCode: String
        var apiHref: String
    }
    struct CalendarDay: Sendable {
        var day: String
        var aqi: String
        var color: String
        var textColor: String
        var label: String
    }
    struct CalendarMonth: Sendable {
        var name: String
        var days: [CalendarDay]
    }
    var station: About
    var latest: Latest?
    var hasAQI: Bool
    var chart: String
    var aqiRowsHTML: String
    var series: Series
    var calendarHTML: String
    var hasCalendar: Bool
    /// 1…31, the calendar's columns.
    var calendarHeader = (1...31).map(String.init)
    var completenessParameters: [String]
    var completeness: [CompletenessDay]
    var events: [Event]
    var exceedances: [Exceedance]
    // Mustache reads stored properties only (through Mirror), so the flags are stored.
    var hasEvents: Bool
    var hasExceedances: Bool
    /// Set when the latest value is too old to be current, or the station is silent or in device error.
    var stale: Freshness?
}

/// `/alerts`.
struct AlertsPage: Sendable {
    var open: [WebController.AlertLine]
    var recent: [WebController.AlertLine]
    var hasOpen: Bool
}

/// `/indicators`.
struct IndicatorsPage: Sendable {
    struct Dimension: Sendable {
        var name: String
        var code: String
    }
    struct Score: Sendable {
        var rank: Int
        var province: String
        var href: String
        var score: String
        var range: String
        var dims: [String]
        var selected: Bool
    }
    struct Row: Sendable {
        var code: String
        var name: String
        var unit: String
        var value: String
        /// The chosen province's value (empty without one).
        var provinceValue: String
    }
    struct Target: Sendable {
        var indicator: String
        var unit: String
        var value: String
        var target: String
        var status: String
        var color: String
        var textColor: String
        var source: String
    }
    /// A class of the choropleth's legend.
    struct Class: Sendable {
        var color: String
        var text: String
        var range: String
    }
    var ind: PageLabels.Section
    var year: Int
    var prevYear: Int
    var nextYear: Int
    var indexName = ""
    var dimensions: [Dimension] = []
    var scores: [Score] = []
    var imputedCount = 0
    var indicatorRows: [Row] = []
    var targets: [Target] = []
    var hasTargets = false
    var hasScores = false
    /// Provinces with any value, of all current provinces; dimensions with any value, of all.
    var reported = 0
    var provinceTotal = 0
    var dimensionsWithData = 0
    var dimensionTotal = 0
    /// The ranking rests on part of the provinces or of the dimensions.
    var partial = false
    var map = ""
    var hasMap = false
    var mapTitle = ""
    var classes: [Class] = []
    var indicatorOptions: [IndexPage.Option] = []
    var provinceOptions: [IndexPage.Option] = []
    var unitName: String?
}

/// `/indicators/methods`.
struct MethodsPage: Sendable {
    struct Component: Sendable {
        var indicator: String
        var weight: String
        var direction: String
    }
    struct Dimension: Sendable {
        var name: String
        var weight: String
        var components: [Component]
    }
    var ind: PageLabels.Section
    var indexName = ""
    var normalisation = ""
    var aggregation = ""
    var imputation = ""
    var dimensions: [Dimension] = []
}

/// `/workspace`: the monitoring officer's dashboard.
struct WorkspacePage: Sendable {
    struct StationLink: Sendable {
        var code: String
        var name: String
        var href: String
    }
    struct Silent: Sendable {
        var station: StationLink
        var kind: String
        var since: String
        var age: String
    }
    struct Exceedance: Sendable {
        var station: StationLink
        var parameter: String
        var start: String
        var end: String
        var peak: String
        var limit: String
        var standard: String
    }
    struct Completeness: Sendable {
        var station: StationLink
        var percent: String
        var low: Bool
    }
    var silent: [Silent]
    var exceedances: [Exceedance]
    var alerts: [WebController.AlertLine]
    var completeness: [Completeness]
    var hasSilent: Bool
    var hasExceedances: Bool
    var hasAlerts: Bool
    /// Yesterday, `dd/mm/yyyy`.
    var day: String
}

/// A page route's problem, as a page: its status, what happened in the page's language, the detail in English.
struct ErrorPage: Sendable {
    var status: Int
    var message: String
    var detail: String?
}
