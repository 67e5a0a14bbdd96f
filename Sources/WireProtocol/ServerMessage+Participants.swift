import ByteStorage
import WireJSON

/// The messages of a crowded room (docs/protocol.md, "Crowded rooms"): the participant list
/// in pages, and counts in place of each arrival and departure.
extension ServerMessage {
    /// Where a page of the participant list stands: the visible participants in the room,
    /// and the cursor of the next page (nil: this was the last).
    public struct ParticipantPage: Sendable, Equatable {
        public var total: Int
        public var next: UInt64?

        public init(total: Int, next: UInt64?) {
            self.total = total
            self.next = next
        }

        /// `,"presence":"counts","participants_total":…,"participants_next":…` in `joined`.
        var joinedCount: Int {
            #","presence":"counts","participants_total":"#.utf8.count + JSONInPlaceWriter.integerCount(Int64(total))
                + #","participants_next":"#.utf8.count + nextCount
        }

        func writeJoined(to w: inout JSONInPlaceWriter) {
            w.raw(#","presence":"counts","participants_total":"#); w.integer(Int64(total))
            w.raw(#","participants_next":"#); writeNext(to: &w)
        }

        var nextCount: Int { next.map { JSONInPlaceWriter.unsignedCount($0) } ?? 4 }

        func writeNext(to w: inout JSONInPlaceWriter) {
            if let next { w.unsigned(next) } else { w.raw("null") }
        }
    }

    /// `{"type":"participants","participants":[…],"participants_total":…,"next":…,"id":…}`:
    /// a page of the participant list, answering a `participants` request.
    public static func participantsPage(_ participants: [ParticipantInfo.InPlace], total: Int, next: UInt64?, id: UnsafeRawBufferPointer?) -> SharedBytes {
        let page = ParticipantPage(total: total, next: next)
        let head: StaticString = #"{"type":"participants","participants":["#
        var count = head.utf8CodeUnitCount + max(participants.count - 1, 0)
            + #"],"participants_total":"#.utf8.count + JSONInPlaceWriter.integerCount(Int64(total))
            + #","next":"#.utf8.count + page.nextCount + 1
        if let id { count += #","id":"#.utf8.count + id.count }
        for p in participants { count += p.count }
        return frame(payloadCount: count) { w in
            w.raw(head)
            for (i, p) in participants.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                p.write(to: &w)
            }
            w.raw(#"],"participants_total":"#); w.integer(Int64(total))
            w.raw(#","next":"#); page.writeNext(to: &w)
            if let id { w.raw(#","id":"#); w.raw(id) }
            w.byte(UInt8(ascii: "}"))
        }
    }

    /// `{"type":"participant_count","num_participants":…,"participants_total":…}`: what a
    /// crowded room's members hear instead of each arrival and departure (`num_participants`
    /// as in the room's info: everyone but agents; `participants_total`: the visible ones).
    public static func participantCount(numParticipants: Int, visible: Int) -> SharedBytes {
        let head: StaticString = #"{"type":"participant_count","num_participants":"#
        let count = head.utf8CodeUnitCount + JSONInPlaceWriter.integerCount(Int64(numParticipants))
            + #","participants_total":"#.utf8.count + JSONInPlaceWriter.integerCount(Int64(visible)) + 1
        return frame(payloadCount: count) { w in
            w.raw(head); w.integer(Int64(numParticipants))
            w.raw(#","participants_total":"#); w.integer(Int64(visible))
            w.byte(UInt8(ascii: "}"))
        }
    }
}
