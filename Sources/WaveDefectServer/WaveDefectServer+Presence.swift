import RoomCore

extension WaveDefectServer {
    /// The end of a loop turn: hands out the presence batches rooms queued (the joins and
    /// leaves of this turn, one buffer per room, encoded once), at most
    /// `limits.presence_deliveries_per_turn` deliveries over all rooms. Rooms that asked this
    /// turn go first, then those still handing out an earlier batch, so a room of thousands
    /// filling up neither stalls the others' turns nor delays their presence; the joins it
    /// gets meanwhile go into its next batch. Returns whether some remain: the loop then takes
    /// the next turn without blocking, after serving whatever else is ready.
    func sendPresence() -> Bool {
        guard !presenceRooms.isEmpty || !presenceContinuing.isEmpty else { return false }
        var budget = configuration.limits.presenceDeliveriesPerTurn
        let continuing = presenceContinuing
        presenceContinuing = []
        // Rooms that queue presence while these actions run (a slow consumer cut off) are
        // appended to `presenceRooms` and reached in this same walk.
        var i = 0
        while i < presenceRooms.count {
            let room = presenceRooms[i]
            i += 1
            serve(room, budget: &budget)
        }
        presenceRooms.removeAll(keepingCapacity: true)
        for room in continuing { serve(room, budget: &budget) }
        return !presenceContinuing.isEmpty || !presenceRooms.isEmpty
    }

    private func serve(_ room: Room, budget: inout Int) {
        guard budget > 0 else { return presenceContinuing.append(room) }
        let (actions, deliveries, more) = room.sendPresence(budget: budget)
        budget -= deliveries
        stats.presenceDeliveries += deliveries
        if more { presenceContinuing.append(room) }
        perform(actions)
    }
}
