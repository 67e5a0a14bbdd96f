import HTTPCore
import Testing

/// `Range: bytes=…` against a representation of 1,000 bytes, value by value (RFC 9110 §14).
@Suite struct ByteRangeTests {
    @Test(arguments: [
        (nil, ByteRange.full),
        ("bytes=0-99", .partial(first: 0, last: 99)),
        ("bytes=0-", .partial(first: 0, last: 999)),
        ("bytes=500-", .partial(first: 500, last: 999)),
        ("bytes=990-2000", .partial(first: 990, last: 999)),  // the last position is clamped
        ("bytes=999-999", .partial(first: 999, last: 999)),
        ("bytes=-100", .partial(first: 900, last: 999)),      // the last 100 bytes
        ("bytes=-5000", .partial(first: 0, last: 999)),       // more than there is: all of it
        ("BYTES= 10 - 19 ", .partial(first: 10, last: 19)),   // the unit is case-insensitive
        ("bytes=1000-", .unsatisfiable),                      // starts past the end
        ("bytes=5000-6000", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),                         // an empty suffix
        ("bytes=0-1,5-6", .full),                             // several ranges: ignored, all sent
        ("bytes=20-10", .full),                               // last before first: invalid, ignored
        ("bytes=a-b", .full), ("bytes=-", .full), ("items=0-1", .full), ("bytes=", .full),
        ("bytes=99999999999999999999-", .full),              // does not fit: invalid, ignored
    ] as [(String?, ByteRange)])
    func rangesOfAThousandBytes(_ header: String?, _ expected: ByteRange) {
        #expect(ByteRange(header: header, size: 1000) == expected)
    }

    @Test func emptyRepresentationsAndLengths() {
        #expect(ByteRange(header: "bytes=0-", size: 0) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-10", size: 0) == .unsatisfiable)
        #expect(ByteRange(header: nil, size: 0) == .full)
        #expect(ByteRange.partial(first: 10, last: 19).length(size: 1000) == 10)
        #expect(ByteRange.full.length(size: 1000) == 1000)
        #expect(ByteRange.unsatisfiable.length(size: 1000) == 0)
    }
}
