/// An observation row as it arrives (JSON or CSV), before validation.
public struct ObservationInput: Sendable, Equatable {
    public var station: String?
    public var parameter: String?
    public var time: String?
    public var value: Double?
    public var status: String?

    public init(station: String?, parameter: String?, time: String?, value: Double?, status: String?) {
        self.station = station
        self.parameter = parameter
        self.time = time
        self.value = value
        self.status = status
    }
}

/// A validated row, ready to store.
public struct ValidObservation: Sendable, Equatable {
    public var seriesID: Int64
    public var t: Int64
    public var value: Double
    public var status: DeviceStatus
    public var qc: QCFlag

    public init(seriesID: Int64, t: Int64, value: Double, status: DeviceStatus, qc: QCFlag) {
        self.seriesID = seriesID
        self.t = t
        self.value = value
        self.status = status
        self.qc = qc
    }
}

/// What the validator needs to know of the registry: for each station code, whether it is active and the series
/// id of each parameter it measures.
public struct SeriesDirectory: Sendable {
    public struct StationEntry: Sendable {
        public var active: Bool
        public var series: [String: Int64]
        public init(active: Bool, series: [String: Int64]) {
            self.active = active
            self.series = series
        }
    }

    public var stations: [String: StationEntry]
    public init(stations: [String: StationEntry]) { self.stations = stations }
}

public struct RowError: Error, Sendable, Equatable, Codable {
    public var index: Int
    public var error: String
    public init(index: Int, error: String) {
        self.index = index
        self.error = error
    }
}

/// Validates incoming rows against the parameter catalogue and the station registry.
public struct ObservationValidator: Sendable {
    public let catalogue: ParameterCatalogue
    public let directory: SeriesDirectory
    /// The times a row may carry.
    public let window: ObservationWindow

    public init(catalogue: ParameterCatalogue, directory: SeriesDirectory, now: Int64, limits: Limits = Limits()) {
        self.catalogue = catalogue
        self.directory = directory
        self.window = ObservationWindow(now: now, limits: limits)
    }

    public func validate(_ row: ObservationInput) -> Result<ValidObservation, RowErrorReason> {
        guard let code = row.station, !code.isEmpty else { return .failure(.init("station is missing")) }
        guard let station = directory.stations[code] else { return .failure(.init("station '\(code)' is not registered")) }
        guard station.active else { return .failure(.init("station '\(code)' is deactivated")) }
        guard let pcode = row.parameter, !pcode.isEmpty else { return .failure(.init("parameter is missing")) }
        guard let parameter = catalogue.resolve(pcode, among: station.series.keys) else {
            return .failure(.init("parameter '\(pcode)' is not in the catalogue"))
        }
        guard let series = station.series[parameter.code] else {
            let known = station.series.keys.sorted().joined(separator: ", ")
            return .failure(.init("station '\(code)' does not measure \(parameter.code) (it measures: \(known))"))
        }
        guard let time = row.time else { return .failure(.init("time is missing")) }
        let t: Int64
        do {
            t = try Timestamps.parseISO8601(time)
        } catch {
            return .failure(.init(error.description))
        }
        if let reason = window.refusal(t, as: time) { return .failure(.init(reason)) }
        guard let value = row.value else { return .failure(.init("value is missing")) }
        guard value.isFinite else { return .failure(.init("value must be a finite number")) }
        var status = DeviceStatus.measuring
        if let s = row.status {
            guard let d = DeviceStatus(code: s) else {
                return .failure(.init("status '\(s)' is not a Circular 10/2021 device status (00 measuring, 01 calibrating, 02 device error)"))
            }
            status = d
        }
        let qc = QualityControl.flag(value: value, status: status, parameter: parameter)
        return .success(ValidObservation(seriesID: series, t: t, value: value, status: status, qc: qc))
    }
}

public struct RowErrorReason: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// The times an observation may carry: not before the configured earliest instant (1990 by default: no network
/// in Vietnam reported earlier, and a time in year 1 or 1900 is a logger's unset clock), and not after now plus the
/// loggers' clock tolerance.
public struct ObservationWindow: Sendable, Equatable {
    public var earliest: Int64
    public var latest: Int64

    public init(now: Int64, limits: Limits = Limits()) {
        earliest = limits.earliestObservation
        latest = now + limits.futureTolerance
    }

    /// Why `t` is refused, or nil when it lies in the window. `text` is the time as it arrived.
    public func refusal(_ t: Int64, as text: @autoclosure () -> String) -> String? {
        if t > latest { return "time \(text()) is in the future" }
        if t < earliest { return "time \(text()) is before \(Timestamps.format(earliest)), the earliest time accepted" }
        return nil
    }
}
