import ByteStorage
import WireJSON
import WireProtocol

/// Why a participant left, as sent in `participant_left` and webhooks.
public enum LeaveReason: String, Sendable {
    case clientLeave = "client_leave"
    case connectionLost = "connection_lost"
    case duplicateIdentity = "duplicate_identity"
    case removed = "removed"
    case slowConsumer = "slow_consumer"
    /// Made hidden through the admin API: gone from the others' view, still in the room.
    case hidden = "hidden"
}

extension Room {
    /// Whether a new participant could join now (checked before the WebSocket upgrade).
    public func admits(identity: String, isAgent: Bool) -> Bool {
        guard !isClosed else { return false }
        if isAgent || configuration.maxParticipants == 0 { return true }
        // Someone rejoining under the same identity replaces themselves: no extra seat.
        if let existing = byIdentity[identity], !existing.isAgent { return true }
        return participantCount < configuration.maxParticipants
    }

    /// Adds a participant carried by `endpoint`. A participant already present with the same
    /// identity is replaced: its connection is closed with 4000 and everyone sees it leave.
    ///
    /// `unresumable`: the client asked to resume after `last_seq` but its participant is not
    /// here (a cluster whose room's node died re-created the room): right after `joined` it is
    /// told that everything after `last_seq` is lost (`resumed` with `gap` and
    /// `new_participant`), never a silent loss.
    public func join(_ participant: Participant, endpoint: RoomEndpoint, now: RoomInstant, unresumable lastSeq: UInt64? = nil) -> [RoomAction] {
        var actions: [RoomAction] = []
        if let old = byIdentity[participant.identity] {
            if let oldEndpoint = old.endpoint {
                actions.append(.disconnect(oldEndpoint, code: RoomCloseCode.duplicateIdentity, reason: "another connection joined as \(old.identity)"))
            }
            actions += leave(old, reason: .duplicateIdentity, now: now)
        }
        participant.reactivate(endpoint: endpoint)
        add(participant)
        if !participant.isHidden {
            let frame = ServerMessage.participantJoined(participant.info)
            actions += isCrowded ? toAgents(frame, except: participant) : queuePresence(frame)
        }
        // The arrival that makes the room crowded is the last one announced by itself.
        actions += crowdIfNeeded()
        actions.append(.send(joinedMessage(for: participant, resumed: false), to: participant))
        if let lastSeq { actions.append(.send(resumedMessage(lastSeq: lastSeq, replayed: 0, gapTopics: [], newParticipant: true), to: participant)) }
        for frame in history(for: participant) { actions.append(.send(frame, to: participant)) }
        presenceJoiner(participant)
        actions.append(webhook(.participantJoined, participant, now: now))
        return actions
    }

    /// Resumes a participant whose connection dropped (or is about to be noticed dropping):
    /// the new connection takes over silently and receives every reliable message after
    /// `lastSeq` that it would have received, or is told which topics have a gap.
    public func resume(_ participant: Participant, lastSeq: UInt64, endpoint: RoomEndpoint, now: RoomInstant) -> [RoomAction] {
        // Its `joined` lists everyone as of now: what is still queued goes out first.
        var actions = finishPresence()
        if let oldEndpoint = participant.endpoint, oldEndpoint !== endpoint {
            actions.append(.disconnect(oldEndpoint, code: RoomCloseCode.resumedElsewhere, reason: "resumed on a new connection"))
        }
        participant.reactivate(endpoint: endpoint)
        invalidateSubscribers()
        var replayed: [ReplayBuffer.Entry] = []
        var gapTopics: [String] = []
        for (topic, buffer) in replay where participant.subscription.includes(topic) && participant.permissions.canSubscribe {
            if buffer.hasGap(after: lastSeq) { gapTopics.append(topic) }
            for e in buffer.entries(after: lastSeq) where e.senderSID != participant.sid {
                if let d = e.destinations, !d.contains(participant.identity) { continue }
                replayed.append(e)
            }
        }
        replayed.sort { $0.seq < $1.seq }
        gapTopics.sort()
        actions.append(.send(joinedMessage(for: participant, resumed: true), to: participant))
        actions.append(.send(resumedMessage(lastSeq: lastSeq, replayed: replayed.count, gapTopics: gapTopics), to: participant))
        for e in replayed { actions.append(.send(e.frame, to: participant)) }
        return actions
    }

    /// What a participant who just joined is sent after `joined`: the newest `history`
    /// messages of every topic whose policy sets one, that it may subscribe to and that were
    /// addressed to everyone or to its identity, oldest first across topics, each marked
    /// `"history": true`. Binary messages are not sent as history.
    func history(for participant: Participant) -> [SharedBytes] {
        guard participant.permissions.canSubscribe else { return [] }
        var kept: [ReplayBuffer.Entry] = []
        for (topic, buffer) in replay where participant.subscription.includes(topic) {
            let n = configuration.policy(for: topic).history
            guard n > 0 else { continue }
            let eligible = buffer.entries(after: 0).filter { e in
                e.frame.base.load(as: UInt8.self) & 0x0F == 0x1  // JSON (text) messages only
                    && (e.destinations.map { $0.contains(participant.identity) } ?? true)
            }
            kept += eligible.suffix(n)
        }
        return kept.sorted { $0.seq < $1.seq }.compactMap { ServerMessage.markedAsHistory($0.frame) }
    }

    /// Whether `participant` can still resume: active (its old connection not yet noticed
    /// dropping) or suspended with time left.
    public func canResume(_ participant: Participant, now: RoomInstant) -> Bool {
        guard byIdentity[participant.identity] === participant else { return false }
        if case .suspended(let deadline) = participant.state { return now.monotonic < deadline }
        return true
    }

