import CortadoPath
import CortadoJSON
@testable import CortadoJSONata
import Testing

@Suite struct JSONataDateTimeTests {
    @Test(arguments: [
        ("$fromMillis(1521801216617)", #""2018-03-23T10:33:36.617Z""#),
        ("$fromMillis(1521801216617, '[D1o] [MNn] [Y]')", #""23rd March 2018""#),
        ("$fromMillis(1521801216617, '[h]:[m01][P] [FNn,3-3]', '-0500')", #""5:33am Fri""#),
        ("$fromMillis(0, '[Y0001]-[M01]-[D01] [z]')", #""1970-01-01 GMT+00:00""#),
        ("$fromMillis(1521801216617, '[W01] [d001]')", #""12 082""#),
        ("$toMillis('2018-03-23T10:33:36.617Z')", "1521801216617"),
        ("$toMillis('2018-03-23T10:33:36+01:00')", "1521797616000"),
        ("$toMillis('2018-03-23', '[Y]-[M]-[D]')", "1521763200000"),
        ("$toMillis('23 March 2018', '[D] [MNn] [Y]')", "1521763200000"),
        ("$formatInteger(1234, '#,##0')", #""1,234""#),
        ("$formatInteger(12, 'w')", #""twelve""#),
        ("$formatInteger(1999, 'I')", #""MCMXCIX""#),
        ("$formatInteger(28, 'A')", #""AB""#),
        ("$formatInteger(3, '1;o')", #""3rd""#),
        ("$parseInteger('twelve thousand, four hundred and seven', 'w')", "12407"),
        ("$parseInteger('MCMXCIX', 'I')", "1999"),
        ("$formatNumber(1234.5678, '#,##0.00')", #""1,234.57""#),
        ("$formatNumber(0.14, '01%')", #""14%""#),
        ("$formatNumber(-6, '000;(000)')", #""(006)""#),
        ("$formatNumber(1234.5, '0.0e0')", #""1.2e3""#),
    ])
    func pictures(_ c: (String, String)) throws {
        #expect(try ev(c.0) == c.1, "\(c.0)")
    }

    @Test func pictureErrors() {
        #expect(errorCode("$toMillis('yesterday')") == "D3110")
        #expect(errorCode("$fromMillis(0, '[Y')") == "D3135")
        #expect(errorCode("$formatNumber(1, '#.#.#')") == "D3081")
        #expect(errorCode("$formatInteger(1, 'x')") == "D3130")
    }

    @Test func nowIsStableWithinOneEvaluation() throws {
        #expect(try ev("$now() = $now() and $millis() = $millis()") == "true")
        let text = try ev("$millis()") ?? "x"
        let m = try #require(Double(text))
        #expect(m > 1.6e12)
    }

    @Test func calendarArithmeticRoundTrips() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = CivilCalendar.date(days: days)
            #expect(CivilCalendar.days(year: y, month: m, day: d) == days)
        }
    }
}
