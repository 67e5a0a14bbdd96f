import ClusterCore
import Testing
import WireJSON

@Suite struct WorkerRecordTests {
    @Test func listRoundTripsWithItsFieldNames() throws {
        let workers = [
            WorkerRecord(id: "AW_1", nodeID: "node-b", agentNames: ["taste", "recommender"], load: 0.12345, jobCount: 2, maxJobs: 8, registeredAt: 1_700_000_000_000),
            WorkerRecord(id: "AW_2", nodeID: "node-b", agentNames: ["taste"], status: "full"),
        ]
        let text = String(decoding: WorkerRecord.json(workers), as: UTF8.self)
        #expect(text.hasPrefix(#"[{"id":"AW_1","node_id":"node-b","agent_names":["taste","recommender"],"load":0.123,"job_count":2,"max_jobs":8,"status":"available","registered_at":1700000000000},"#))
        let back = WorkerRecord.list(json: WorkerRecord.json(workers))
        #expect(back.count == 2)
        #expect(back[0].load == 0.123)
        #expect(back[1] == workers[1])
        #expect(back[0].key == "node-b/AW_1")
    }

    @Test func foreignValuesAreNoWorkers() {
        #expect(WorkerRecord.list(json: Array("node-a".utf8)).isEmpty)
        #expect(WorkerRecord.list(json: Array(#"{"id":"AW_1"}"#.utf8)).isEmpty)
        // An entry without a node or names is skipped, the rest kept.
        let mixed = #"[{"id":"AW_1"},{"id":"AW_2","node_id":"n","agent_names":["a"]}]"#
        #expect(WorkerRecord.list(json: Array(mixed.utf8)).map(\.id) == ["AW_2"])
    }

    @Test func eligibleMeansTheNameAvailableAndBelowCapacity() {
        let w = WorkerRecord(id: "AW_1", nodeID: "n", agentNames: ["taste"], jobCount: 1, maxJobs: 2)
        #expect(w.canTake("taste"))
        #expect(!w.canTake("recommender"))
        var full = w
        full.jobCount = 2
        #expect(!full.canTake("taste"))
        var said = w
        said.status = "full"
        #expect(!said.canTake("taste"))
        var draining = w
        draining.status = "draining"
        #expect(!draining.canTake("taste"))
    }

    @Test func leastLoadedFirstThenFewestJobsThenLocalThenOldestThenIds() {
        let workers = [
            WorkerRecord(id: "AW_h", nodeID: "a", agentNames: ["taste"], load: 0.5, jobCount: 0),
            WorkerRecord(id: "AW_g", nodeID: "b", agentNames: ["taste"], load: 0.1, jobCount: 3),
            WorkerRecord(id: "AW_f", nodeID: "b", agentNames: ["taste"], load: 0.1, jobCount: 1, registeredAt: 5),
            WorkerRecord(id: "AW_e", nodeID: "a", agentNames: ["taste"], load: 0.1, jobCount: 1, registeredAt: 9),
            WorkerRecord(id: "AW_d", nodeID: "c", agentNames: ["taste"], load: 0.1, jobCount: 1, registeredAt: 1),
            WorkerRecord(id: "AW_c", nodeID: "b", agentNames: ["taste"], load: 0.1, jobCount: 1, registeredAt: 1),
            WorkerRecord(id: "AW_b", nodeID: "b", agentNames: ["taste"], load: 0.1, jobCount: 1, registeredAt: 1),
            WorkerRecord(id: "AW_a", nodeID: "b", agentNames: ["recommender"], load: 0, jobCount: 0),
            WorkerRecord(id: "AW_z", nodeID: "b", agentNames: ["taste"], load: 0, status: "draining"),
        ]
        let order = WorkerRecord.candidates(for: "taste", among: workers, localNode: "a").map(\.key)
        // Load 0.1 before 0.5; 1 job before 3; node a's own worker first; then registered
        // earliest; then node id ("b" < "c"), then worker id.
        #expect(order == ["a/AW_e", "b/AW_b", "b/AW_c", "c/AW_d", "b/AW_f", "b/AW_g", "a/AW_h"])
        // Seen from node c, its own worker leads the tie.
        #expect(WorkerRecord.candidates(for: "taste", among: workers, localNode: "c").map(\.key).prefix(2) == ["c/AW_d", "b/AW_b"])
        // Tried workers are skipped: the next in order is offered.
        #expect(WorkerRecord.candidates(for: "taste", among: workers, localNode: "a", excluding: ["a/AW_e", "b/AW_b"]).first?.key == "b/AW_c")
        #expect(WorkerRecord.candidates(for: "recommender", among: workers, localNode: "a").map(\.key) == ["b/AW_a"])
        #expect(WorkerRecord.candidates(for: "other", among: workers, localNode: "a").isEmpty)
    }

    /// Workers of equal load and jobs on other nodes: the one on the less loaded node first
    /// (its node runs the agent's connection and relay), nodes without a record last; the
    /// local worker still leads, and load still beats node load.
    @Test func equalWorkersGoToTheLessLoadedNode() {
        let workers = [
            WorkerRecord(id: "AW_1", nodeID: "b", agentNames: ["taste"], registeredAt: 1),
            WorkerRecord(id: "AW_2", nodeID: "c", agentNames: ["taste"], registeredAt: 2),
            WorkerRecord(id: "AW_3", nodeID: "d", agentNames: ["taste"], registeredAt: 0),
            WorkerRecord(id: "AW_4", nodeID: "e", agentNames: ["taste"], registeredAt: 3),
        ]
        let nodes = [
            "b": NodeRecord(id: "b", numRooms: 3, numClients: 900),
            "c": NodeRecord(id: "c", numRooms: 1, numClients: 10),
            "e": NodeRecord(id: "e", numRooms: 1, numClients: 10, cpuLoad: 0.5),
        ]
        // c (10 clients, less CPU than e), e, b (900 clients), then d (no record).
        #expect(WorkerRecord.candidates(for: "taste", among: workers, localNode: "a", nodes: nodes).map(\.key) == ["c/AW_2", "e/AW_4", "b/AW_1", "d/AW_3"])
        // Without node records: the longest registered first, as before.
        #expect(WorkerRecord.candidates(for: "taste", among: workers, localNode: "a").map(\.key) == ["d/AW_3", "b/AW_1", "c/AW_2", "e/AW_4"])
        // The room's own node's worker still leads; a lower worker load still wins.
        #expect(WorkerRecord.candidates(for: "taste", among: workers, localNode: "b", nodes: nodes).first?.key == "b/AW_1")
        var lighter = workers
        lighter[0].load = 0.0
        lighter[1].load = 0.1
        lighter[3].load = 0.1
        lighter[2].load = 0.1
        #expect(WorkerRecord.candidates(for: "taste", among: lighter, localNode: "a", nodes: nodes).first?.key == "b/AW_1")
    }

    @Test func keyIsPerNode() {
        #expect(ClusterKeys.workers("node-a") == "wavedefect:workers:node-a")
    }
}
