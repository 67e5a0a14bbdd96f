import ClusterCore
import Testing
import WireJSON

@Suite struct NodeRecordTests {
    @Test func roundTripsWithLiveKitFieldNames() throws {
        let r = NodeRecord(id: "node-a", numRooms: 3, numClients: 41, cpuLoad: 0.2504, numCPUs: 2, startedAt: 1_700_000_000, updatedAt: 1_700_000_005, version: "0.1.0")
        let text = String(decoding: r.json, as: UTF8.self)
        #expect(text == #"{"id":"node-a","state":"SERVING","num_rooms":3,"num_clients":41,"cpu_load":0.25,"num_cpus":2,"started_at":1700000000,"updated_at":1700000005,"version":"0.1.0"}"#)
        var back = try #require(NodeRecord(json: r.json))
        #expect(back.cpuLoad == 0.25)
        back.cpuLoad = r.cpuLoad
        #expect(back == r)
    }

    @Test func foreignValuesAreNotRecords() {
        #expect(NodeRecord(json: Array("node-a".utf8)) == nil)
        #expect(NodeRecord(json: Array(#"{"num_rooms":1}"#.utf8)) == nil)
        #expect(NodeRecord(json: Array(#"{"id":"x"}"#.utf8))?.state == "SERVING")
    }

    @Test func lessLoadedIsServingThenFewerClientsRoomsCPU() {
        let base = NodeRecord(id: "a", numRooms: 1, numClients: 5, cpuLoad: 0.2)
        func with(_ change: (inout NodeRecord) -> Void) -> NodeRecord {
            var r = base
            r.id = "b"
            change(&r)
            return r
        }
        // Serving beats shutting down, whatever the numbers.
        let draining = with { $0.state = "SHUTTING_DOWN"; $0.numClients = 0 }
        #expect(base.isLessLoaded(than: draining) && !draining.isLessLoaded(than: base))
        // Then clients, then rooms, then CPU.
        #expect(with { $0.numClients = 4; $0.numRooms = 9 }.isLessLoaded(than: base))
        #expect(with { $0.numRooms = 0; $0.cpuLoad = 0.9 }.isLessLoaded(than: base))
        #expect(with { $0.cpuLoad = 0.1 }.isLessLoaded(than: base))
        #expect(!with { $0.cpuLoad = 0.3 }.isLessLoaded(than: base))
        // Equal loads: neither (the id is not a load; the caller breaks the tie).
        let same = with { _ in }
        #expect(!same.isLessLoaded(than: base) && !base.isLessLoaded(than: same))
    }
}

@Suite struct ProcessStatTests {
    @Test func userPlusSystemTicksAfterTheCommandName() {
        // A command name with spaces and parentheses, as /proc allows.
        let stat = "4242 (wave (defect) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1500 250 0 0 20 0 4 0 100 1000000 200"
        #expect(ProcessStat.cpuTicks(stat) == 1750)
        #expect(ProcessStat.cpuTicks("4242 (x) S 1 2") == nil)
        #expect(ProcessStat.cpuTicks("no parenthesis") == nil)
    }
}

@Suite struct ClusterKeysTests {
    @Test func keysAreNamespaced() {
        #expect(ClusterKeys.node("n1") == "wavedefect:node:n1")
        #expect(ClusterKeys.roomLease("lab") == "wavedefect:room:lab")
        #expect(ClusterKeys.nodeRooms("n1") == "wavedefect:node_rooms:n1")
        #expect(ClusterKeys.nodes == "wavedefect:nodes")
    }
}
