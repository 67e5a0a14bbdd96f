import Foundation

/// Child processes of the test run (servers, agents) that must not outlive it. A test that
/// throws drops its `ServerProcess` or `AgentProcess`, whose deinit kills the child; this
/// covers the runner itself ending first: `exit` with such objects never released, a crash,
/// SIGTERM or SIGINT. (The webhook receiver watches its standard input instead, which covers
/// even a SIGKILL of the runner.)
public enum ChildProcesses {
    private static let capacity = 512
    /// Plain memory, because a signal handler reads it: no lock, no allocation there.
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()
    /// The handlers these replace, called after the children are gone (crash reports still print).
    nonisolated(unsafe) private static var previous = Array<sigaction>(repeating: .init(), count: 65)
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false
    private static let fatalSignals = [SIGABRT, SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGTERM, SIGINT, SIGHUP]

    public static func register(_ pid: Int32) {
        lock.lock()
        defer { lock.unlock() }
        installOnce()
        for i in 0..<capacity where slots[i] == 0 {
            slots[i] = pid
            return
        }
    }

    public static func forget(_ pid: Int32) {
        lock.lock()
        defer { lock.unlock() }
        for i in 0..<capacity where slots[i] == pid { slots[i] = 0 }
    }

    /// SIGKILL to every registered child (async-signal-safe: `kill` only).
    public static func killAll() {
        for i in 0..<capacity where slots[i] > 0 { kill(slots[i], SIGKILL) }
    }

    private static func installOnce() {
        guard !installed else { return }
        installed = true
        atexit { ChildProcesses.killAll() }
        for sig in fatalSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                ChildProcesses.killAll()
                // Hand the signal to whoever handled it before (the runtime's crash reporter,
                // or the default action) once this handler returns.
                var old = ChildProcesses.previous[Int(sig)]
                sigaction(sig, &old, nil)
                raise(sig)
            }
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, &previous[Int(sig)])
        }
    }
}
