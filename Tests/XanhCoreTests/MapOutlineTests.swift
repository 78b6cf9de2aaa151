import Foundation
import Testing
import XanhCore

@Suite struct MapOutlineTests {
    /// A wiggly coast: 2,000 points within 0.001° of a square's edge simplify to a handful; the stored form reads back.
    @Test func simplifiesOnceAndReadsBack() throws {
        var ring: [Geometry.Point] = []
        for i in 0..<500 { ring.append(.init(105 + Double(i) / 500, 20 + (i % 2 == 0 ? 0.0005 : 0))) }
        for i in 0..<500 { ring.append(.init(106, 20 + Double(i) / 500)) }
        for i in 0..<500 { ring.append(.init(106 - Double(i) / 500, 21)) }
        for i in 0..<500 { ring.append(.init(105, 21 - Double(i) / 500)) }
        ring.append(ring[0])
        let o = MapOutline.of(
            .collection([.polygon([ring]), .polygon([[.init(107, 20), .init(107.01, 20), .init(107.01, 20.01), .init(107, 20)]])]))
        #expect(o.rings.count == 1 && o.rings[0].count <= 8, "\(o.rings.first?.count ?? 0) points")
        #expect(o.dots == [.init(107.005, 20.003)] || o.dots.count == 1, "the islet is a dot")
        #expect(MapOutline.parse(o.json) == o)
        #expect(MapOutline.parse("{\"rings\":") == nil && MapOutline.parse("[]") == nil, "what is not an outline is none")
    }

    @Test func theViewFramesWhatItIsGiven() {
        let v = MapView(framing: [.init(105, 20), .init(106, 21)])
        #expect(v.width > 500 && v.height > 500 && v.height <= 601)
        let svg = v.svg(
            areas: [], focus: nil, markers: [.init(code: "A", label: "A <b>", lon: 105.5, lat: 20.5, color: "#00E400", stale: false, href: "/s/A")],
            label: "m")
        #expect(svg.contains(#"data-station="A""#) && svg.contains("A &lt;b&gt;") && !svg.contains("<b>"))
    }
}

@Suite struct VietnameseNumberTests {
    /// What NumberFormatter with vi_VN, `.` grouping and `,` decimals wrote, which the hand-written form replaces.
    @Test func numbersAsVietnameseDocumentsWriteThem() {
        #expect(ReportDocument.number(1527) == "1.527")
        #expect(ReportDocument.number(21.25, digits: 1) == "21,3")
        #expect(ReportDocument.number(21.2) == "21,2")
        #expect(ReportDocument.number(2477.63, digits: 1) == "2.477,6")
        #expect(ReportDocument.number(1_234_567.891, digits: 2) == "1.234.567,89")
        #expect(ReportDocument.number(0.05, digits: 2) == "0,05")
        #expect(ReportDocument.number(45.0, digits: 2) == "45")
        #expect(ReportDocument.number(-3.14159, digits: 3) == "-3,142")
        #expect(ReportDocument.number(-0.01, digits: 1) == "0")
        #expect(ReportDocument.number(nil) == "–" && ReportDocument.number(.nan) == "–")
        #expect(ReportDocument.number(1e300) == String(format: "%.0f", 1e300))
    }
}
