import XanhCore
import XanhStore

/// Keeps derived data current: QC flags that need neighbours, hourly and daily means, completeness counts,
/// device-error runs, VN_AQI and US AQI, QCVN 05 exceedances and facility-limit (QCVN 19/40) exceedances.
///
/// Ingest marks the (series, hour) pairs it touches, durably and in the same transaction as the rows. `runOnce`
/// takes the pending marks, recomputes only the local days they fall in (plus the hours and days whose AQI or
/// rolling means depend on them) and clears the marks in the transaction that writes the results. A crash in
/// between leaves the marks, so the work is redone; derived data can always be recomputed from what is stored.
public actor Deriver {
    let store: any DerivationStore
    let reference: ReferenceData
    let aqi: StationAQI
    let clock: @Sendable () -> Int64

    /// `clock` gives the current UTC time: hourly AQI is published for hours that have ended, never for hours to come.
    public init(store: any DerivationStore, reference: ReferenceData, clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.reference = reference
        self.aqi = StationAQI(vn: reference.vnAQI, us: reference.usAQI)
        self.clock = clock
    }

    /// Processes every pending mark, in batches. Returns how many marks were processed.
    @discardableResult
    public func drain(batchSize: Int = 100_000) async throws -> Int {
        var total = 0
        while true {
            try Task.checkCancellation()
            let n = try await runOnce(limit: batchSize)
            if n == 0 { return total }
            total += n
        }
    }

    /// One pass over at most `limit` marks. Returns the number processed (0 when there was nothing to do).
    public func runOnce(limit: Int = 100_000) async throws -> Int {
        let (maxSeq, marks) = try await store.pendingDirty(limit: limit)
        guard !marks.isEmpty else { return 0 }
        var ranges: [Int64: (lo: Int64, hi: Int64)] = [:]
        for m in marks {
            let r = ranges[m.series] ?? (m.hourEnd, m.hourEnd)
            ranges[m.series] = (min(r.lo, m.hourEnd), max(r.hi, m.hourEnd))
        }
        let infos = try await store.seriesInfo(ids: Array(ranges.keys))

        // Phase 1: hourly and daily means over the whole local days the marks fall in. The inputs are read for many
        // series at once (a few statements per group of series, not several per series), a group at a time.
        var rollups = DerivedBatch()
        var dayRanges: [Int64: (from: Int64, to: Int64)] = [:]  // per series: [first day start, end of last day]
        var stationRanges: [Int64: (from: Int64, to: Int64)] = [:]
        for group in Self.groups(infos) {
            // A shutdown stops a pass between groups: nothing is applied, and the marks wait for the next start.
            try Task.checkCancellation()
            var reads: [(info: SeriesInfo, from: Int64, to: Int64, context: Int64)] = []
            for info in group {
                guard let r = ranges[info.id] else { continue }
                let from = Timestamps.dayStart(ofHourEnd: r.lo)
                let to = Timestamps.dayStart(ofHourEnd: r.hi) + Timestamps.day
                // Context before the range: the spike reference window, a flat run, and a day for device-error runs.
                let context = Self.context(reference.parameters.parameter(code: info.parameter), info)
                reads.append((info, from, to, context))
                dayRanges[info.id] = (from, to)
                let s = stationRanges[info.stationID] ?? (from, to)
                stationRanges[info.stationID] = (min(s.from, from), max(s.to, to))
            }
            let windows = reads.map { SeriesRange($0.info.id, $0.from - $0.context, $0.to) }
            let points = try await store.qcPoints(windows)
            let overrides = try await store.overrides(windows)
            for r in reads {
                deriveDays(
                    r.info, from: r.from, to: r.to, context: r.context, all: points[r.info.id] ?? [], overrides: overrides[r.info.id] ?? [],
                    into: &rollups)
            }
        }
        try await store.apply(rollups)

        // Phase 2: AQI per ambient station and exceedances per series, from the fresh means.
        var derived = DerivedBatch()
        derived.clearDirtyUpTo = maxSeq
        let stations = try await store.seriesOfStations(Array(stationRanges.keys))
        for group in Self.groups(stationRanges.sorted { $0.key < $1.key }) {
            try Task.checkCancellation()
            let ambient = group.compactMap { id, range in stations[id].flatMap { $0.first?.kind == .ambientAir ? (id, $0, range) : nil } }
            let windows = ambient.flatMap { _, series, range in
                series.filter { StationAQI.parameters.contains($0.parameter) }.map {
                    SeriesRange($0.id, range.from - Timestamps.day, range.to + Timestamps.day)
                }
            }
            let hourly = try await store.hourly(windows)
            for (id, series, range) in ambient { deriveAQI(station: id, series: series, hourly: hourly, range: range, into: &derived) }
        }
        for group in Self.groups(infos) {
            // A shutdown stops a pass between groups: nothing is applied, and the marks wait for the next start.
            try Task.checkCancellation()
            for period in AveragingPeriod.allCases {
                let checks = group.compactMap { info -> (info: SeriesInfo, lo: Int64, hi: Int64, limitAt: (Int64) -> AppliedLimit?)? in
                    guard let r = dayRanges[info.id], let limitAt = appliedLimit(info, period) else { return nil }
                    let (lo, hi) = Self.eventWindow(period, r)
                    return (info, lo, hi, limitAt)
                }
                guard !checks.isEmpty else { continue }
                let existing = try await store.events(checks.map { SeriesRange($0.info.id, $0.lo, $0.hi) }, period: period)
                // Widened to every stored event the window overlaps.
                let widened = checks.map { c -> (lo: Int64, hi: Int64) in
                    let stored = existing[c.info.id] ?? []
                    return (min(c.lo, stored.map(\.event.start).min() ?? c.lo), max(c.hi, stored.map(\.event.end).max() ?? c.hi))
                }
                var hourly: [Int64: [HourlyStat]] = [:]
                var daily: [Int64: [DailyStat]] = [:]
                switch period {
                case .hour1, .hour8:
                    hourly = try await store.hourly(zip(checks, widened).map { SeriesRange($0.info.id, $1.lo - 8 * Timestamps.hour, $1.hi) })
                case .hour24, .year:
                    daily = try await store.daily(zip(checks, widened).map { SeriesRange($0.info.id, $1.lo - Timestamps.day, $1.hi) })
                }
                for (c, w) in zip(checks, widened) {
                    detectEvents(
                        c.info, period: period, lo: c.lo, window: w, existing: existing[c.info.id] ?? [], hourly: hourly[c.info.id] ?? [],
                        daily: daily[c.info.id] ?? [], into: &derived, limitAt: c.limitAt)
                }
            }
        }
        try await store.apply(derived)
        return marks.count
    }

    /// The limit a series' values of a period are held to, by time: QCVN 05 for ambient air, the facility's QCVN 19/40
    /// limit on hourly means (docs/decisions/0006-facility-limits.md); nil when none applies.
    func appliedLimit(_ info: SeriesInfo, _ period: AveragingPeriod) -> ((Int64) -> AppliedLimit?)? {
        if info.kind == .ambientAir && reference.limits.hasLimits(parameter: info.parameter) {
            let limits = reference.limits
            return { t in limits.limit(parameter: info.parameter, period: period, at: t).map { AppliedLimit(max: $0.value, standard: $0.standard) } }
        }
        if period == .hour1, let config = info.limits, reference.facilityLimits.hasLimits(parameter: info.parameter, family: config.family) {
            let limits = reference.facilityLimits
            return { t in limits.limit(parameter: info.parameter, config: config, at: t) }
        }
        return nil
    }

    /// Series (or stations) in groups whose inputs are read together: a bound on what one read holds in memory.
    static func groups<T>(_ items: [T]) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: 250).map { items[$0..<min(items.count, $0 + 250)] }
    }

    private func deriveAQI(
        station: Int64, series: [SeriesInfo], hourly: [Int64: [HourlyStat]], range: (from: Int64, to: Int64), into batch: inout DerivedBatch
    ) {
        var means: [String: [Int64: Double]] = [:]
        for s in series where StationAQI.parameters.contains(s.parameter) {
            means[s.parameter] = Dictionary((hourly[s.id] ?? []).map { ($0.hourEnd, $0.mean) }, uniquingKeysWith: { a, _ in a })
        }
        // A mean at hour h feeds the NowCast up to h + 11 h and the rolling 8-h means up to h + 7 h.
        let hFrom = range.from + Timestamps.hour
        // Only hours that have ended: at 16:01 the latest hourly AQI is the one labelled 16:00.
        let lastEnded = Timestamps.floorDiv(clock(), Timestamps.hour) * Timestamps.hour
        let hTo = min(range.to + 11 * Timestamps.hour, lastEnded)
        var vnRows: [(t: Int64, result: AQIResult)] = []
        var usRows: [(t: Int64, result: AQIResult)] = []
        for h in stride(from: hFrom, through: hTo, by: Int(Timestamps.hour)) {
            if let r = aqi.vnHourly(means, at: h) { vnRows.append((h, r)) }
            if let r = aqi.usHourly(means, at: h) { usRows.append((h, r)) }
        }
        batch.aqi.append(.init(stationID: station, scale: .vn, resolution: .hour, from: hFrom, to: hTo, rows: vnRows))
        batch.aqi.append(.init(stationID: station, scale: .us, resolution: .hour, from: hFrom, to: hTo, rows: usRows))
        // Days: those of the range, and the next one (its first 8-h O3 means reach back into the range).
        let dTo = min(Timestamps.dayStart(ofHourEnd: range.to + 8 * Timestamps.hour), Timestamps.localMidnight(clock()))
        var dayRows: [(t: Int64, result: AQIResult)] = []
        for d in stride(from: range.from, through: dTo, by: Int(Timestamps.day)) {
            if let r = aqi.vnDaily(means, day: d) { dayRows.append((d, r)) }
        }
        batch.aqi.append(.init(stationID: station, scale: .vn, resolution: .day, from: range.from, to: dTo, rows: dayRows))
    }

    /// QC over the days (from, to] in their true sequence, then hourly and daily means, counts and device-error runs.
    /// `all` holds the points from the context before `from` on; `overrides` those that overlap them.
    private func deriveDays(
        _ info: SeriesInfo, from: Int64, to: Int64, context: Int64, all: [(point: QCPoint, qc: StoredQC)], overrides: [QCOverride],
        into batch: inout DerivedBatch
    ) {
        let parameter = reference.parameters.parameter(code: info.parameter)
        let flags = parameter.map { QualityControl.evaluate(all.map(\.point), parameter: $0, overrides: overrides) } ?? all.map(\.qc)
        var changes: [(t: Int64, qc: StoredQC)] = []
        var ok: [RawPoint] = []
        var times: [Int64] = []
        var valid: [Bool] = []
        ok.reserveCapacity(all.count)
        for i in all.indices where all[i].point.t > from {
            let p = all[i].point
            if flags[i] != all[i].qc { changes.append((p.t, flags[i])) }
            times.append(p.t)
            valid.append(flags[i].flag == .ok)
            if flags[i].flag == .ok { ok.append(RawPoint(t: p.t, value: p.value)) }
        }
        if !changes.isEmpty { batch.flags.append(.init(series: info.id, changes: changes)) }
        let hours = Rollup.hourly(ok, intervalSeconds: info.interval)
        let days = Rollup.daily(hours, intervalSeconds: info.interval)
        batch.hourly.append(.init(series: info.id, from: from + Timestamps.hour, to: to, rows: hours))
        batch.daily.append(.init(series: info.id, from: from, to: to - Timestamps.day, rows: days))
        batch.counts.append(.init(series: info.id, from: from + Timestamps.hour, to: to, rows: Rollup.hourCounts(times: times, valid: valid)))
        let runs = StationHealth.deviceErrorRuns(all.map(\.point))
        batch.deviceErrors.append(.init(series: info.id, from: from - context, to: to, runs: runs))
    }

    /// What is read before a range: the spike reference window, a flat run, and a day for device-error runs (at most a
    /// year, whatever a series' interval says).
    static func context(_ parameter: Parameter?, _ info: SeriesInfo) -> Int64 {
        let (flat, overflow) = Int64(parameter?.flatLine ?? 0).multipliedReportingOverflow(by: Int64(info.interval))
        return overflow ? 366 * Timestamps.day : min(366 * Timestamps.day, max(Timestamps.day, flat))
    }

    /// Windows whose value may have changed end in (from, to + 8 h]; look one step further each way so that an event
    /// next to the range is merged.
    static func eventWindow(_ period: AveragingPeriod, _ range: (from: Int64, to: Int64)) -> (lo: Int64, hi: Int64) {
        switch period {
        case .hour1: return (range.from - Timestamps.hour, range.to + Timestamps.hour)
        case .hour8: return (range.from - Timestamps.hour, range.to + 9 * Timestamps.hour)
        case .hour24: return (range.from - Timestamps.day, range.to + Timestamps.day)
        case .year: return (Timestamps.yearBounds(containing: range.from).start, Timestamps.yearBounds(containing: range.to - Timestamps.day).end)
        }
    }

    /// The events of a series and period in its window (`window`: widened to the stored events it overlaps), replacing
    /// the stored ones when they differ.
    private func detectEvents(
        _ info: SeriesInfo, period: AveragingPeriod, lo: Int64, window: (lo: Int64, hi: Int64), existing: [(id: Int64, event: ExceedanceEvent)],
        hourly: [HourlyStat], daily: [DailyStat], into batch: inout DerivedBatch, limitAt: (Int64) -> AppliedLimit?
    ) {
        let values = ExceedanceDetector.periodValues(period, hourly: hourly, daily: daily).filter { $0.end >= window.lo && $0.end <= window.hi }
        let computed = ExceedanceDetector.events(parameter: info.parameter, period: period, values: values, step: period.step, limitAt: limitAt)
        // Events that end before `lo` lie wholly outside the changed windows and are already stored untouched.
        let fresh = computed.filter { $0.end >= lo }
        let unchanged = existing.count == fresh.count && zip(existing.map(\.event), fresh).allSatisfy { $0 == $1 }
        if !unchanged { batch.events.append(.init(series: info.id, replace: existing.map(\.id), rows: fresh)) }
    }
}

extension AveragingPeriod {
    /// Distance between the ends of consecutive windows.
    var step: Int64 {
        switch self {
        case .hour1, .hour8: return Timestamps.hour
        case .hour24: return Timestamps.day
        case .year: return 366 * Timestamps.day
        }
    }
}
