import Foundation
import Logging
import XanhCore
import XanhStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct DropFolderConfig: Sendable {
    /// The folder tree FTP writes into (station folders, `yyyy/MM/dd` sub-folders).
    public var root: String
    /// Ingested files are moved here, under the same relative path.
    public var archive: String
    /// Files that cannot be ingested whole are moved here, each with a sibling `.error` file.
    public var quarantine: String
    /// A file is read only once it has not been modified for this many seconds (an upload in progress keeps
    /// changing it).
    public var settle: Double
    /// Seconds between scans.
    public var interval: Double
    /// Files stored per transaction.
    public var batchFiles: Int

    /// Archive and quarantine default to siblings of the drop folder (`DROP-archive`, `DROP-quarantine`), outside
    /// what FTP users can see.
    public init(root: String, archive: String? = nil, quarantine: String? = nil, settle: Double = 1, interval: Double = 0.25, batchFiles: Int = 2000)
    {
        let r = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.root = r
        self.archive = archive ?? r + "-archive"
        self.quarantine = quarantine ?? r + "-quarantine"
        self.settle = settle
        self.interval = interval
        self.batchFiles = batchFiles
    }
}

public struct DropScanResult: Sendable, Equatable {
    public var ingested = 0
    /// Files whose name and content were already in the ledger (a resend, or a restart after the commit).
    public var duplicates = 0
    public var quarantined = 0
    public var rows = 0
    /// Files seen but still being written.
    public var pending = 0
    /// Entries that cannot be read as files (too long or unprintable names, symbolic links, devices), moved to
    /// quarantine with the reason.
    public var refused = 0
    public init() {}
}

