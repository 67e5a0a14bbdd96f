import ByteStorage
import WireProtocol

/// Presence in a crowded room. Up to `presenceFullListMax` visible participants everyone
/// hears every arrival and departure and each newcomer gets the whole list: N joins cost N
/// lists and N² announcements. Past it the room turns crowded (until it empties), the way
/// large-room servers do it: a newcomer's `joined` carries the first page of the list and the
/// total, the rest is fetched page by page (`participants` requests, in join order, so a
/// cursor stays valid while others come and go), and members hear one `participant_count`
/// at most once a second (on the room's tick) instead of each change. Changes to a
/// participant (`participant_updated`) and data still reach everyone. Agents are the
/// exception: they act on who is in the room (whose taste to compare, whose song to
/// recognize), there are few of them, so they keep the whole list and every change.
extension Room {
    /// Turns the room crowded once its visible participants exceed the threshold, and tells
    /// the members at once (with this turn's presence) that counts replace announcements.
    func crowdIfNeeded() -> [RoomAction] {
        guard !isCrowded, visibleCount > configuration.presenceFullListMax else { return [] }
        isCrowded = true
        return queueCounts()
    }

    /// Queues a `participant_count` when the counts changed since the last one: on the tick,
    /// so a crowded room sends at most one a second, however fast people come and go.
    func countsIfChanged() -> [RoomAction] {
        guard isCrowded, let sent = countsSent, sent != (participantCount, visibleCount) else { return [] }
        return queueCounts()
    }

    /// An arrival or departure in a crowded room, for its agents only: at once, after any
    /// presence still queued (so an agent hears changes in order), one delivery per agent.
    func toAgents(_ frame: SharedBytes, except participant: Participant) -> [RoomAction] {
        let listening = agents.filter { $0.isActive && $0 !== participant }
        guard !listening.isEmpty else { return [] }
        return finishPresence() + [.broadcast(frame, to: Recipients(listening), lossy: false)]
    }

    private func queueCounts() -> [RoomAction] {
        countsSent = (participantCount, visibleCount)
        return queuePresence(ServerMessage.participantCount(numParticipants: participantCount, visible: visibleCount))
    }

    /// Up to `limit` visible participants other than `requester` that joined after the one
    /// whose `joinOrdinal` is `after` (0: from the first), in join order, and the cursor of
    /// the next page (nil when none is left).
    func page(for requester: Participant, after: UInt64, limit: Int) -> (participants: [ParticipantInfo.InPlace], next: UInt64?) {
        // `participants` is in join order, so ordinals increase along it.
        var low = 0
        var high = participants.count
        while low < high {
            let mid = (low + high) / 2
            if UInt64(participants[mid].joinOrdinal) <= after { low = mid + 1 } else { high = mid }
        }
        var listed: [ParticipantInfo.InPlace] = []
        listed.reserveCapacity(min(limit, participants.count - low))
        var lastListed: UInt32 = 0
        for p in participants[low...] where p !== requester && !p.isHidden {
            if listed.count == limit { return (listed, UInt64(lastListed)) }  // one more is left
            listed.append(ParticipantInfo.InPlace(p.info))
            lastListed = p.joinOrdinal
        }
        return (listed, nil)
    }

    /// Answers a `participants` request: the page after `after` of at most `limit` (at most,
    /// and by default, `participantsPageSize`). Presence queued before it goes out first, so
    /// the page never lists someone whose arrival a member has yet to hear of.
    public func participantsPage(for requester: Participant, after: UInt64?, limit: Int?, id: UnsafeRawBufferPointer?) throws(ProtocolError) -> [RoomAction] {
        if let limit, limit < 1 { throw .badMessage("'limit' must be at least 1") }
        let pageSize = min(limit ?? configuration.participantsPageSize, configuration.participantsPageSize)
        let (listed, next) = page(for: requester, after: after ?? 0, limit: pageSize)
        let frame = ServerMessage.participantsPage(listed, total: visibleCount, next: next, id: id)
        return finishPresence() + [.send(frame, to: requester)]
    }
}
