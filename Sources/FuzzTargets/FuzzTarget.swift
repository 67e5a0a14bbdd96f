/// One libFuzzer harness: a name and what it does with one input. The same functions run
/// under libFuzzer (`make fuzz`, the `wavedefect-fuzz` executable) and over the regression
/// corpus in the test suite (Tests/FuzzRegressionTests), so an input that once crashed a
/// parser is replayed by every `make test`.
///
/// A harness crashes (a trap, a failed `precondition`, or an address-sanitizer report) only
/// when the code under test is wrong: a parser may refuse any input with its error, but must
/// never crash, hang, or break the invariant the harness checks.
public struct FuzzTarget: Sendable {
    public let name: String
    /// What the harness feeds the input to, for `wavedefect-fuzz --list`.
    public let summary: String
    public let run: @Sendable (UnsafeRawBufferPointer) -> Void

    public init(_ name: String, _ summary: String, run: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.name = name
        self.summary = summary
        self.run = run
    }

    /// Every harness, by name.
    public static let all: [FuzzTarget] = [
        .webSocketDecoder, .httpRequestParser, .json, .clientMessage, .accessToken, .signedAccessToken,
        .roomDefinition, .npyVectors, .jsonLinesVectors, .audioDecoder,
    ]

    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}
