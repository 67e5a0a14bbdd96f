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
}
