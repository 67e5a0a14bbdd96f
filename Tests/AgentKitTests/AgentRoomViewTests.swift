import AgentKit
import Testing
import WireJSON

@Suite struct AgentRoomViewTests {
    static func p(_ identity: String, name: String = "", kind: String = "standard") -> JSONValue {
        ["identity": .string(identity), "name": .string(name), "kind": .string(kind), "attributes": [:]]
    }

    @Test func presenceBecomesEventsAndTheAgentIgnoresItself() {
        var view = AgentRoomView()
        let joined: JSONValue = ["type": "joined", "room": ["name": "lab", "host_identity": "host"], "participant": Self.p("agent-taste", kind: "agent"), "participants": [Self.p("host")], "resume_token": "tok"]
        let started = view.events(for: joined)
        #expect(started == [.started(AgentRoom(name: "lab", hostIdentity: "host", identity: "agent-taste", participants: [AgentParticipant(identity: "host")]))])
        #expect(view.resumeToken == "tok")
        #expect(view.events(for: ["type": "participant_joined", "participant": Self.p("alice")]) == [.participantJoined(AgentParticipant(identity: "alice"))])
        #expect(view.events(for: ["type": "participant_updated", "participant": Self.p("alice", name: "Alice")]) == [.participantUpdated(AgentParticipant(identity: "alice", name: "Alice"))])
        #expect(view.events(for: ["type": "participant_updated", "participant": Self.p("agent-taste", name: "me")]).isEmpty)
        #expect(view.events(for: ["type": "participant_left", "participant": ["identity": "alice", "sid": "PA_1"]]) == [.participantLeft(identity: "alice")])
        #expect(view.events(for: ["type": "pong"]).isEmpty)
    }

    @Test func aSecondJoinedIsReconciledNotRestarted() {
        var view = AgentRoomView()
        _ = view.events(for: ["type": "joined", "room": ["name": "lab"], "participant": Self.p("a"), "participants": [Self.p("host"), Self.p("bob")]])
        let events = view.events(for: ["type": "joined", "room": ["name": "lab"], "participant": Self.p("a"), "participants": [Self.p("host", name: "H"), Self.p("carol")], "resumed": true])
        #expect(events == [
            .participantLeft(identity: "bob"), .participantUpdated(AgentParticipant(identity: "host", name: "H")),
            .participantJoined(AgentParticipant(identity: "carol")),
        ])
    }

    @Test func serverMessagesHaveNoSenderAndAreNotHidden() {
        var view = AgentRoomView()
        _ = view.events(for: ["type": "joined", "room": ["name": "lab"], "participant": Self.p("a"), "participants": []])
        let events = view.events(for: ["type": "data", "topic": "t", "from": nil, "seq": 7, "payload": ["k": 1]])
        #expect(events == [.data(AgentMessage(topic: "t", sender: nil, senderHidden: false, payload: Array(#"{"k":1}"#.utf8), seq: 7))])
    }

    @Test func theServersProfileChangedIsAnEventAndAParticipantsIsJustData() {
        var view = AgentRoomView()
        _ = view.events(for: ["type": "joined", "room": ["name": "lab"], "participant": Self.p("a"), "participants": [Self.p("bob")]])
        let payload: JSONValue = ["identity": "bob", "source": "spotify_top", "tracks": 2]
        #expect(view.events(for: ["type": "data", "topic": "profile.changed", "from": nil, "seq": 3, "payload": payload])
            == [.profileChanged(ProfileChange(identity: "bob", source: "spotify_top", tracks: 2))])
        // Anyone may publish on the topic; only the server's message is an event.
        let forged = view.events(for: ["type": "data", "topic": "profile.changed", "from": "bob", "seq": 4, "payload": payload])
        #expect(forged == [.data(AgentMessage(topic: "profile.changed", sender: "bob", payload: payload.serialized, seq: 4))])
        // Not the shape: plain data.
        let odd = view.events(for: ["type": "data", "topic": "profile.changed", "from": nil, "seq": 5, "payload": ["identity": "bob"]])
        #expect(odd.count == 1 && { if case .data = odd[0] { true } else { false } }())
        #expect(view.lastSeq == 5)
    }

    @Test func profileChangeRoundTrips() throws {
        let change = ProfileChange(identity: "zoë \"q\"", source: "spotify_top", tracks: 37)
        #expect(ProfileChange(payload: try JSONParser.parse(change.json)) == change)
        #expect(String(decoding: ProfileChange(identity: "a", source: "spotify_top", tracks: 2).json, as: UTF8.self) == #"{"identity":"a","source":"spotify_top","tracks":2}"#)
    }

    @Test func binaryFramesBecomeBinaryDataEventsWithSenderSeqAndHiddenFlag() {
        var view = AgentRoomView()
        #expect(view.binaryEvents(topic: "audio", from: "bob", seq: 3, payload: [1]).isEmpty, "nothing before the agent has joined")
        _ = view.events(for: ["type": "joined", "room": ["name": "lab"], "participant": Self.p("a"), "participants": [Self.p("bob")]])
        #expect(view.binaryEvents(topic: "audio", from: "bob", seq: 9, payload: [1, 2]) == [
            .data(AgentMessage(topic: "audio", sender: "bob", payload: [1, 2], seq: 9, isBinary: true)),
        ])
        #expect(view.lastSeq == 9)
        #expect(view.binaryEvents(topic: "audio", from: "ghost", seq: 10, payload: []) == [
            .data(AgentMessage(topic: "audio", sender: "ghost", senderHidden: true, payload: [], seq: 10, isBinary: true)),
        ])
        #expect(view.binaryEvents(topic: "audio", from: "", seq: 11, payload: [0]) == [
            .data(AgentMessage(topic: "audio", sender: nil, payload: [0], seq: 11, isBinary: true)),
        ])
    }
}
