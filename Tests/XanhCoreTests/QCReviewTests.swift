import Testing
import XanhCore

/// Flagged values become runs per series: same flag, no more than an hour apart.
@Suite struct QCReviewTests {
    @Test func runsSplitAtASeriesAFlagOrAGapOfMoreThanAnHour() {
        func v(_ s: Int64, _ t: Int64, _ value: Double, _ f: QCFlag) -> FlaggedValue { FlaggedValue(series: s, t: t, value: value, flag: f) }
        let values = [
            v(1, 0, 5, .flatLine), v(1, 300, 5, .flatLine), v(1, 3900, 5, .flatLine),  // 3,600 s after the last: one run
            v(1, 7600, 9, .flatLine),  // 3,700 s after: a new run
            v(1, 7900, 400, .spike),  // another flag: a new run
            v(2, 8000, 1, .calibrating), v(2, 8300, 3, .calibrating),
        ]
        let runs = QCReview.runs(values)
        #expect(
            runs == [
                QCRun(series: 1, flag: .flatLine, from: 0, to: 3900, count: 3, min: 5, max: 5),
                QCRun(series: 1, flag: .flatLine, from: 7600, to: 7600, count: 1, min: 9, max: 9),
                QCRun(series: 1, flag: .spike, from: 7900, to: 7900, count: 1, min: 400, max: 400),
                QCRun(series: 2, flag: .calibrating, from: 8000, to: 8300, count: 2, min: 1, max: 3),
            ])
        #expect(QCReview.runs([]).isEmpty)
        // A value before the run's end (out of order) starts a run of its own rather than stretching one backwards.
        #expect(QCReview.runs([v(1, 600, 1, .spike), v(1, 300, 1, .spike)]).count == 2)
    }

    @Test func acceptKeepsTheFlagAndValidClearsIt() {
        #expect(QCDecision.accept.flag(for: .flatLine) == .flatLine)
        #expect(QCDecision.valid.flag(for: .flatLine) == .ok)
    }
}
