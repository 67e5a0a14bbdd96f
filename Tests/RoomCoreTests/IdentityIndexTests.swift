import NumericCore
import Testing
import WireProtocol

@testable import RoomCore

/// The room's identity index against a plain dictionary doing the same operations.
@Suite struct IdentityIndexTests {
    func participant(_ identity: String) -> Participant {
        let info = ParticipantInfo(sid: "PA_\(identity)", identity: identity, name: "", metadata: "", attributes: [:], kind: .standard, joinedAtMilliseconds: 0)
        return Participant(info: info, permissions: .init(), resumeToken: "t")
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func agreesWithADictionaryThroughRandomJoinsAndLeaves(_ seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var index = IdentityIndex()
        var model: [String: Participant] = [:]
        // Few distinct identities, many operations: long probe runs, removals inside them,
        // replacements under the same identity, growth and shrinking.
        for step in 0..<20_000 {
            let identity = "id-\(rng.next() % 300)"
            switch rng.next() % 3 {
            case 0, 1:
                let p = participant(identity)
                index[identity] = p
                model[identity] = p
            default:
                index[identity] = nil
                model[identity] = nil
            }
            if step % 97 == 0 {
                #expect(index.count == model.count)
                for k in 0..<300 {
                    let id = "id-\(k)"
                    #expect(index[id] === model[id], "\(id) after \(step) steps")
                }
            }
        }
    }

    @Test func growsWithTheRoomAndHoldsNothingOnceEmpty() {
        var index = IdentityIndex()
        #expect(index.capacity == 0, "an index nobody joined allocates nothing")
        let people = (0..<1000).map { participant("p\($0)") }
        for p in people { index[p.identity] = p }
        #expect(index.count == 1000)
        #expect(index.capacity >= 1334 && index.capacity <= 2048, "at most 3/4 full, at least 1/2: \(index.capacity)")
        for p in people.dropLast(10) { index[p.identity] = nil }
        #expect(index.capacity <= 128, "shrinks as the room empties: \(index.capacity)")
        for p in people.suffix(10) { #expect(index[p.identity] === p) }
        for p in people.suffix(10) { index[p.identity] = nil }
        #expect(index.count == 0)
        #expect(index.capacity == 0)
    }
}
