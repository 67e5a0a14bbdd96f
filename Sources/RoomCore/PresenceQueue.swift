import ByteStorage

/// Presence (`participant_joined` / `participant_left`) of one room waiting to go out, and
/// the batch going out now.
///
/// Joins and leaves of one loop turn are announced together: the server takes a room's
/// queued frames at the end of the turn as one batch, one buffer holding them all (each still
/// its own WebSocket frame, so the wire is unchanged), encoded once and handed to every
/// member. A batch for a room of thousands is handed out a bounded number of recipients per
/// turn (`Room.sendPresence(budget:)`), so other rooms are served in between; what arrives
/// meanwhile waits for the next batch, which therefore grows with the room's traffic.
struct PresenceQueue {
    /// Frames queued since the last batch started, in the order the changes happened.
    var frames: [SharedBytes] = []
    /// Participants that joined since the last batch started, and how many of `frames` their
    /// `joined` list already reflects (those up to and including their own arrival).
    var joiners: [(participant: Participant, seen: Int)] = []
    /// The batch being handed out: its buffer and who still gets it (`recipients[next...]`).
    var batch: SharedBytes?
    var recipients: [Participant] = []
    var next = 0
    /// Whether the room told the I/O layer it has presence to send (`.presencePending`) and
    /// the I/O layer has not yet found it done.
    var scheduled = false

    /// Nothing queued and nothing being handed out: the check every other message makes.
    var isIdle: Bool { batch == nil && frames.isEmpty }

    mutating func removeAll() {
        frames = []
        joiners = []
        batch = nil
        recipients = []
        next = 0
    }

    /// One buffer holding `frames` back to back.
    static func concatenate(_ frames: ArraySlice<SharedBytes>) -> SharedBytes {
        if frames.count == 1, let only = frames.first { return only }
        let total = frames.reduce(0) { $0 + $1.count }
        return SharedBytes(count: total) { out in
            var offset = 0
            for f in frames {
                (out + offset).copyMemory(from: f.base, byteCount: f.count)
                offset += f.count
            }
        }
    }
}
