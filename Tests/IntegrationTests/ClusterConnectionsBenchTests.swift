import Foundation
import Testing

/// `wavedefect bench cluster --connections` at small scale (docs/benchmarks.md, "50,000
/// connections over three nodes"): the real command starts Redis, three nodes and three
/// client processes, and what it prints must add up — every connection joined and counted by
/// the node it reached, every ping answered, every broadcast delivered to every listener of
/// the one room, relayed listeners included.
@Suite(.blocking) struct ClusterConnectionsBenchTests {
    /// Runs the command to its end; its standard output.
    func bench(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = ServerProcess.binary
        p.arguments = ["bench", "cluster"] + arguments
        let out = Pipe()
        p.standardOutput = out
        // Kept, so that a failing run says why (its log lines and errors go to standard error).
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("bench-cluster-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        p.standardError = try FileHandle(forWritingTo: errors)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if p.terminationStatus != 0 {
            let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            Issue.record("bench cluster exited \(p.terminationStatus)\n\(text)\n--- standard error (last 4,000 characters) ---\n\(log.suffix(4000))")
        }
        return text
    }

    /// The integers of the first line containing `label`, in order.
    func numbers(_ text: String, _ label: String) -> [Int] {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }) else { return [] }
        return line.split(whereSeparator: { !$0.isNumber && $0 != "." }).compactMap { Int($0) }
    }

    @Test func threeHundredConnectionsInOneRoomOverThreeNodesAllJoinAllPongAndGetEveryBroadcast() throws {
        let text = try bench([
            "--connections", "300", "--room-size", "0", "--client-processes", "3", "--sources", "3", "--settle", "0.2", "--idle-seconds", "0.2",
            "--ping-rate", "600", "--ping-seconds", "0.5", "--broadcast-rate", "10", "--broadcast-seconds", "0.5",
        ])
        // joined 300 of 300 in S s (per client process: 100 100 100)
        let joined = numbers(text, "  joined ")
        #expect(joined.prefix(2) == [300, 300], "\(text)")
        #expect(joined.suffix(3) == [100, 100, 100], "\(text)")
        // Each node counts its 100 upgrades; node 1, the room's node, holds all 301
        // participants (the publisher and 200 relayed listeners among them).
        for node in 1...3 {
            let figures = numbers(text, "  node \(node) ")
            // [node, connections, participants, upgrades, refused, clients, open files]
            #expect(figures.count >= 7, "\(text)")
            guard figures.count >= 7 else { continue }
            #expect(figures[2] == (node == 1 ? 301 : 0), "\(text)")
            #expect(figures[3] == (node == 1 ? 101 : 100), "\(text)")
            #expect(figures[4] == 0, "\(text)")
            #expect(figures[5] == 100, "\(text)")
        }
        // 300 pongs to 300 pings: each connection pinged once, relayed ones answered by node 1.
        let pings = numbers(text, "  pings ")
        #expect(pings.prefix(2) == [300, 300], "\(text)")
        #expect(text.contains("    relayed "), "\(text)")
        // 5 messages × 300 listeners, every one delivered.
        let broadcast = numbers(text, "  broadcast ")
        #expect(broadcast.count >= 4, "\(text)")
        if broadcast.count >= 4 {
            // [messages, listeners, delivered, expected, …]
            #expect(broadcast.prefix(4) == [5, 300, 1500, 1500], "\(text)")
        }
        #expect(numbers(text, "  closed ").prefix(2) == [300, 300], "\(text)")
    }
}
