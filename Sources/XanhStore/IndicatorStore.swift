import Foundation
import XanhCore

/// How both engines store JSON documents (indicator definitions, trajectories): sorted keys, so the same value is the
/// same text on either engine.
public enum IndicatorJSON {
    public static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? e.encode(v)) ?? Data(), as: UTF8.self)
    }
}

public struct StoredIndicatorValue: Sendable, Equatable {
    public var indicator: String
    public var unit: String
    public var period: String
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    public var status: ValueStatus
    public var updatedBy: String
    public var updatedAt: Int64
    public init(
        indicator: String, unit: String, period: String, value: Double?, numerator: Double?, denominator: Double?, status: ValueStatus,
        updatedBy: String, updatedAt: Int64
    ) {
        self.indicator = indicator
        self.unit = unit
        self.period = period
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
        self.status = status
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
    }
}

/// A value to write: validated by the caller, stored all-or-nothing with the others of its batch.
public struct IndicatorValueWrite: Sendable, Equatable {
    public var indicator: String
    public var unit: String
    public var period: String
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    /// Where it came from, for error messages (`row 4`, `Sheet1!C7`).
    public var origin: String
    public var key: ValueKey { ValueKey(indicator: indicator, unit: unit, period: period) }

    public init(indicator: String, unit: String, period: String, value: Double?, numerator: Double?, denominator: Double?, origin: String) {
        self.indicator = indicator
        self.unit = unit
        self.period = period
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
        self.origin = origin
    }
}

public struct ValueKey: Sendable, Hashable, Codable {
    public var indicator: String
    public var unit: String
    public var period: String
    public init(indicator: String, unit: String, period: String) {
        self.indicator = indicator
        self.unit = unit
        self.period = period
    }
}

public struct ValueHistoryEntry: Sendable, Equatable, Codable {
    public var at: Int64
    public var by: String
    public var action: String
    public var oldValue: Double?
    public var newValue: Double?
    public var oldStatus: String?
    public var newStatus: String
    public var comment: String?
    public init(
        at: Int64, by: String, action: String, oldValue: Double?, newValue: Double?, oldStatus: String?, newStatus: String, comment: String?
    ) {
        self.at = at
        self.by = by
        self.action = action
        self.oldValue = oldValue
        self.newValue = newValue
        self.oldStatus = oldStatus
        self.newStatus = newStatus
        self.comment = comment
    }
}
