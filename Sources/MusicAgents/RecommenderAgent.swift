import AgentKit
import TasteCore

/// `recommender`: steerable recommendations per participant (docs/agents.md#recommender).
/// Control on `recs.control` (seeds, thumbs, knobs, more); each answer goes on `recs` to the
/// requester only. A participant's stored taste profile joins its anchors.
final class RecommenderAgent: Agent {
    private let context: MusicContext
    private var room: AgentRoom?
    private var states: [String: Recommender] = [:]

    init(context: MusicContext) {
        self.context = context
    }

    func handle(_ event: AgentEvent) throws -> [AgentPublication] {
        switch event {
        case .started(let room):
            self.room = room
            states = [:]
        case .participantJoined(let p):
            room?.participants.append(p)
        case .participantLeft(let identity):
            room?.participants.removeAll { $0.identity == identity }
            states[identity] = nil
        case .participantUpdated, .profileChanged:
            // The stored profile is read at every control message.
            break
        case .data(let message):
            guard message.topic == "recs.control", let sender = message.sender, !message.senderHidden,
                  room?.participants.contains(where: { $0.identity == sender && !$0.isAgent }) == true else { return [] }
            return try control(message.payload, from: sender)
        }
        return []
    }

    private func control(_ payload: [UInt8], from sender: String) throws -> [AgentPublication] {
        func answer(_ bytes: [UInt8]) -> [AgentPublication] {
            [AgentPublication(topic: "recs", payload: bytes, destinations: [sender])]
        }
        let index = context.index.snapshot
        var state = states[sender] ?? Recommender()
        // The stored profile (kept current by the taste agent) is part of the anchors.
        state.useProfile(try context.profiles.load(sender))
        let recommendations: [Recommendation]
        do {
            let control = try RecsControl.parse(payload)
            recommendations = try state.apply(control, index: index, now: MusicContext.wallSeconds)
        } catch {
            states[sender] = state
            return answer(TasteJSON.error(error))
        }
        states[sender] = state
        let directory = try context.directory()
        let links = context.youtubeURLs(for: recommendations.map(\.trackID), in: directory)
        return answer(TasteJSON.recs(for: sender, recommendations, tracks: directory, youtubeURLs: links))
    }
}
