import Foundation
import Testing
import WireJSON

/// Presence batched per loop turn (issue 12) over real sockets. Its own server: the clients
/// read nothing until the end, so on a slow machine they must not be taken for idle ones
/// (which the server pings, then drops).
@Suite(.sharedServer(config: """
    limits:
      ping_interval: 600
      idle_timeout: 1200
    """, rooms: ["crowd.yaml": "name: crowd-pages\npresence_full_list_max: 20\nparticipants_page_size: 8\n"]))
struct CrowdedRoomPresenceTests {
    let server: ServerProcess
    let room = ServerProcess.uniqueRoom()

    init() throws {
        server = try .shared
    }

    /// 240 participants join one room in groups whose handshakes arrive together, while some
    /// of the earlier ones leave. Every client that stays must end with exactly the room's
    /// participant set — its `joined` list plus the `participant_joined` / `participant_left`
    /// it got, nobody announced twice, nobody lost — which a last data message (sent only
    /// after all queued presence) marks the end of.
    @Test func aFastFillingRoomLeavesEveryClientWithTheRightParticipantSet() throws {
        let total = 240
        let group = 20
        var open: [(identity: String, ws: TestWebSocket)] = []
        var leaving: [TestWebSocket] = []  // kept open until the server closes them
        for start in stride(from: 0, to: total, by: group) {
            let identities = (start..<min(start + group, total)).map { "p\($0)" }
            let paths = identities.map { "/rtc?access_token=\(server.token($0, room: room))" }
            open += zip(identities, try TestWebSocket.openTogether(port: server.port, paths: paths)).map { ($0, $1) }
            // Three of the earliest still in leave (a close frame) while the next group comes.
            for _ in 0..<3 where open.count > group {
                let ws = open.removeFirst().ws
                try ws.close()
                leaving.append(ws)
            }
        }
        let everyone = Set(open.map(\.identity))
        #expect(everyone.count == total - leaving.count)
        // The leaves are the server's once it has closed those sockets: the last client waits
        // until its view holds everyone, then marks the end with a message that goes out only
        // after all presence the server queued before it.
        let last = try #require(open.last)
        var view = try PresenceView(last.ws)
        while view.present != everyone.subtracting([last.identity]) && view.problems.isEmpty {
            _ = try view.apply(last.ws.nextJSON())
        }
        #expect(view.problems.isEmpty, "\(last.identity): \(view.problems.prefix(5))")
        try last.ws.send(json: ["type": "publish", "topic": "marker", "payload": "end", "reliable": true, "id": 1])
        #expect(try last.ws.next(type: "ack")["id"] == 1)

        for (identity, ws) in open where identity != last.identity {
            var view = try PresenceView(ws)
            while try view.apply(ws.nextJSON()) {}
            let expected = everyone.subtracting([identity])
            #expect(view.problems.isEmpty, "\(identity): \(view.problems.prefix(5))")
            #expect(
                view.present == expected,
                "\(identity): missing \(expected.subtracting(view.present).sorted().prefix(5)), extra \(view.present.subtracting(expected).sorted().prefix(5))")
        }
        for (_, ws) in open { try? ws.close() }
        for ws in leaving { #expect(try ws.expectClose() == 1000, "a leave is a clean close") }
    }
}

