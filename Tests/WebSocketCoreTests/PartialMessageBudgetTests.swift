import Testing

@testable import WebSocketCore

@Suite struct PartialMessageBudgetTests {
    @Test func aConnectionThatGrowsPastTheLimitIsRefusedAndOthersAreNot() {
        var budget = PartialMessageBudget(limit: 1000)
        let a = budget.change(from: 0, to: 600)
        let b = budget.change(from: 0, to: 400)  // total exactly the limit
        #expect(a && b)
        #expect(budget.held == 1000)
        let grows = budget.change(from: 400, to: 401)
        #expect(!grows, "b grows past the limit")
        #expect(budget.refusals == 1)
        // b is failed and gives its bytes back; a, which did not grow, was never refused.
        let released = budget.change(from: 401, to: 0)
        #expect(released)
        #expect(budget.held == 600)
        let aGrows = budget.change(from: 600, to: 900)
        #expect(aGrows)
    }

    @Test func shrinkingIsAlwaysAllowedEvenOverTheLimit() {
        var budget = PartialMessageBudget(limit: 100)
        let over = budget.change(from: 0, to: 500)
        #expect(!over)
        let shrinks = budget.change(from: 500, to: 300)
        #expect(shrinks, "finishing a message never fails a connection")
        let gone = budget.change(from: 300, to: 0)
        #expect(gone)
        #expect(budget.held == 0)
        #expect(budget.refusals == 1)
    }

    @Test func theRefusalIsA1009NamingTheServerWideLimit() {
        #expect(PartialMessageBudget.refusal.closeCode == .messageTooBig)
        #expect(PartialMessageBudget.refusal.reason.utf8.count <= 123)
    }

    @Test func aDecoderHoldsBytesOnlyWhileAMessageIsUnfinished() throws {
        var decoder = WebSocketDecoder(role: .server)
        #expect(decoder.heldBytes == 0)
        var first = WebSocketFrameEncoder.frame(.text, payload: Array(repeating: 0x61, count: 5000), fin: false, maskKey: 3)
        try first.withUnsafeMutableBytes { try decoder.decode($0) { _ in } }
        #expect(decoder.heldBytes >= 5000)
        var last = WebSocketFrameEncoder.frame(.continuation, payload: [0x62], fin: true, maskKey: 3)
        var messages = 0
        try last.withUnsafeMutableBytes { try decoder.decode($0) { _ in messages += 1 } }
        #expect(messages == 1)
        #expect(decoder.heldBytes == 0)
    }
}