    /// The connection `endpoint` carrying `participant` closed. A clean close (the client's
    /// close frame) is a leave; a dropped connection suspends the participant for resume.
    /// A connection that no longer carries the participant (replaced, resumed elsewhere)
    /// changes nothing.
    public func endpointClosed(_ participant: Participant, endpoint: RoomEndpoint, clean: Bool, now: RoomInstant) -> [RoomAction] {
        guard participant.endpoint === endpoint, byIdentity[participant.identity] === participant else { return [] }
        return clean ? leave(participant, reason: .clientLeave, now: now) : connectionLost(participant, now: now)
    }

    /// Removes a participant for good and tells the others.
    public func leave(_ participant: Participant, reason: LeaveReason, now: RoomInstant) -> [RoomAction] {
        guard byIdentity[participant.identity] === participant else { return [] }
        remove(participant, now: now)
        var actions: [RoomAction] = []
        if !participant.isHidden {
            let frame = ServerMessage.participantLeft(sid: participant.sid, identity: participant.identity, reason: reason.rawValue)
            actions += isCrowded ? toAgents(frame, except: participant) : queuePresence(frame)
        }
        actions.append(webhook(.participantLeft, participant, now: now))
        return actions
    }

    /// The connection dropped without a close handshake: keep the participant, invisible to
    /// no one, for `departureTimeout` so it can resume.
    public func connectionLost(_ participant: Participant, now: RoomInstant) -> [RoomAction] {
        guard byIdentity[participant.identity] === participant, participant.isActive else { return [] }
        guard configuration.departureTimeout > 0 else { return leave(participant, reason: .connectionLost, now: now) }
        let deadline = now.deadline(after: configuration.departureTimeout)
        participant.suspend(until: deadline)
        nextSuspensionDeadline = min(nextSuspensionDeadline, deadline)
        invalidateSubscribers()
        return []
    }

    /// Expires suspended participants. Returns the actions and whether the room should close
    /// (nobody ever came within `emptyTimeout`, or everyone left `departureTimeout` ago).
    public func tick(now: RoomInstant) -> (actions: [RoomAction], shouldClose: Bool) {
        var actions: [RoomAction] = []
        if now.monotonic >= nextSuspensionDeadline {
            // Only when a suspension may have run out: the walk finds the next one too.
            nextSuspensionDeadline = .max
            for p in participants {
                guard case .suspended(let deadline) = p.state else { continue }
                if now.monotonic >= deadline {
                    actions += leave(p, reason: .connectionLost, now: now)
                } else {
                    nextSuspensionDeadline = min(nextSuspensionDeadline, deadline)
                }
            }
        }
        actions += countsIfChanged()
        let shouldClose: Bool
        if participantCount > 0 {
            shouldClose = false
        } else if let since = emptySince {
            shouldClose = now.monotonic >= RoomInstant.saturatingAdd(since, RoomInstant.nanoseconds(configuration.departureTimeout))
        } else {
            shouldClose = !everJoined && now.monotonic >= createdAt.deadline(after: configuration.emptyTimeout)
        }
        return (actions, shouldClose)
    }

    /// Closes the room: everyone (agents included) is disconnected with `code`; nobody is
    /// left to hear presence, so only webhooks report the departures.
    public func close(code: UInt16 = RoomCloseCode.roomClosed, reason: String, now: RoomInstant) -> [RoomAction] {
        guard !isClosed else { return [] }
        presence.removeAll()  // everyone is disconnected: nobody is left to hear it
        var actions: [RoomAction] = []
        for p in participants {
            if let endpoint = p.endpoint { actions.append(.disconnect(endpoint, code: code, reason: reason)) }
        }
        for p in participants {
            remove(p, now: now)
            actions.append(webhook(.participantLeft, p, now: now))
        }
        isClosed = true
        actions.append(webhook(.roomFinished, nil, now: now))
        return actions
    }

    // MARK: Messages

    /// `joined`: the room, the participant itself, everyone visible, and what a later resume
    /// needs (the token and the current seq).
    public func joinedMessage(for participant: Participant, resumed: Bool) -> SharedBytes {
        var room = JSONWriter(reservingCapacity: 256)
        writeInfo(to: &room)
        var others: [ParticipantInfo.InPlace] = []
        var page: ServerMessage.ParticipantPage?
        if isCrowded && !participant.isAgent {
            let first = self.page(for: participant, after: 0, limit: configuration.participantsPageSize)
            others = first.participants
            page = ServerMessage.ParticipantPage(total: visibleCount, next: first.next)
        } else {
            others.reserveCapacity(participants.count)
            for p in participants where p !== participant && !p.isHidden { others.append(ParticipantInfo.InPlace(p.info)) }
        }
        return ServerMessage.joined(room: room.bytes, participant: ParticipantInfo.InPlace(participant.info), participants: others,
                                    page: page, resumeToken: participant.resumeToken, seq: seq, resumed: resumed)
    }

    func resumedMessage(lastSeq: UInt64, replayed: Int, gapTopics: [String], newParticipant: Bool = false) -> SharedBytes {
        ServerMessage.typed("resumed") { w in
            w.key("last_seq"); w.uint(lastSeq)
            w.key("seq"); w.uint(seq)
            w.key("replayed"); w.int(replayed)
            w.key("gap"); w.bool(!gapTopics.isEmpty || newParticipant)
            if newParticipant { w.key("new_participant"); w.bool(true) }
            w.key("gap_topics")
            w.beginArray()
            for t in gapTopics { w.string(t) }
            w.endArray()
        }
    }
}