/// Ingests Circular 10/2021 files from a drop folder.
///
/// Order of work per batch, so that a crash at any point loses nothing and counts nothing twice: read and check
/// the files; store the rows of the good ones together with a ledger entry (name, content fingerprint) in one
/// transaction; then move them to the archive. A file still in the drop folder after a crash is read again, and
/// the ledger recognises it. A bad file gets its `.error` written first, then is moved to quarantine.
public actor DropFolder {
    let store: any StationStore & FileLedgerStore & KeyStore & AuditStore
    let catalogue: ParameterCatalogue
    public let config: DropFolderConfig
    let clock: @Sendable () -> Int64
    let logger: Logger
    let limits: Limits
    private var madeDirectories = Set<String>()
    /// Entries that could not be moved to quarantine, logged once.
    private var unmovable = Set<String>()

    public init(
        store: any StationStore & FileLedgerStore & KeyStore & AuditStore, catalogue: ParameterCatalogue, config: DropFolderConfig,
        limits: Limits = Limits(),
        logger: Logger = Logger(label: "xanh.drop"), clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.limits = limits
        self.catalogue = catalogue
        self.config = config
        self.clock = clock
        self.logger = logger
    }

    struct Found {
        var relativeDir: String
        var name: String
        /// The name's bytes as the file system has them (a name that is not UTF-8 differs from `name`).
        var raw: [UInt8] = []
        var path: String { relativeDir.isEmpty ? name : relativeDir + "/" + name }
    }

    /// The longest file name read, in bytes: its `.error` companion (and a `.N` suffix in the archive) must still fit in
    /// the 255 bytes a Linux file name may have.
    static let maxNameBytes = 200

    static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || u.value == 0x7F || (0x80..<0xA0).contains(u.value) }

    /// Why an entry's name cannot be taken as it is, or nil.
    static func nameProblem(_ name: String) -> String? {
        if name.utf8.count > maxNameBytes { return "the file name is \(name.utf8.count) bytes long; at most \(maxNameBytes) are read" }
        if name.unicodeScalars.contains(where: isControl) { return "the file name contains control characters" }
        if name.unicodeScalars.contains("\u{FFFD}") { return "the file name is not valid UTF-8" }
        return nil
    }

    /// A name safe to write beside the quarantined entry: printable, short, and unique for the original.
    static func safeName(_ name: String) -> String {
        var prefix = ""
        for u in name.unicodeScalars {
            let c = isControl(u) ? "_" : String(u)
            if prefix.utf8.count + c.utf8.count > 120 { break }
            prefix += c
        }
        return prefix + "-" + Hex.encode(withUnsafeBytes(of: FNV1a.hash(Array(name.utf8)).bigEndian) { Array($0) }).prefix(12)
    }

    /// Text quoted into an `.error` file on one line: control characters are written as escapes, so nothing quoted can
    /// add a line (a forged `reason:`) of its own.
    static func escapeLine(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case _ where isControl(u): out += "\\u{" + String(u.value, radix: 16) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Scans the tree once and processes every file that is ready. Returns what it did.
    public func scanOnce() async throws -> DropScanResult {
        var result = DropScanResult()
        let nowReal = Date().timeIntervalSince1970
        var found: [Found] = []
        var refused: [(Found, String)] = []
        walk(relative: "", settleBefore: nowReal - config.settle, into: &found, refused: &refused, pending: &result.pending)
        for (f, reason) in refused { refuse(f, reason: reason, into: &result) }
        guard !found.isEmpty else { return result }
        found.sort { $0.path < $1.path }
        for start in stride(from: 0, to: found.count, by: config.batchFiles) {
            try Task.checkCancellation()
            try await process(Array(found[start..<min(found.count, start + config.batchFiles)]), into: &result)
        }
        return result
    }

    /// Scans until the task is cancelled. A failed scan (the database down, a full disk) is logged and tried again
    /// after a pause that doubles up to a minute, so an outage is survived quietly and files wait where they are.
    public func run() async {
        var pause = config.interval
        var failed = 0
        while !Task.isCancelled {
            do {
                let r = try await scanOnce()
                if r.ingested + r.quarantined + r.duplicates + r.refused > 0 {
                    logger.info(
                        "drop folder: \(r.ingested) files ingested (\(r.rows) rows), \(r.duplicates) already ingested, \(r.quarantined) quarantined, \(r.refused) refused"
                    )
                }
                if failed > 0 { logger.info("drop folder works again after \(failed) failed scans") }
                failed = 0
                pause = config.interval
            } catch {
                if Task.isCancelled { return }
                failed += 1
                if pause < 60 { logger.error("drop folder scan failed (\(failed) in a row): \(error)") }
                pause = min(60, max(config.interval, pause * 2))
            }
            do { try await Task.sleep(for: .milliseconds(Int64(pause * 1000))) } catch { return }
        }
    }

    /// Moves an entry that cannot be read as a file into quarantine under a safe name, with an `.error` beside it that
    /// quotes the original name escaped. A failure here is logged once and never stops the other files.
    private func refuse(_ f: Found, reason: String, into result: inout DropScanResult) {
        do {
            let dir = try ensureDirectory(config.quarantine, f.relativeDir)
            let safe = Self.safeName(f.name)
            let text = "file: \(Self.escapeLine(f.path))\nquarantined: \(Timestamps.format(clock()))\nreason: refused\n\(Self.escapeLine(reason))\n\n"
            try Self.writeAtomically(text, to: dir + "/" + safe + ".error")
            var target = dir + "/" + safe
            var n = 1
            while access(target, F_OK) == 0 {
                n += 1
                target = dir + "/" + safe + ".\(n)"
            }
            // rename moves a symbolic link itself, never what it points to; the source is named by its own bytes.
            let dirBytes = Array((f.relativeDir.isEmpty ? config.root : config.root + "/" + f.relativeDir).utf8)
            let source = (dirBytes + [UInt8(ascii: "/")] + (f.raw.isEmpty ? Array(f.name.utf8) : f.raw) + [0]).map { CChar(bitPattern: $0) }
            guard rename(source, target) == 0 else {
                throw DropFolderError(message: "cannot move \(Self.escapeLine(f.path)) to quarantine: \(String(cString: strerror(errno)))")
            }
            result.refused += 1
            logger.warning("refused \(Self.escapeLine(f.path)): \(reason)")
        } catch {
            if unmovable.insert(f.path).inserted { logger.error("drop folder: \(error)") }
        }
    }

    private func process(_ files: [Found], into result: inout DropScanResult) async throws {
        let reader = Circular10Reader(
            catalogue: catalogue, directory: try await store.seriesDirectory(), names: try await store.fileNameMap(), now: clock(), limits: limits)
        var good: [(Found, FileIngest, String)] = []
        var bad: [(Found, Circular10.Problems)] = []
        let accounts = try await Self.accounts(store)
        let stations = Dictionary(try await store.allStations().map { ($0.code, $0.facility) }, uniquingKeysWith: { a, _ in a })
        for f in files {
            guard let bytes = Self.readAll(config.root + "/" + f.path) else { continue }  // vanished: nothing to do
            switch reader.read(name: f.name, bytes: bytes) {
            case .success(let batch):
                if let refusal = Self.refusal(f, station: batch.station, facility: stations[batch.station] ?? nil, accounts: accounts) {
                    bad.append((f, [Circular10.Problem(.outOfScope, refusal)]))
                    continue
                }
                good.append((f, FileIngest(name: f.name, fingerprint: Self.fingerprint(bytes), rows: batch.rows), batch.station))
            case .failure(let problems):
                bad.append((f, problems))
            }
        }
        let outcomes = try await store.ingestFiles(good.map(\.1))
        for ((f, ingest, station), outcome) in zip(good, outcomes) {
            switch outcome {
            case .ingested(let n):
                result.ingested += 1
                result.rows += n
                let account = Self.account(of: f).flatMap { accounts[$0] }
                try await store.appendAudit(
                    AuditEntry(
                        seq: 0, at: clock(), actor: account?.key.name ?? "drop-folder", actorKind: account == nil ? "operator" : "key",
                        role: account?.key.role ?? "admin", address: "drop-folder", channel: "drop-folder", action: "ingest file", entity: "file",
                        entityKey: f.path, before: nil,
                        after: IndicatorJSON.encode(["station": station, "rows": String(n), "fingerprint": ingest.fingerprint])))
            case .duplicate:
                result.duplicates += 1
            }
            try move(f, to: config.archive)
        }
        for (f, problems) in bad {
            do {
                let dir = try ensureDirectory(config.quarantine, f.relativeDir)
                let first = problems.items.first?.kind.rawValue ?? "bad_line"
                let lines = problems.items.map { Self.escapeLine($0.description) }.joined(separator: "\n")
                let text = "file: \(Self.escapeLine(f.path))\nquarantined: \(Timestamps.format(clock()))\nreason: \(first)\n\(lines)\n\n"
                try Self.writeAtomically(text, to: dir + "/" + f.name + ".error")
                try move(f, to: config.quarantine)
                result.quarantined += 1
                logger.warning("quarantined \(Self.escapeLine(f.path)): \(Self.escapeLine(problems.items.first?.description ?? first))")
            } catch {
                // The file stays where it is and is tried again; the others go on.
                if unmovable.insert(f.path).inserted { logger.error("drop folder: cannot quarantine \(Self.escapeLine(f.path)): \(error)") }
            }
        }
    }

    /// FTP accounts: a file under a top folder named like an API key came through that key's account (the FTP server
    /// roots each account in its own folder) and may carry data only for the key's stations; files elsewhere are the
    /// operator's (decision 0015).
    static func accounts(_ store: any KeyStore) async throws -> [String: APIKeyInfo] {
        Dictionary(try await store.apiKeys().map { ($0.key.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    static func account(of f: Found) -> String? {
        f.relativeDir.split(separator: "/").first.map(String.init)
    }

    /// Why a file may not be stored for its station through its account, or nil.
    static func refusal(_ f: Found, station: String, facility: Int64?, accounts: [String: APIKeyInfo]) -> String? {
        guard let name = account(of: f), let account = accounts[name] else { return nil }
        if account.revoked { return "the account '\(name)' has been revoked" }
        if !account.key.scope.covers(station: station, facility: facility) {
            return "the account '\(name)' may not write for station \(station) (its scope: \(account.key.scope.summary()))"
        }
        if let role = Role(name: account.key.role), !role.may(.observe) {
            return "the account '\(name)' has the role '\(account.key.role)', which does not write observations"
        }
        return nil
    }

    /// The ledger's fingerprint of a file's content: FNV-1a in hex, and the size.
    public static func fingerprint(_ bytes: [UInt8]) -> String {
        Hex.encode(withUnsafeBytes(of: FNV1a.hash(bytes).bigEndian) { Array($0) }) + "-\(bytes.count)"
    }

    // MARK: Files

    private func walk(relative: String, settleBefore: Double, into found: inout [Found], refused: inout [(Found, String)], pending: inout Int) {
        let dirPath = relative.isEmpty ? config.root : config.root + "/" + relative
        guard let dir = opendir(dirPath) else { return }
        defer { closedir(dir) }
        var subdirs: [String] = []
        while let entry = readdir(dir) {
            let raw = withUnsafePointer(to: entry.pointee.d_name) { ptr in
                ptr.withMemoryRebound(to: UInt8.self, capacity: 256) { p in
                    Array(UnsafeBufferPointer(start: p, count: strnlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self), 256)))
                }
            }
            let name = String(decoding: raw, as: UTF8.self)
            if name.hasPrefix(".") { continue }  // ".", "..", hidden and temporary upload names
            let lower = name.lowercased()
            if lower.hasSuffix(".part") || lower.hasSuffix(".tmp") || lower.hasSuffix(".filepart") { continue }
            let full = dirPath + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            let type = st.st_mode & S_IFMT
            let entry = Found(relativeDir: relative, name: name, raw: raw)
            if type == S_IFDIR {
                if let problem = Self.nameProblem(name) {
                    if unmovable.insert(entry.path).inserted {
                        logger.error("drop folder: the folder \(Self.escapeLine(entry.path)) is not read: \(problem)")
                    }
                    continue
                }
                subdirs.append(entry.path)
            } else if type == S_IFREG {
                let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
                if mtime > settleBefore {
                    pending += 1
                } else if let problem = Self.nameProblem(name) {
                    refused.append((entry, problem))
                } else {
                    found.append(entry)
                }
            } else if type == S_IFLNK {
                refused.append((entry, "a symbolic link: only regular files are read, never what a link points to"))
            } else {
                refused.append((entry, "not a regular file (a device, a socket or a pipe)"))
            }
        }
        for d in subdirs { walk(relative: d, settleBefore: settleBefore, into: &found, refused: &refused, pending: &pending) }
    }

    static func readAll(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { return out }
            out.append(contentsOf: buf[0..<n])
        }
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) else {
            throw DropFolderError(message: "cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else { throw DropFolderError(message: "cannot rename \(tmp): \(String(cString: strerror(errno)))") }
    }

    private func ensureDirectory(_ base: String, _ relative: String) throws -> String {
        let dir = relative.isEmpty ? base : base + "/" + relative
        if madeDirectories.contains(dir) { return dir }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        madeDirectories.insert(dir)
        return dir
    }

    /// Moves a file under `base` at its relative path, never over an existing file (`name.2`, `name.3`, …).
    private func move(_ f: Found, to base: String) throws {
        let dir = try ensureDirectory(base, f.relativeDir)
        var target = dir + "/" + f.name
        var n = 1
        while access(target, F_OK) == 0 {
            n += 1
            target = dir + "/" + f.name + ".\(n)"
        }
        guard rename(config.root + "/" + f.path, target) == 0 else {
            throw DropFolderError(message: "cannot move \(f.path) to \(target): \(String(cString: strerror(errno)))")
        }
    }
}

public struct DropFolderError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
