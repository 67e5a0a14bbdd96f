import Foundation
import Testing
import WireJSON

/// A room with an observer (who never hands over a token) and one listener, as the Spotify
/// and YouTube suites use it.
struct SpotifyTestRoom {
    let observer: TestWebSocket
    let listener: TestWebSocket
    /// Every text message the observer read, for the leak check.
    var observed: [String] = []
}

/// What the suites that drive Spotify polling share: rooms, tokens handed over, the
/// now-playing publications heard, and the leak check.
protocol SpotifyRoomTesting {
    var server: ServerProcess { get }
}

extension SpotifyRoomTesting {
    typealias Room = SpotifyTestRoom

    func room(_ prefix: String) throws -> Room {
        let name = ServerProcess.uniqueRoom(prefix)
        let observer = try TestWebSocket(port: server.port, token: server.token("observer", room: name))
        _ = try observer.next(type: "joined")
        let listener = try TestWebSocket(port: server.port, token: server.token("listener", room: name))
        _ = try listener.next(type: "joined")
        _ = try observer.next(type: "participant_joined")
        return Room(observer: observer, listener: listener)
    }

    /// A fresh token for `scenario`, handed over by `ws` (acked); held at the scenario's first
    /// state by `heldBy` when given (`FakeUpstream.hold`).
    func giveToken(_ ws: TestWebSocket, _ scenario: String, heldBy upstream: FakeUpstream? = nil) throws -> String {
        let token = "\(scenario)-\(UUID().uuidString)"
        try upstream?.hold(token)
        try ws.send(text: #"{"type":"spotify","access_token":"\#(token)","expires_in":3600,"id":7}"#)
        let ack = try ws.next(type: "ack")
        #expect(ack["for"] == "spotify")
        return token
    }

    /// The payloads of the now-playing publications the observer hears, until `count`
    /// arrived or `timeout` passed.
    func nowPlaying(_ room: inout Room, count: Int, timeout: Double = 15) throws -> [JSONValue] {
        var out: [JSONValue] = []
        let deadline = Date().addingTimeInterval(timeout)
        while out.count < count && Date() < deadline {
            let frame: TestWebSocket.Received
            do {
                frame = try room.observer.next(timeout: max(0.01, deadline.timeIntervalSinceNow))
            } catch is TestSocket.Timeout {
                break
            }
            guard case .text(let text) = frame else { break }
            room.observed.append(text)
            let m = try JSONParser.parse(text)
            guard m["type"] == "data", m["topic"] == "now-playing" else { continue }
            #expect(m["from"] == nil || m["from"] == .null, "published by the server, not by a participant")
            out.append(m["payload"] ?? .null)
        }
        return out
    }

    /// The publications of a held token's scenario, one state at a time: for each of `steps`
    /// the fake is moved to that state (the first is where `hold` left it) and the one
    /// publication it causes is awaited before the next — so no state is published while an
    /// older one still waits for its lookups, which would drop the older (docs/youtube.md).
    func nowPlaying(_ room: inout Room, token: String, steps: [Int], upstream: FakeUpstream) throws -> [JSONValue] {
        var out: [JSONValue] = []
        for (i, step) in steps.enumerated() {
            if i > 0 || step != 1 { try upstream.advance(token, to: step) }
            let heard = try nowPlaying(&room, count: 1)
            out += heard
            if heard.isEmpty { break }
        }
        return out
    }

    /// "spotify_id:is_playing" per publication ("null:false": nothing playing).
    static func summary(_ payloads: [JSONValue]) -> [String] {
        payloads.map { "\($0["track"]?["spotify_id"]?.stringValue ?? "null"):\($0["is_playing"]?.boolValue ?? false)" }
    }

    /// Neither the server's log nor anything the observer read holds `token`.
    func expectNoLeak(_ token: String, _ room: Room, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!server.log.contains(token), "token in the server log", sourceLocation: sourceLocation)
        #expect(!room.observed.contains { $0.contains(token) }, "token sent to another participant", sourceLocation: sourceLocation)
    }
}
