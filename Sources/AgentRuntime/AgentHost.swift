import AgentKit
import Dispatch
import EventLoop
import Logging
import SystemClock
import WireJSON
import WireProtocol

/// Runs one agent in one room on a libuv loop: feeds it the server's messages (through
/// `AgentRoomView`), runs each event off the loop thread under `AgentSupervisor`'s deadline
/// and restart rules, and hands what it publishes to `publish`. In-process agents, bots and
/// workers all run their agents through this one class.
///
/// Each instance gets its own serial dispatch queue rather than a slot in libuv's small
/// shared pool: an agent that hangs then ties up one thread of its own, never the threads
/// decoding audio or resolving names for everyone else.
public final class AgentHost {
    public let setup: AgentSetup
    private let loop: EventLoop
    private let make: AgentFactory.Make
    private let logger: Logger
    private var view = AgentRoomView()
    public private(set) var supervisor: AgentSupervisor
    private var instance: InstanceBox
    private var timer: LoopTimer?
    private let publish: ([AgentPublication]) -> Void
    /// Failures and restarts, shared by every host of the process (for /metrics).
    private let metrics: AgentMetrics

    public init(
        setup: AgentSetup, make: @escaping AgentFactory.Make, loop: EventLoop, policy: AgentSupervisor.Policy,
        metrics: AgentMetrics, logger: Logger, publish: @escaping ([AgentPublication]) -> Void
    ) {
        self.setup = setup
        self.make = make
        self.loop = loop
        self.logger = logger
        self.metrics = metrics
        self.publish = publish
        supervisor = AgentSupervisor(policy: policy)
        instance = InstanceBox(generation: 1, name: setup.agentName)
        metrics.running[setup.agentName, default: 0] += 1
    }

    /// The room view's resume token and last seq (a bot resumes with them).
    public var roomView: AgentRoomView { view }

    /// One server → client message (`joined`, presence, `data`), already parsed.
    public func receive(_ message: JSONValue) {
        let events = view.events(for: message)
        for event in events { receive(event) }
    }

    /// The body of one server binary frame (`u8 topic length, topic, u8 sender length, …`);
    /// a frame whose header cannot be read is ignored.
    public func receive(binaryFrame body: UnsafeRawBufferPointer) {
        guard let m = BinaryDataMessage.parse(body) else { return }
        for event in view.binaryEvents(topic: m.topic, from: m.from, seq: m.seq, payload: Array(m.payload)) { receive(event) }
    }

    public func receive(_ event: AgentEvent) {
        carryOut(supervisor.receive(event, now: SystemClock.monotonicNanoseconds))
    }

    /// The agent leaves the room: nothing more runs; a job in flight finishes unheard.
    public func stop() {
        guard !supervisor.isStopped else { return }
        supervisor.stop()
        timer?.stop()
        timer = nil
        metrics.running[setup.agentName, default: 1] -= 1
    }

    private func carryOut(_ actions: [AgentSupervisor.Action]) {
        for action in actions {
            switch action {
            case .run(let job):
                run(job)
            case .publish(let publications):
                publish(publications)
            case .discard(let generation, let failure):
                metrics.count(setup.agentName, failure)
                logger.warning("agent failed, restarting with backoff", metadata: [
                    "agent": "\(setup.agentName)", "room": "\(setup.room)", "failure": "\(failure.rawValue)",
                    "error": "\(supervisor.lastError ?? "")", "generation": "\(generation)",
                ])
                instance = InstanceBox(generation: supervisor.generation, name: setup.agentName)
            }
        }
        armTimer()
    }

    private func run(_ job: AgentSupervisor.Job) {
        let box = instance
        let make = make
        let setup = setup
        let executor = loop.executor
        let this = LoopBound(self)
        box.queue.async {
            let result: Result<[AgentPublication], AgentError>
            do {
                if box.agent == nil { box.agent = try make(setup) }
                result = .success(try box.agent!.handle(job.event))
            } catch let error as AgentError {
                result = .failure(error)
            } catch {
                result = .failure(AgentError("\(error)"))
            }
            executor.execute {
                let host = this.value
                host.carryOut(host.supervisor.finished(job: job.id, result: result, now: SystemClock.monotonicNanoseconds))
            }
        }
    }

    private func armTimer() {
        guard let wake = supervisor.nextWakeup else {
            timer?.stop()
            return
        }
        if timer == nil {
            timer = LoopTimer(loop: loop) { [unowned self] in
                self.carryOut(self.supervisor.tick(now: SystemClock.monotonicNanoseconds))
            }
            timer?.unref()
        }
        let now = SystemClock.monotonicNanoseconds
        let ms = wake > now ? (wake - now + 999_999) / 1_000_000 : 0
        timer?.start(afterMilliseconds: ms)
    }
}

/// One agent instance and the serial queue it runs on. Only that queue touches `agent`,
/// one job at a time, which is what makes the unchecked `Sendable` sound.
final class InstanceBox: @unchecked Sendable {
    let queue: DispatchQueue
    var agent: (any Agent)?

    init(generation: UInt64, name: String) {
        queue = DispatchQueue(label: "wavedefect.agent.\(name).\(generation)")
    }
}

/// Carries a loop-confined object through a `@Sendable` closure that only ever runs on the
/// loop thread (`LoopExecutor.execute`).
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
