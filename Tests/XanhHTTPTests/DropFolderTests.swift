import Foundation
import Testing
import XanhCore
import XanhSQLite
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

/// A drop folder laid out as an FTP server writes it, over a fresh store.
struct DropFixture {
    let fixture: Fixture
    let root: String
    let config: DropFolderConfig

    init(settle: Double = 0) async throws {
        fixture = try await Fixture()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-drop-\(UUID().uuidString)").path + "/drop"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        config = DropFolderConfig(root: root, settle: settle)
        _ = try await fixture.store.createStation(
            Station(
                code: "HP-DV-WW", name: "Đình Vũ", kind: .wastewater, province: "31",
                parameters: ["pH", "COD", "TSS", "Flow"].map { StationParameter(parameter: $0) }))
    }

    var folder: DropFolder {
        DropFolder(store: fixture.store, catalogue: Fixture.reference.parameters, config: config, clock: { Fixture.now })
    }

    /// Writes `text` at `relative` under the drop folder; returns the path.
    @discardableResult
    func put(_ relative: String, _ text: String) throws -> String {
        try put(relative, Data(text.utf8))
    }

    @discardableResult
    func put(_ relative: String, _ data: Data) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Every regular file under a tree.
    func files(under dir: String) -> [String] {
        (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).filter { p in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir + "/" + p, isDirectory: &isDir) && !isDir.boolValue
        }.sorted()
    }
}

let goodWW =
    "pH\t7.10\t\t20261120100000\t00\nCOD\t45.2\tmg/L\t20261120100000\t00\nTSS\t20.1\tmg/L\t20261120100000\t00\nFlow\t410\tm3/h\t20261120100000\t00\n"

