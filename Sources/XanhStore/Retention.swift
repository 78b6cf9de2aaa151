import XanhCore

/// What a retention run did.
public struct RetentionReport: Sendable, Equatable {
    /// Raw observations before this time are gone; rollups (hourly, daily, AQI, events, completeness) are kept.
    public var horizon: Int64
    public var deletedRows: Int
    /// Whole month partitions dropped (PostgreSQL).
    public var droppedPartitions: [String]
    public init(horizon: Int64, deletedRows: Int, droppedPartitions: [String]) {
        self.horizon = horizon
        self.deletedRows = deletedRows
        self.droppedPartitions = droppedPartitions
    }
}
