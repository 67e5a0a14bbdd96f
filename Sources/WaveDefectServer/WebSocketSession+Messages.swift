import ByteStorage
import RoomCore
import SystemClock
import WireProtocol

/// What carries a participant's messages into its room: its own WebSocket on this node
/// (`WebSocketSession`), or a connection on another node relayed here (`RelayEndpoint`,
/// docs/cluster.md#connect-anywhere). Both run the same rules below.
protocol ParticipantChannel: AnyObject {
    var server: WaveDefectServer { get }
    var room: Room { get }
    var participant: Participant { get }
    /// A direct answer (ack, error, pong, metrics) to this participant alone.
    func send(_ frame: SharedBytes, control: Bool)
    func configureMetrics(enabled: Bool, intervalMilliseconds: Int?, now: UInt64) throws(ProtocolError)
}

extension ParticipantChannel {
    func sendError(_ error: ProtocolError, id: UnsafeRawBufferPointer?) {
        send(ServerMessage.error(error, id: id), control: false)
    }

    /// Handles one JSON message. Errors are answered with an `error` message; the connection
    /// stays open.
    func handleText(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        let message: ClientMessage
        do {
            message = try ClientMessage.parse(bytes)
        } catch {
            sendError(error, id: ClientMessage.idRange(in: bytes).map { UnsafeRawBufferPointer(rebasing: bytes[$0]) })
            return
        }
        func slice(_ range: Range<Int>?) -> UnsafeRawBufferPointer? {
            range.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
        }
        let id = slice(message.id)
        do {
            switch message {
            case .ping(let idRange, let t):
                send(ServerMessage.pong(id: slice(idRange), t: slice(t), serverTimeMilliseconds: SystemClock.wallMilliseconds), control: false)
            case .publish(let request):
                let publication = Room.Publication(
                    topic: request.topic, reliable: request.reliable, destinations: request.destinations,
                    body: .json(UnsafeRawBufferPointer(rebasing: bytes[request.payload]))
                )
                // The monotonic half is the turn's clock reading; only the wall clock is read here.
                let instant = RoomInstant(monotonic: now, wallMilliseconds: SystemClock.wallMilliseconds)
                server.perform(try room.publish(publication, from: participant, limits: server.configuration.limits.data, now: instant))
                // The seq the message took, so a sender can place its own message in the stream.
                if let id { send(ServerMessage.ack("publish", id: id, seq: room.seq), control: false) }
            case .subscribe(let topics, _):
                try room.subscribe(participant, topics: topics)
                if let id { send(ServerMessage.ack("subscribe", id: id), control: false) }
            case .unsubscribe(let topics, _):
                try room.unsubscribe(participant, topics: topics)
                if let id { send(ServerMessage.ack("unsubscribe", id: id), control: false) }
            case .update(let request):
                server.perform(try room.update(participant, request, limits: server.configuration.limits.data.participantInfo))
                if let id { send(ServerMessage.ack("update", id: id), control: false) }
            case .metrics(let enabled, let interval, _):
                try configureMetrics(enabled: enabled, intervalMilliseconds: interval, now: now)
                if let id { send(ServerMessage.ack("metrics", id: id), control: false) }
            case .participants(let after, let limit, _):
                server.perform(try room.participantsPage(for: participant, after: after, limit: limit, id: id))
            case .spotify(let request):
                guard !participant.isAgent else { return sendError(.forbidden("agents do not poll Spotify"), id: id) }
                server.receiveSpotifyToken(request, room: room, participant: participant)
                if let id { send(ServerMessage.ack("spotify", id: id), control: false) }
            }
        } catch {
            sendError(error, id: id)
        }
    }

    /// A binary frame publishes raw bytes: `u8 topic length, topic, payload`.
    func handleBinary(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        guard let (topic, payload) = BinaryPublication.parse(bytes) else {
            sendError(.badMessage("binary frame must start with a 1-byte topic length and the topic"), id: nil)
            return
        }
        do {
            let publication = Room.Publication(topic: topic, body: .binary(payload))
            let instant = RoomInstant(monotonic: now, wallMilliseconds: SystemClock.wallMilliseconds)
            server.perform(try room.publish(publication, from: participant, limits: server.configuration.limits.data, now: instant))
        } catch {
            sendError(error, id: nil)
        }
    }
}