@Suite struct DropFolderTests {
    /// A file under a top folder named like a key came through that FTP account: it is held to the key's stations
    /// and role, and each file stored leaves an audit entry naming the account.
    @Test func filesOfAnAccountAreHeldToItsKeysScope() async throws {
        let f = try await DropFixture()
        let store = f.fixture.store
        for (name, stations) in [("logger-dv", ["HP-DV-WW"]), ("logger-other", ["HN-NKT"]), ("logger-old", ["HP-DV-WW"])] {
            try await store.createAPIKey(name: name, hash: "h-" + name, role: "facility_operator")
            try await store.setAPIKeyScope(name: name, scope: AccessScope(stations: stations))
        }
        try await store.revokeAPIKey(name: "logger-old")
        try f.put("logger-dv/2026/11/20/HP_DinhVu_HP-DV-WW_20261120100000.txt", goodWW)
        try f.put("logger-other/2026/11/20/HP_DinhVu_HP-DV-WW_20261120100500.txt", goodWW.replacingOccurrences(of: "100000", with: "100500"))
        try f.put("logger-old/2026/11/20/HP_DinhVu_HP-DV-WW_20261120101000.txt", goodWW.replacingOccurrences(of: "100000", with: "101000"))
        let r = try await f.folder.scanOnce()
        #expect(r.ingested == 1 && r.quarantined == 2, "\(r)")
        let errors = f.files(under: f.config.quarantine).filter { $0.hasSuffix(".error") }.map { f.read(f.config.quarantine + "/" + $0) }
        #expect(errors.contains { $0.contains("reason: out_of_scope") && $0.contains("'logger-other' may not write for station HP-DV-WW") })
        #expect(errors.contains { $0.contains("the account 'logger-old' has been revoked") })
        let audit = try await store.auditEntries(AuditFilter(entity: "file"), beforeSeq: nil, limit: 10)
        #expect(
            audit.map(\.actor) == ["logger-dv"] && audit.first?.channel == "drop-folder" && audit.first?.after?.contains("\"rows\":\"4\"") == true)
    }

    @Test func goodFilesAreArchivedAndEveryBadKindIsQuarantinedWithItsReason() async throws {
        let f = try await DropFixture()
        let dir = "HP-DV-WW/2026/11/20"
        // Given two good files and one file of each bad kind in the same batch
        try f.put("\(dir)/HP_DinhVu_HP-DV-WW_20261120100000.txt", goodWW)
        try f.put("\(dir)/HP_DinhVu_HP-DV-WW_20261120100500.txt", goodWW.replacingOccurrences(of: "100000", with: "100500"))
        let bad: [(String, String, String)] = [
            ("HP_DinhVu_HP-DV-WW_20261120101000.txt", "pH\t7.1\t\t20261120101000\n", "bad_line"),
            ("HP_DinhVu_NOSUCH_20261120101000.txt", goodWW, "unknown_station"),
            ("HP_DinhVu_HP-DV-WW_20261120101500.txt", "pH\t7.1\t\t20261120101500\t00\nXYZ\t1\tmg/L\t20261120101500\t00\n", "unknown_parameter"),
            ("HP_DinhVu_HP-DV-WW_20261120102000.txt", "COD\t45\tug/m3\t20261120102000\t00\n", "unit_mismatch"),
            ("HP_DinhVu_HP-DV-WW_20261120102500.txt", "COD\t45\tmg/L\t2026-11-20T10:25\t00\n", "bad_timestamp"),
            ("HP_DinhVu_HP-DV-WW_20261120103000.txt", "", "empty"),
            ("report.txt", goodWW, "bad_name"),
        ]
        for (name, text, _) in bad { try f.put("\(dir)/\(name)", text) }
        try f.put("\(dir)/HP_DinhVu_HP-DV-WW_20261120103500.txt", Data([0x00, 0x01, 0xFF, 0x02]))

        // When the folder is scanned
        let r = try await f.folder.scanOnce()

        // Then the good files are stored and archived, and every bad one is in quarantine with its reason
        #expect(r.ingested == 2)
        #expect(r.rows == 8)
        #expect(r.quarantined == bad.count + 1)
        #expect(try await f.fixture.store.observationCount() == 8)
        #expect(f.files(under: f.root).isEmpty)
        #expect(f.files(under: f.config.archive) == ["\(dir)/HP_DinhVu_HP-DV-WW_20261120100000.txt", "\(dir)/HP_DinhVu_HP-DV-WW_20261120100500.txt"])
        for (name, _, reason) in bad {
            let q = f.config.quarantine + "/\(dir)/\(name)"
            #expect(f.exists(q), "\(name) not in quarantine")
            let error = f.read(q + ".error")
            #expect(error.contains("reason: \(reason)"), "\(name): \(error)")
        }
        #expect(f.read(f.config.quarantine + "/\(dir)/HP_DinhVu_HP-DV-WW_20261120103500.txt.error").contains("reason: not_text"))
        // The error names the line.
        #expect(f.read(f.config.quarantine + "/\(dir)/HP_DinhVu_HP-DV-WW_20261120101500.txt.error").contains("line 2: unknown_parameter"))
    }

    @Test func aFileStillBeingWrittenIsNotRead() async throws {
        let f = try await DropFixture(settle: 2)
        let path = try f.put("HP-DV-WW/HP_DV_HP-DV-WW_20261120100000.txt", "pH\t7.1\t\t20261120100000\t00\nCOD\t4")
        var r = try await f.folder.scanOnce()
        #expect(r.pending == 1 && r.ingested == 0 && r.quarantined == 0)
        #expect(f.exists(path))
        // The upload finishes; once the file has settled it is read whole.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("5.2\tmg/L\t20261120100000\t00\n".utf8))
        try handle.close()
        // Backdate the modification time rather than sleep through the settle time.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-5)], ofItemAtPath: path)
        r = try await f.folder.scanOnce()
        #expect(r.ingested == 1 && r.rows == 2)
        let cod = try await f.fixture.store.rawSeries(station: "HP-DV-WW", parameter: "COD", from: 0, to: .max, limit: 10)
        #expect(cod.map(\.value) == [45.2])
    }

    @Test func aResendIsArchivedButNotCountedTwice() async throws {
        let f = try await DropFixture()
        let name = "HP_DV_HP-DV-WW_20261120100000.txt"
        try f.put("HP-DV-WW/\(name)", goodWW)
        _ = try await f.folder.scanOnce()
        try f.put("HP-DV-WW/\(name)", goodWW)
        let r = try await f.folder.scanOnce()
        #expect(r.duplicates == 1 && r.ingested == 0)
        #expect(try await f.fixture.store.ingestedFileCount() == 1)
        #expect(try await f.fixture.store.observationCount() == 4)
        // Nothing is overwritten in the archive.
        #expect(f.files(under: f.config.archive) == ["HP-DV-WW/\(name)", "HP-DV-WW/\(name).2"])
        // A corrected resend (same name, new content) is stored.
        try f.put("HP-DV-WW/\(name)", goodWW.replacingOccurrences(of: "45.2", with: "47.0"))
        #expect(try await f.folder.scanOnce().ingested == 1)
        #expect(try await f.fixture.store.rawSeries(station: "HP-DV-WW", parameter: "COD", from: 0, to: .max, limit: 10).map(\.value) == [47])
    }

    @Test func aRestartAfterTheCommitDoesNotCountAFileTwice() async throws {
        // Given a file whose rows were committed before the process died, before it was moved
        let f = try await DropFixture()
        let name = "HP_DV_HP-DV-WW_20261120100000.txt"
        let path = try f.put("HP-DV-WW/\(name)", goodWW)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let reader = Circular10Reader(
            catalogue: Fixture.reference.parameters, directory: try await f.fixture.store.seriesDirectory(), names: [:], now: Fixture.now)
        let batch = try reader.read(name: name, bytes: bytes).get()
        _ = try await f.fixture.store.ingestFiles([FileIngest(name: name, fingerprint: DropFolder.fingerprint(bytes), rows: batch.rows)])
        // When the watcher starts again
        let r = try await f.folder.scanOnce()
        // Then the file is archived and counted once
        #expect(r.duplicates == 1 && r.ingested == 0)
        #expect(try await f.fixture.store.ingestedFileCount() == 1)
        #expect(f.files(under: f.config.archive) == ["HP-DV-WW/\(name)"])
    }

    @Test func mappedNamesAndHiddenUploads() async throws {
        let f = try await DropFixture()
        try await f.fixture.store.mapFileName("HaiPhong_KCNDinhVu_NuocThai01", toStation: "HP-DV-WW")
        try f.put("NuocThai01/HaiPhong_KCNDinhVu_NuocThai01_20261120100000.txt", goodWW)
        try f.put("NuocThai01/.HaiPhong_KCNDinhVu_NuocThai01_20261120100500.txt", goodWW)  // an upload under a temporary name
        let r = try await f.folder.scanOnce()
        #expect(r.ingested == 1 && r.quarantined == 0)
        #expect(f.exists(f.root + "/NuocThai01/.HaiPhong_KCNDinhVu_NuocThai01_20261120100500.txt"))
    }
}
