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

        // Phase 1: hourly and daily means over the whole local days the marks fall in.
        var rollups = DerivedBatch()
        var dayRanges: [Int64: (from: Int64, to: Int64)] = [:]  // per series: [first day start, end of last day]
        var stationRanges: [Int64: (from: Int64, to: Int64)] = [:]
        for info in infos {
            // A shutdown stops a pass between series: nothing is applied, and the marks wait for the next start.
            try Task.checkCancellation()
            guard let r = ranges[info.id] else { continue }
            let from = Timestamps.dayStart(ofHourEnd: r.lo)
            let to = Timestamps.dayStart(ofHourEnd: r.hi) + Timestamps.day
            try await deriveDays(info, from: from, to: to, into: &rollups)
            dayRanges[info.id] = (from, to)
            let s = stationRanges[info.stationID] ?? (from, to)
            stationRanges[info.stationID] = (min(s.from, from), max(s.to, to))
        }
        try await store.apply(rollups)

        // Phase 2: AQI per ambient station and exceedances per series, from the fresh means.
        var derived = DerivedBatch()
        derived.clearDirtyUpTo = maxSeq
        for (stationID, range) in stationRanges {
            let all = try await store.seriesOfStation(stationID)
            guard all.first?.kind == .ambientAir else { continue }
            try await deriveAQI(station: stationID, series: all, range: range, into: &derived)
        }
        for info in infos {
            // A shutdown stops a pass between series: nothing is applied, and the marks wait for the next start.
            try Task.checkCancellation()
            guard let r = dayRanges[info.id] else { continue }
            if info.kind == .ambientAir && reference.limits.hasLimits(parameter: info.parameter) {
                for period in AveragingPeriod.allCases {
                    let limits = reference.limits
                    try await deriveEvents(info, period: period, range: r, into: &derived) { t in
                        limits.limit(parameter: info.parameter, period: period, at: t).map { AppliedLimit(max: $0.value, standard: $0.standard) }
                    }
                }
            } else if let config = info.limits, reference.facilityLimits.hasLimits(parameter: info.parameter, family: config.family) {
                // Facility limits are compared with hourly means (docs/decisions/0006-facility-limits.md).
                let limits = reference.facilityLimits
                try await deriveEvents(info, period: .hour1, range: r, into: &derived) { t in
                    limits.limit(parameter: info.parameter, config: config, at: t)
                }
            }
        }
        try await store.apply(derived)
        return marks.count
    }

    private func deriveAQI(station: Int64, series: [SeriesInfo], range: (from: Int64, to: Int64), into batch: inout DerivedBatch) async throws {
        var means: [String: [Int64: Double]] = [:]
        for s in series where StationAQI.parameters.contains(s.parameter) {
            let rows = try await store.hourly(series: s.id, from: range.from - Timestamps.day, to: range.to + Timestamps.day)
            means[s.parameter] = Dictionary(rows.map { ($0.hourEnd, $0.mean) }, uniquingKeysWith: { a, _ in a })
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
    private func deriveDays(_ info: SeriesInfo, from: Int64, to: Int64, into batch: inout DerivedBatch) async throws {
        let parameter = reference.parameters.parameter(code: info.parameter)
        // Context before the range: the spike reference window, a flat run, and a day for device-error runs.
        let context = max(Timestamps.day, Int64((parameter?.flatLine ?? 0) * info.interval))
        let all = try await store.qcPoints(series: info.id, from: from - context, to: to)
        let overrides = try await store.overrides(series: info.id, from: from - context, to: to)
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

    private func deriveEvents(
        _ info: SeriesInfo, period: AveragingPeriod, range: (from: Int64, to: Int64), into batch: inout DerivedBatch,
        limitAt: (Int64) -> AppliedLimit?
    ) async throws {
        // Windows whose value may have changed end in (from, to + 8 h]; look one step further each way so that
        // an event next to the range is merged, and widen to every stored event the window overlaps.
        var lo: Int64
        var hi: Int64
        switch period {
        case .hour1: (lo, hi) = (range.from - Timestamps.hour, range.to + Timestamps.hour)
        case .hour8: (lo, hi) = (range.from - Timestamps.hour, range.to + 9 * Timestamps.hour)
        case .hour24: (lo, hi) = (range.from - Timestamps.day, range.to + Timestamps.day)
        case .year:
            lo = Timestamps.yearBounds(containing: range.from).start
            hi = Timestamps.yearBounds(containing: range.to - Timestamps.day).end
        }
        let existing = try await store.events(series: info.id, period: period, from: lo, to: hi)
        let lo2 = min(lo, existing.map(\.event.start).min() ?? lo)
        let hi2 = max(hi, existing.map(\.event.end).max() ?? hi)
        let hourly: [HourlyStat]
        let daily: [DailyStat]
        switch period {
        case .hour1, .hour8:
            hourly = try await store.hourly(series: info.id, from: lo2 - 8 * Timestamps.hour, to: hi2)
            daily = []
        case .hour24, .year:
            hourly = []
            daily = try await store.daily(series: info.id, from: lo2 - Timestamps.day, to: hi2)
        }
        let values = ExceedanceDetector.periodValues(period, hourly: hourly, daily: daily).filter { $0.end >= lo2 && $0.end <= hi2 }
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
