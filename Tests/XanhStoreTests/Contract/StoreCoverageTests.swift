import Foundation
import Testing

/// Every public store method is called by the contract suite: the methods are read from the protocols that declare
/// them (and the public methods of `SQLStore`), the calls from this folder's tests, so a new method without a
/// contract test fails here by name.
@Suite struct StoreCoverageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Files that declare store protocols, and the protocols they declare.
    static let declarations: [(file: String, protocols: [String])] = [
        (
            "Sources/XanhStore/Protocols.swift",
            [
                "StationStore", "FacilityStore", "KeyStore", "ObservationStore", "AirQualityStore", "DerivationStore", "FileLedgerStore",
                "QualityStore",
                "StationEventStore", "AlertRuleStore", "AlertStateStore", "OutboxStore", "RetentionStore", "AdminUnitStore",
                "IndicatorCatalogueStore",
                "IndicatorValueStore", "TargetStore", "AccountStore", "AuditStore", "PlanStore", "SettingsStore", "SampleStore",
                "DisasterStore",
            ]
        ),
        ("Sources/XanhStore/MonitoringStores.swift", ["StoreIdentity"]),
        ("Sources/XanhStore/DataMigration.swift", ["TableCopyEngine"]),
        ("Sources/XanhSensorThings/STAIDs.swift", ["SensorThingsSource"]),
    ]

    static func text(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }

    /// The methods of each protocol, read from its declaration.
    static func storeMethods() throws -> [(owner: String, name: String)] {
        var out: [(String, String)] = []
        for (file, protocols) in declarations {
            let source = try text(file)
            for p in protocols {
                guard let start = source.range(of: "public protocol \(p)") else {
                    Issue.record("\(file) no longer declares \(p): update StoreCoverageTests.declarations")
                    continue
                }
                guard let end = source.range(of: "\n}", range: start.upperBound..<source.endIndex) else { continue }
                let body = source[start.upperBound..<end.lowerBound]
                for line in body.split(separator: "\n") {
                    guard let f = line.range(of: "func ") else { continue }
                    let name = line[f.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                    out.append((p, String(name)))
                }
            }
        }
        // Public methods of the one implementation that no protocol declares.
        let sqlStore = root.appendingPathComponent("Sources/XanhSQLStore")
        for file in try FileManager.default.contentsOfDirectory(atPath: sqlStore.path) where file.hasSuffix(".swift") {
            let source = try String(contentsOf: sqlStore.appendingPathComponent(file), encoding: .utf8)
            for line in source.split(separator: "\n") {
                guard let f = line.range(of: "public func ") else { continue }
                out.append(("SQLStore", String(line[f.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" })))
            }
        }
        return out
    }

    @Test func everyPublicStoreMethodHasAContractTest() throws {
        let methods = try Self.storeMethods()
        #expect(methods.count > 80, "found only \(methods.count) methods: has the layout changed?")
        let dir = Self.root.appendingPathComponent("Tests/XanhStoreTests")
        var calls = ""
        for file in try FileManager.default.subpathsOfDirectory(atPath: dir.path)
        where file.hasSuffix(".swift") && !file.hasSuffix("StoreCoverageTests.swift") {
            calls += try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
        }
        for m in methods {
            let called = calls.contains(".\(m.name)(") || calls.contains(".\(m.name) {")
            #expect(called, "\(m.owner).\(m.name) has no contract test in Tests/XanhStoreTests (call it there on every engine)")
        }
    }
}
