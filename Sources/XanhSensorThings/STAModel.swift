import XanhCore
import XanhStore
import XanhSQL
import Foundation

/// The eight entity types of SensorThings 1.1 Sensing, their properties, and how they relate, over the views the
/// engines create (`sta_things`, `sta_datastreams`, …).
public enum STAEntity: String, Sendable, CaseIterable {
    case thing = "Thing"
    case location = "Location"
    case historicalLocation = "HistoricalLocation"
    case datastream = "Datastream"
    case sensor = "Sensor"
    case observedProperty = "ObservedProperty"
    case observation = "Observation"
    case featureOfInterest = "FeatureOfInterest"

    public var setName: String {
        switch self {
        case .thing: return "Things"
        case .location: return "Locations"
        case .historicalLocation: return "HistoricalLocations"
        case .datastream: return "Datastreams"
        case .sensor: return "Sensors"
        case .observedProperty: return "ObservedProperties"
        case .observation: return "Observations"
        case .featureOfInterest: return "FeaturesOfInterest"
        }
    }

    public static func fromSet(_ name: String) -> STAEntity? { allCases.first { $0.setName == name } }

    /// The view (or table) that lists every entity of this type.
    var view: String {
        switch self {
        case .thing: return "sta_things"
        case .location: return "sta_locations"
        case .historicalLocation: return "sta_historical_locations"
        case .datastream: return "sta_datastreams"
        case .sensor: return "sta_sensors"
        case .observedProperty: return "sta_observed_properties"
        case .observation: return "sta_observations"
        case .featureOfInterest: return "sta_features"
        }
    }

    public var fields: [STAField] { Self.fieldTable[self] ?? makeFields() }
    public var navigations: [STANavigation] { Self.navigationTable[self] ?? makeNavigations() }
    private static let fieldTable = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.makeFields()) })
    private static let navigationTable = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.makeNavigations()) })

    private func makeFields() -> [STAField] {
        let name = STAField("name", .text, ["name"], mandatory: true)
        let description = STAField("description", .text, ["description"], mandatory: true)
        let properties = STAField("properties", .json, ["properties"])
        let encodingType = STAField("encodingType", .text, ["encoding_type"], mandatory: true)
        switch self {
        case .thing: return [name, description, properties]
        case .location: return [name, description, encodingType, STAField("location", .json, ["location"], mandatory: true), properties]
        case .historicalLocation: return [STAField("time", .time, ["time"], mandatory: true)]
        case .datastream:
            return [
                name, description, STAField("unitOfMeasurement", .json, ["uom"], mandatory: true),
                STAField("observationType", .text, ["observation_type"], mandatory: true),
                STAField("phenomenonTime", .interval, ["phen_start", "phen_end"], readOnly: true), properties,
            ]
        case .sensor: return [name, description, encodingType, STAField("metadata", .json, ["metadata"], mandatory: true), properties]
        case .observedProperty: return [name, STAField("definition", .text, ["definition"], mandatory: true), description, properties]
        case .observation:
            return [
                STAField("phenomenonTime", .interval, ["phen_start", "phen_end"], mandatory: true),
                STAField("resultTime", .time, ["result_time"], mandatory: true),
                STAField("result", .number, ["result"], mandatory: true),
                STAField("resultQuality", .json, ["result_quality"]),
                STAField("validTime", .interval, ["valid_start", "valid_end"]),
                STAField("parameters", .json, ["parameters"]),
            ]
        case .featureOfInterest: return [name, description, encodingType, STAField("feature", .json, ["feature"], mandatory: true), properties]
        }
    }

    public func field(_ name: String) -> STAField? { fields.first { $0.name == name } }

    private func makeNavigations() -> [STANavigation] {
        switch self {
        case .thing:
            return [
                .init("Locations", .location, .many("{c}.id IN (SELECT location_id FROM sta_thing_locations WHERE thing_id = {p})")),
                .init("HistoricalLocations", .historicalLocation, .many("{c}.thing_id = {p}")),
                .init("Datastreams", .datastream, .many("{c}.thing_id = {p}")),
            ]
        case .location:
            return [
                .init("Things", .thing, .many("{c}.id IN (SELECT thing_id FROM sta_thing_locations WHERE location_id = {p})")),
                .init("HistoricalLocations", .historicalLocation, .many("{c}.id IN (SELECT hl_id FROM sta_hl_locations WHERE location_id = {p})")),
            ]
        case .historicalLocation:
            return [
                .init("Thing", .thing, .one("thing_id")),
                .init("Locations", .location, .many("{c}.id IN (SELECT location_id FROM sta_hl_locations WHERE hl_id = {p})")),
            ]
        case .datastream:
            return [
                .init("Thing", .thing, .one("thing_id")), .init("Sensor", .sensor, .one("sensor_id")),
                .init("ObservedProperty", .observedProperty, .one("op_id")), .init("Observations", .observation, .many("{c}.datastream_id = {p}")),
            ]
        case .sensor: return [.init("Datastreams", .datastream, .many("{c}.sensor_id = {p}"))]
        case .observedProperty: return [.init("Datastreams", .datastream, .many("{c}.op_id = {p}"))]
        case .observation:
            return [.init("Datastream", .datastream, .one("datastream_id")), .init("FeatureOfInterest", .featureOfInterest, .one("foi_id"))]
        case .featureOfInterest: return [.init("Observations", .observation, .many("{c}.foi_id = {p}"))]
        }
    }

    public func navigation(_ name: String) -> STANavigation? { navigations.first { $0.name == name } }
}

public struct STAField: Sendable {
    public enum Kind: Sendable { case text, json, time, interval, number }
    public var name: String
    public var kind: Kind
    public var columns: [String]
    public var mandatory: Bool
    /// Computed by the server (Datastream.phenomenonTime).
    public var readOnly: Bool

    init(_ name: String, _ kind: Kind, _ columns: [String], mandatory: Bool = false, readOnly: Bool = false) {
        self.name = name
        self.kind = kind
        self.columns = columns
        self.mandatory = mandatory
        self.readOnly = readOnly
    }
}

public struct STANavigation: Sendable {
    public enum Link: Sendable {
        /// The foreign-key column on the source's view.
        case one(String)
        /// A condition on the child alias `{c}` given the parent id `{p}`.
        case many(String)
    }
    public var name: String
    public var target: STAEntity
    public var link: Link

    init(_ name: String, _ target: STAEntity, _ link: Link) {
        self.name = name
        self.target = target
        self.link = link
    }

    public var toMany: Bool {
        if case .many = link { return true }
        return false
    }

    /// The condition that selects the children of a parent, given the SQL of the parent's id.
    func childCondition(child: String, parentID: String) -> String {
        guard case .many(let template) = link else { return "" }
        return template.replacingOccurrences(of: "{c}", with: child).replacingOccurrences(of: "{p}", with: parentID)
    }
}
