import ArgumentParser
import Foundation
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

struct StationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "station", abstract: "Register and list stations.", subcommands: [Add.self, List.self, Import.self, MapFile.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a station.")
        @OptionGroup var store: StoreOptions
        @Option var code: String
        @Option var name: String
        @Option(help: "ambient_air, emission_stack, wastewater, surface_water, groundwater, seawater") var kind: String = "ambient_air"
        @Option(help: "Official provincial code, e.g. 01 (Hà Nội), 79 (TP Hồ Chí Minh).") var province: String
        @Option var latitude: Double?
        @Option var longitude: Double?
        @Option var facility: Int64?
        @Option(help: "Parameters with their reporting interval in seconds, e.g. 'PM2.5:300,PM10:300,NO2'.") var parameters: String = ""

        func run() async throws {
            let db = try await store.open()
            guard let k = StationKind(rawValue: kind) else {
                throw ValidationError("--kind must be one of \(StationKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let s = Station(
                code: code, name: name, kind: k, province: province, facility: facility, latitude: latitude, longitude: longitude,
                parameters: try StationCSV.parameters(parameters))
            let created = try await db.services().registry.createStation(s)
            try await db.audited("station add", entity: "stations", key: created.code, after: IndicatorJSON.encode(created))
            print("added station \(created.code) (\(created.parameters.map(\.parameter).joined(separator: ", ")))")
        }
    }

    struct MapFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "map-file",
            abstract: "Map a Circular 10 file name (Province_Facility_Station, or the Station part) to a station code.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The name before the time stamp, e.g. HaiPhong_DinhVu_NuocThai01.") var name: String
        @Argument(help: "The station code; omit with --remove.") var code: String?
        @Flag(help: "Remove the mapping.") var remove = false

        func run() async throws {
            let db = try await store.open()
            if remove {
                try await db.mapFileName(name, toStation: nil)
                try await db.audited("station map-file --remove", entity: "file-names", key: name)
                print("removed mapping of \(name)")
                return
            }
            guard let code else { throw ValidationError("give a station code, or --remove") }
            try await db.mapFileName(name, toStation: code)
            try await db.audited("station map-file", entity: "file-names", key: name, after: IndicatorJSON.encode(["station": code]))
            print("files named \(name)_yyyyMMddhhmmss.txt go to station \(code)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stations.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let db = try await store.open()
            var cursor: String?
            print(["code", "name", "kind", "province", "active", "parameters"].joined(separator: "\t"))
            repeat {
                let page = try await db.stations(after: cursor, limit: 1000, kind: nil, province: nil)
                for s in page {
                    print(
                        [
                            s.code, s.name, s.kind.rawValue, s.province, s.active ? "yes" : "no",
                            s.parameters.map { "\($0.parameter):\($0.interval)" }.joined(separator: ","),
                        ].joined(separator: "\t"))
                }
                cursor = page.count == 1000 ? page.last?.code : nil
            } while cursor != nil
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register or update stations from CSV: code,name,kind,province,latitude,longitude,parameters[,facility].")
        @OptionGroup var store: StoreOptions
        @Argument var file: String

        func run() async throws {
            let db = try await store.open()
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let stations = try StationCSV.parse(text, file: file)
            var failures = 0
            let registry = db.services().registry
            for (line, s) in stations {
                do {
                    if try await db.station(code: s.code) != nil {
                        _ = try await registry.updateStation(s)
                    } else {
                        _ = try await registry.createStation(s)
                    }
                } catch {
                    failures += 1
                    FileHandle.standardError.write(Data("\(file):\(line): \(error)\n".utf8))
                }
            }
            try await db.audited(
                "station import", entity: "stations", key: file,
                after: IndicatorJSON.encode(["imported": String(stations.count - failures), "rejected": String(failures)]))
            print("imported \(stations.count - failures) stations, \(failures) rejected")
            if failures > 0 { throw ExitCode(1) }
        }
    }
}

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print it once; only its SHA-256 is stored.")
        @OptionGroup var store: StoreOptions
        @Option var name: String
        @OptionGroup var scope: ScopeOptions

        func run() async throws {
            let (r, scope) = try scope.resolved()
            let db = try await store.open()
            try await ScopeOptions.check(scope, on: db)
            let key = try await KeyService(store: db).create(name: name, role: r, scope: scope)
            try await db.audited("key create", entity: "key", key: name, after: IndicatorJSON.encode(["role": r.rawValue, "scope": scope.summary()]))
            print(key)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys: name, role, scope, created, last used, state (never the key).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let db = try await store.open()
            print(["name", "role", "scope", "created", "last used", "state"].joined(separator: "\t"))
            for k in try await db.apiKeys() {
                print(
                    [
                        k.key.name, k.key.role, k.key.scope.summary(), Timestamps.format(k.createdAt),
                        k.lastUsedAt.map { Timestamps.format($0) } ?? "never",
                        k.revoked ? "revoked" : "active",
                    ].joined(separator: "\t"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: its next request is refused with 401.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() async throws {
            let db = try await store.open()
            try await db.revokeAPIKey(name: name)
            try await db.audited("key revoke", entity: "key", key: name, after: #"{"revoked":true}"#)
            print("revoked \(name)")
        }
    }
}

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Print the access policy: what each role may do, and the permission every route needs (Markdown).")

    func run() throws { print(RoutePolicy.markdown(), terminator: "") }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import data files.",
        subcommands: [Observations.self, IndicatorValues.self, Indicators.self, Units.self, Boundaries.self])

    struct Observations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load observations from CSV: station,parameter,time,value,status.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String

        func run() async throws {
            let db = try await store.open()
            let services = db.services()
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let (inputs, lines, fieldErrors) = try ObservationCSV.parse(text, file: file)
            let (counts, rejected) = try await services.ingestor.ingest(inputs, fieldErrors: fieldErrors)
            for r in rejected { FileHandle.standardError.write(Data("\(file):\(lines[r.index]): \(r.error)\n".utf8)) }
            try await db.audited(
                "import observations", entity: "observations", key: file,
                after: IndicatorJSON.encode([
                    "accepted": String(counts.accepted), "replaced": String(counts.replaced), "rejected": String(rejected.count),
                ]))
            try await services.deriver.drain()
            print("accepted \(counts.accepted) (replaced \(counts.replaced)), rejected \(rejected.count)")
            if !rejected.isEmpty { throw ExitCode(1) }
        }
    }
}
