import ByteStorage
import EventLoop
import Foundation
import LoopWebSocketClient
import SystemClock
import WebSocketCore

/// One load-generator process of `bench cluster --connections` (`wavedefect bench
/// cluster-clients`, started by the parent): connections `first ..< first + count` of the
/// layout, then commands, one line each on stdin, answered on stdout. Several processes
/// because one process may hold at most 20,000 open files here (`ulimit -Hn`).
///
///     → joined <n> <seconds>                  (or: error <why>)
///     ping <rate> <seconds>  → pings <sent> <pongs> | <histograms>
///     window <monotonic ns>  → ok             (count publications stamped from then on)
///     report <published> <wait seconds> → delivered <n> | <histograms>
///     close                  → closed <n>     (then the process exits)
///
/// Histograms are `PlacedHistograms.encoded`: on the room's node, relayed, unknown.
public struct ClusterClientProcess {
    public var layout: ClusterConnectionsLayout
    public var ports: [Int]
    public var first = 0
    public var count = 0

    public init(layout: ClusterConnectionsLayout, ports: [Int]) {
        self.layout = layout
        self.ports = ports
    }

    public func run() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        ProcessLimits.raiseOpenFiles()
        let commands = LineReader(FileHandle.standardInput)
        let layout = layout
        let first = first
        let onRoomsNode = (0..<count).map { layout.isOnRoomsNode(first + $0) }
        var pingSentAt = [UInt64](repeating: 0, count: count)
        var pongs = 0
        var pings = PlacedHistograms()
        var windowStart = UInt64.max
        var delivered = 0
        var deliveries = PlacedHistograms()
        let pongMarker = Array(#"{"type":"pong""#.utf8)

        let start = Date()
        let clients: [LoopWebSocketClient]
        do {
            clients = try BenchClients.connect(
                loop: loop, ports: { ports[layout.node(of: first + $0)] }, sources: { layout.source(of: first + $0) }, count: count,
                room: { layout.room(of: first + $0) }, hidden: layout.roomSize == 0, timeout: 600, identityPrefix: "c\(first)"
            ) { i, client in
                client.onText = { bytes in
                    if pingSentAt[i] != 0, bytes.starts(with: pongMarker) {
                        pings.record(SystemClock.monotonicNanoseconds &- pingSentAt[i], onRoomsNode: onRoomsNode[i])
                        pingSentAt[i] = 0
                        pongs += 1
                    } else if let t = FanoutBenchmark.sendTime(in: bytes), t >= windowStart {
                        delivered += 1
                        deliveries.record(SystemClock.monotonicNanoseconds &- t, onRoomsNode: onRoomsNode[i])
                    }
                }
            }
        } catch {
            say("error \(error)")
            return
        }
        say("joined \(clients.count) \(format(Date().timeIntervalSince(start), 3))")

        while true {
            guard let line = commands.next() else {
                if commands.ended { break }
                runLoop(loop, seconds: 0.01)
                continue
            }
            let words = line.split(separator: " ")
            switch words.first {
            case "ping":
                guard words.count == 3, let rate = Double(words[1]), let seconds = Double(words[2]) else { say("error bad command: \(line)"); continue }
                var sent = 0
                var cursor = 0
                let begin = SystemClock.monotonicNanoseconds
                let end = begin + UInt64(seconds * 1e9)
                // Round robin at a fixed rate, held against the clock; a connection whose last
                // ping is unanswered is skipped (counted as sent, as in `wsload idle`).
                let send = {
                    let now = SystemClock.monotonicNanoseconds
                    let due = Int(Double(min(now, end) &- begin) / 1e9 * rate)
                    while sent < due {
                        let i = cursor
                        cursor = (cursor + 1) % clients.count
                        sent += 1
                        guard pingSentAt[i] == 0 else { continue }
                        pingSentAt[i] = SystemClock.monotonicNanoseconds
                        clients[i].send(text: Array(#"{"type":"ping","id":\#(sent)}"#.utf8))
                    }
                }
                let tick = LoopTimer(loop: loop) { send() }
                tick.start(afterMilliseconds: 1, repeatMilliseconds: 1)
                while SystemClock.monotonicNanoseconds < end { runLoop(loop, seconds: 0.05) }
                tick.stop()
                send()  // the last ones due, so exactly rate × seconds are sent
                // Wait for the answers themselves (a loaded machine can take seconds), not a fixed time.
                let answered = SystemClock.monotonicNanoseconds + 30_000_000_000
                while pongs < sent, SystemClock.monotonicNanoseconds < answered { runLoop(loop, seconds: 0.02) }
                say("pings \(sent) \(pongs) | \(pings.encoded)")
                pongs = 0
                pings = PlacedHistograms()
                for i in pingSentAt.indices { pingSentAt[i] = 0 }
            case "window":
                guard words.count == 2, let t = UInt64(words[1]) else { say("error bad command: \(line)"); continue }
                windowStart = t
                say("ok")
            case "report":
                guard words.count == 3, let published = Int(words[1]), let wait = Double(words[2]) else { say("error bad command: \(line)"); continue }
                let deadline = Date().addingTimeInterval(wait)
                while delivered < published * clients.count, Date() < deadline { runLoop(loop, seconds: 0.02) }
                say("delivered \(delivered) | \(deliveries.encoded)")
            case "close":
                for c in clients { c.onText = nil; c.close() }
                // Until the servers have closed every connection (the clean close the report counts),
                // bounded for a server that never answers.
                let deadline = Date().addingTimeInterval(60)
                var open = clients.count
                while open > 0, Date() < deadline {
                    runLoop(loop, seconds: 0.05)
                    open = clients.reduce(0) { $0 + ($1.connection == nil ? 0 : 1) }
                }
                for c in clients where c.connection != nil { c.connection?.close() }
                runLoop(loop, seconds: 0.1)
                say("closed \(clients.count - open)")
                return
            default:
                say("error unknown command: \(line)")
            }
        }
    }
}

/// One answer line, written at once (stdout to a pipe is otherwise buffered).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
