import ByteStorage

extension Room {
    /// Queues a presence frame for the end of the loop turn. The first frame after the I/O
    /// layer last found the room done asks it (`.presencePending`) to call `sendPresence`.
    func queuePresence(_ frame: SharedBytes) -> [RoomAction] {
        presence.frames.append(frame)
        guard !presence.scheduled else { return [] }
        presence.scheduled = true
        return [.presencePending(self)]
    }

    /// `participant` just got its `joined` list, which reflects every presence change queued
    /// so far: of this turn's batch it must hear only what comes after.
    func presenceJoiner(_ participant: Participant) {
        guard !presence.frames.isEmpty else { return }  // none queued: it hears all that follows
        presence.joiners.append((participant, presence.frames.count))
    }

    /// Hands out queued presence, at most `budget` deliveries (at least one recipient, so a
    /// batch always moves): starts a batch from the frames queued since the last one if none
    /// is under way, then gives the batch to the next recipients. Returns the actions, the
    /// deliveries made, and whether more remains (then call again on a later turn). Once it
    /// returns `more == false` the room asks again with `.presencePending` when presence is
    /// next queued.
    public func sendPresence(budget: Int) -> (actions: [RoomAction], deliveries: Int, more: Bool) {
        var actions: [RoomAction] = []
        var used = 0
        while used < max(budget, 1) {
            if presence.batch == nil {
                guard !presence.frames.isEmpty else { break }
                used += startPresenceBatch(&actions)
                continue
            }
            let from = presence.next
            let to = from + min(presence.recipients.count - from, max(budget - used, 1))
            if to > from {
                let chunk = from == 0 && to == presence.recipients.count ? presence.recipients : Array(presence.recipients[from..<to])
                actions.append(.broadcast(presence.batch!, to: Recipients(chunk), lossy: false))
            }
            used += to - from
            presence.next = to
            if to == presence.recipients.count {
                presence.batch = nil
                presence.recipients = []
                presence.next = 0
            }
        }
        let more = !presence.isIdle
        if !more { presence.scheduled = false }
        return (actions, used, more)
    }

    /// Everything queued goes out now, whatever its size: before any other message to the
    /// room's members, so nobody hears of a participant before its arrival (a `data` from a
    /// newcomer, say) or after its departure.
    func finishPresence() -> [RoomAction] {
        guard !presence.isIdle else { return [] }
        var actions: [RoomAction] = []
        while !presence.isIdle {
            actions += sendPresence(budget: .max).actions
        }
        // Still scheduled: the I/O layer finds the room done on its next call.
        presence.scheduled = true
        return actions
    }

    /// Takes the queued frames as one batch. Members that were in before the batch get the
    /// whole buffer (handed out by `sendPresence`); each participant that joined during it
    /// gets, at once, only what came after its own arrival. Returns the deliveries made.
    private func startPresenceBatch(_ actions: inout [RoomAction]) -> Int {
        let frames = presence.frames
        let joiners = presence.joiners
        presence.frames = []
        presence.joiners = []
        var deliveries = 0
        if joiners.isEmpty {
            presence.recipients = activeParticipants
        } else {
            var seen: [ObjectIdentifier: Int] = [:]
            for j in joiners { seen[ObjectIdentifier(j.participant)] = j.seen }
            presence.recipients = participants.filter { $0.isActive && seen[ObjectIdentifier($0)] == nil }
            for p in participants where p.isActive {
                guard let from = seen[ObjectIdentifier(p)], from < frames.count else { continue }
                actions.append(.send(PresenceQueue.concatenate(frames[from...]), to: p))
                deliveries += 1
            }
        }
        presence.batch = PresenceQueue.concatenate(frames[...])
        presence.next = 0
        return deliveries
    }
}