extension CrowdedRoomPresenceTests {
    /// A room defined crowded past 20 visible participants, pages of 8: 30 join one after
    /// another. The first 20 arrivals are announced one by one; the 21st is the last, followed
    /// by a `participant_count`; after it members hear only counts (on the server's 1 s tick),
    /// and a newcomer gets the first page and pages through the rest with its cursor.
    @Test func aCrowdedRoomSendsAPageAndCountsAndPagesThroughTheRest() throws {
        let identities = (0..<30).map { "c\($0)" }
        var sockets: [TestWebSocket] = []
        for identity in identities {
            let ws = try TestWebSocket(port: server.port, token: server.token(identity, room: "crowd-pages"))
            let joined = try ws.next(type: "joined")
            if sockets.count >= 20 {
                #expect(joined["presence"] == "counts", "\(identity)")
                #expect(joined["participants_total"]?.int64Value == Int64(sockets.count + 1))
                #expect(joined["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue } == Array(identities.prefix(8)))
            } else {
                #expect(joined["presence"] == nil && joined["participants_total"] == nil, "\(identity): a full list")
                #expect(joined["participants"]?.arrayValue?.count == sockets.count)
            }
            sockets.append(ws)
        }

        // The first member: 20 arrivals one by one, the count at the crossing, then only counts.
        let first = sockets[0]
        var announced: [String] = []
        var counts: [Int64] = []
        while counts.last != 30 {
            let m = try first.nextJSON()
            switch m["type"]?.stringValue {
            case "participant_joined": announced.append(m["participant"]?["identity"]?.stringValue ?? "?")
            case "participant_count": counts.append(m["participants_total"]?.int64Value ?? -1)
            default: Issue.record("unexpected \(m)")
            }
            if m == .null { break }
        }
        #expect(announced == Array(identities[1...20]))
        #expect(counts.first == 21, "the crossing is told at once")
        #expect(counts == counts.sorted() && counts.count <= 11, "counts only, at most one a tick: \(counts)")

        // The last one pages through everyone else, in join order, with an id on each request.
        let last = try #require(sockets.last)
        var listed: [String] = []
        var after: JSONValue = .null
        var requests = 0
        repeat {
            requests += 1
            try last.send(json: ["type": "participants", "after": after, "id": .number(Double(requests))])
            let page = try last.next(type: "participants")
            #expect(page["id"]?.int64Value == Int64(requests))
            #expect(page["participants_total"] == 30)
            listed += page["participants"]?.arrayValue?.compactMap { $0["identity"]?.stringValue } ?? []
            after = page["next"] ?? .null
        } while after != .null && requests < 10
        #expect(listed == Array(identities.dropLast()))
        #expect(requests == 4)

        try last.send(json: ["type": "participants", "limit": 0, "id": "bad"])
        let error = try last.next(type: "error")
        #expect(error["code"] == "bad_message")
        #expect(error["id"] == "bad")
        for ws in sockets { try? ws.close() }
    }
}

extension CrowdedRoomPresenceTests {
    /// `/metrics` says what it counts: each member a presence batch reached is one
    /// presence delivery (other tests of the suite only add to the counters).
    @Test func presenceDeliveriesAreCountedPerMember() throws {
        let room = ServerProcess.uniqueRoom()
        let before = try #require(try server.metric("wavedefect_presence_deliveries_total"))
        let broadcastsBefore = try #require(try server.metric("wavedefect_broadcasts_total"))
        var sockets: [TestWebSocket] = []
        for identity in ["m0", "m1", "m2"] {
            let ws = try TestWebSocket(port: server.port, token: server.token(identity, room: room))
            _ = try ws.next(type: "joined")
            for member in sockets { _ = try member.next(type: "participant_joined") }
            sockets.append(ws)
        }
        // m1's arrival reached m0, m2's reached m0 and m1: three deliveries in two broadcasts.
        #expect(try #require(try server.metric("wavedefect_presence_deliveries_total")) >= before + 3)
        #expect(try #require(try server.metric("wavedefect_broadcasts_total")) >= broadcastsBefore + 2)
        for ws in sockets { try? ws.close() }
    }
}

/// A client's idea of who is in the room: its `joined` list, then every presence change.
struct PresenceView {
    var present = Set<String>()
    /// Announcements that contradict the view (someone arriving twice, leaving unseen).
    var problems: [String] = []

    init(_ ws: TestWebSocket) throws {
        let joined = try ws.nextJSON()
        if joined["type"] != "joined" { problems.append("first message \(joined["type"]?.stringValue ?? "?")") }
        for p in joined["participants"]?.arrayValue ?? [] {
            if let id = p["identity"]?.stringValue { present.insert(id) }
        }
    }

    /// Applies one message; false at a `data` message (the end marker).
    mutating func apply(_ m: JSONValue) -> Bool {
        let id = m["participant"]?["identity"]?.stringValue ?? ""
        switch m["type"]?.stringValue {
        case "participant_joined":
            if !present.insert(id).inserted { problems.append("+\(id) twice") }
        case "participant_left":
            if present.remove(id) == nil { problems.append("-\(id) not present") }
        case "data":
            return false
        default:
            break
        }
        return true
    }
}
