import CryptoPrimitives
import RoomCore
import WebSocketCore
import WireJSON
import WireProtocol

extension RoomServiceHandlers {
    func participant(_ room: Room, _ body: TwirpBody) throws(TwirpError) -> Participant {
        let identity = try body.requiredString("identity")
        guard let p = room.participant(identity: identity) else {
            throw .notFound("participant '\(identity)' is not in room '\(room.name)'")
        }
        return p
    }

    static func participant(_ p: Participant) -> [UInt8] {
        encode { LiveKitJSON.writeParticipant(p.snapshot, to: &$0) }
    }

    func listParticipants(_ name: String) throws(TwirpError) -> [UInt8] {
        let room = try room(name)
        return Self.encode { w in
            w.beginObject()
            w.key("participants")
            w.beginArray()
            for p in room.participants { LiveKitJSON.writeParticipant(p.snapshot, to: &w) }
            w.endArray()
            w.endObject()
        }
    }

    func getParticipant(_ name: String, _ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        Self.participant(try participant(try room(name), body))
    }

    /// Disconnects the participant (close code 4001) and removes it: everyone sees it leave
    /// with reason `removed`.
    func removeParticipant(_ name: String, _ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let room = try room(name)
        let p = try participant(room, body)
        var actions: [RoomAction] = []
        if let endpoint = p.endpoint { actions.append(.disconnect(endpoint, code: RoomCloseCode.removed, reason: "removed by an administrator")) }
        actions += room.leave(p, reason: .removed, now: now)
        server.perform(actions)
        return Self.empty
    }

    func updateParticipant(_ name: String, _ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let room = try room(name)
        let p = try participant(room, body)
        var permissions: Participant.Permissions?
        if let permission = try body.object("permission") {
            var changed = p.permissions
            if let v = try permission.bool("can_subscribe") { changed.canSubscribe = v }
            if let v = try permission.bool("can_publish_data") { changed.canPublishData = v }
            if let v = try permission.bool("can_update_metadata") { changed.canUpdateOwnMetadata = v }
            if let v = try permission.bool("hidden") { changed.hidden = v }
            permissions = changed
        }
        let name = try body.string("name").flatMap { $0.isEmpty ? nil : $0 }
        let metadata = try body.string("metadata")
        let attributes = try body.stringMap("attributes")
        if name != nil || metadata != nil || attributes != nil {
            do {
                server.perform(try room.applyUpdate(p, name: name, metadata: metadata, attributes: attributes, limits: server.configuration.limits.data.participantInfo))
            } catch {
                throw .invalidArgument(error.message)
            }
        }
        if let permissions { server.perform(room.setPermissions(p, permissions, now: now)) }
        return Self.participant(p)
    }

    /// `data` (base64 bytes) goes to the room as a data message from the server (`from`
    /// null). Bytes that are JSON become the `payload` of a JSON `data` message; other bytes
    /// a binary data frame. `kind` RELIABLE (default) or LOSSY; `topic` defaults to `admin`.
    func sendData(_ name: String, _ body: TwirpBody) throws(TwirpError) -> [UInt8] {
        let room = try room(name)
        guard let encoded = try body.string("data"), let data = Base64.decode(encoded) else {
            throw .invalidArgument("data must be base64 bytes")
        }
        let reliable: Bool
        switch body.value("kind") {
        case nil, .some(.string("RELIABLE")), .some(.number(0)): reliable = true
        case .some(.string("LOSSY")), .some(.number(1)): reliable = false
        default: throw .invalidArgument("kind must be RELIABLE or LOSSY")
        }
        let topic = try body.string("topic").flatMap { $0.isEmpty ? nil : $0 } ?? "admin"
        let destinations = try body.strings("destination_identities").flatMap { $0.isEmpty ? nil : $0 }
        // JSON goes into a text frame, which must be UTF-8; anything else travels as binary.
        let isJSON = data.withUnsafeBytes { UTF8Validator.isValid($0) } && (try? JSONParser.parse(data)) != nil
        var outcome: Result<[RoomAction], ProtocolError> = .success([])
        data.withUnsafeBytes { bytes in
            let publication = Room.Publication(topic: topic, reliable: reliable, destinations: destinations, body: isJSON ? .json(bytes) : .binary(bytes))
            outcome = Result { () throws(ProtocolError) in
                try room.publish(publication, from: nil, limits: server.configuration.limits.data, now: now)
            }
        }
        let actions: [RoomAction]
        switch outcome {
        case .success(let a): actions = a
        case .failure(let e): throw .invalidArgument(e.message)
        }
        server.perform(actions)
        return Self.empty
    }
}
