import EventLoop
import Logging
import MusicIndex

/// A read-only node's index follows the shared catalog (docs/cluster.md#the-catalog): every
/// `catalog_refresh_interval` seconds a `LiveIndexRefresh` runs on the thread pool — never on
/// the loop — and tracks the ingesting node added become searchable here without a restart.
/// One refresh at a time: a tick that finds the last one still running is skipped.
final class CatalogRefresher {
    private let refresh: LiveIndexRefresh
    private let logger: Logger
    private var timer: LoopTimer?
    private var running = false

    init(loop: EventLoop, refresh: LiveIndexRefresh, seconds: Double, logger: Logger) {
        self.refresh = refresh
        self.logger = logger
        let every = UInt64(seconds * 1000)
        let timer = LoopTimer(loop: loop) { [unowned self, unowned loop] in self.tick(loop) }
        timer.start(afterMilliseconds: every, repeatMilliseconds: every)
        self.timer = timer
    }

    private func tick(_ loop: EventLoop) {
        guard !running else { return }
        running = true
        let refresh = self.refresh
        loop.submit(work: { () -> Result<LiveIndexRefresh.Change, MusicLibraryError> in
            do {
                return .success(try refresh.refresh())
            } catch {
                return .failure(MusicLibraryError(message: "\(error)"))
            }
        }, then: { [weak self] result in
            guard let self else { return }
            self.running = false
            switch result {
            case .success(.unchanged): break
            case .success(.added(let n)):
                self.logger.info("catalog refreshed: new tracks added to the index", metadata: ["added": "\(n)", "tracks": "\(refresh.index.count)"])
            case .success(.reloaded(let n)):
                self.logger.info("catalog refreshed: index loaded again", metadata: ["tracks": "\(n)"])
            case .failure(let error):
                self.logger.warning("catalog refresh failed; trying again at the next tick", metadata: ["error": "\(error.message)"])
            }
        })
    }

    /// Shutdown: no more ticks (a refresh in flight finishes on the pool).
    func stop() {
        timer?.stop()
        timer = nil
    }
}
