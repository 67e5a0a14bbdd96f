import AgentKit
import AgentRuntime
import ByteStorage
import RoomCore
import SystemClock
import WireJSON
import WireProtocol

/// An agent running inside the server: a participant whose endpoint is not a socket. The
/// room delivers it the same frames a WebSocket client gets; it unwraps them, hands them to
/// its `AgentHost`, and publishes what the agent returns as that participant.
final class InProcessAgent: RoomEndpoint {
    unowned let server: WaveDefectServer
    let room: Room
    let participant: Participant
    let jobID: String
    private(set) var host: AgentHost!
    private var stopped = false

    init(server: WaveDefectServer, room: Room, participant: Participant, jobID: String, setup: AgentSetup, make: @escaping AgentFactory.Make) {
        self.server = server
        self.room = room
        self.participant = participant
        self.jobID = jobID
        host = AgentHost(
            setup: setup, make: make, loop: server.loop, policy: server.configuration.agents.policy,
            metrics: server.agentMetrics, logger: server.logger
        ) { [unowned self] publications in
            self.publish(publications)
        }
    }

    // MARK: RoomEndpoint

    /// A buffer may hold several frames back to back (a presence batch).
    func deliver(_ frame: SharedBytes, lossy: Bool, broadcast: Bool) {
        var rest = frame.bytes
        while !stopped, let (opcode, body, next) = Self.firstFrame(in: rest) {
            rest = next
            if opcode == 0x2 {
                host.receive(binaryFrame: body)
            } else if let message = try? JSONParser.parse(body) {
                host.receive(message)
            }
        }
    }

    func disconnect(code: UInt16, reason: String) {
        stop()
        server.agentDispatcher.inProcessAgentDisconnected(jobID: jobID, room: room.name)
    }

    /// Stops the agent without touching the room (the room is closing or the agent leaves).
    func stop() {
        guard !stopped else { return }
        stopped = true
        host.stop()
    }

    /// Leaves the room (dispatch deleted, or handed to a worker).
    func leave() {
        stop()
        server.perform(room.leave(participant, reason: .clientLeave, now: RoomInstant.current))
    }

    private func publish(_ publications: [AgentPublication]) {
        guard !stopped, room.participant(identity: participant.identity) === participant else { return }
        for p in publications {
            p.payload.withUnsafeBytes { payload in
                let publication = Room.Publication(topic: p.topic, reliable: p.reliable, destinations: p.destinations, body: .json(payload))
                do {
                    server.perform(try room.publish(publication, from: participant, limits: server.configuration.limits.data, now: RoomInstant.current))
                } catch {
                    server.agentMetrics.refusedPublications[host.setup.agentName, default: 0] += 1
                    server.logger.warning("agent publication refused", metadata: [
                        "agent": "\(host.setup.agentName)", "room": "\(room.name)", "topic": "\(p.topic)", "error": "\(error)",
                    ])
                }
            }
        }
    }

    /// The opcode (1 text: JSON, 2 binary: audio) and payload of the first unmasked server
    /// frame in `b`, and what follows it.
    static func firstFrame(in b: UnsafeRawBufferPointer) -> (opcode: UInt8, body: UnsafeRawBufferPointer, rest: UnsafeRawBufferPointer)? {
        guard b.count >= 2 else { return nil }
        let opcode = b[0] & 0x0F
        guard opcode == 0x1 || opcode == 0x2 else { return nil }
        let length7 = Int(b[1] & 0x7F)
        let header = length7 < 126 ? 2 : (length7 == 126 ? 4 : 10)
        guard b.count >= header else { return nil }
        var length = length7
        if length7 >= 126 {
            length = 0
            for i in 2..<header { length = length << 8 | Int(b[i]) }
        }
        guard length <= b.count - header else { return nil }
        let end = header + length
        return (opcode, UnsafeRawBufferPointer(rebasing: b[header..<end]), UnsafeRawBufferPointer(rebasing: b[end...]))
    }
}
