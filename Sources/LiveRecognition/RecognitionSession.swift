/// One participant's stream as the recognizer follows it: a sliding window of the latest
/// audio, the audio clock, when to query, and what to publish — a pure state machine, fed
/// samples and query outcomes, reading no clock (its time is the audio it heard).
///
/// What it publishes (docs/recognition.md#live-recognition-in-a-room): `listening` when the stream starts; `match`
/// as soon as a query is significant, and again only when the matched track changes;
/// `no_match` once `noMatchAfter` seconds of audio passed without a significant query (from
/// the start, or since the last match). Identical answers are never repeated.
public struct RecognitionSession: Sendable {
    public enum State: String, Sendable, Equatable {
        case listening
        case match
        case noMatch = "no_match"
    }

    /// What one query found: the matched track's id, or nil, and every other candidate that
    /// passed the significance test too (copies of one recording: a re-release, a remaster,
    /// a demo track that shares its intro with another).
    public struct Outcome: Sendable, Equatable {
        public var trackID: Int64?
        public var alsoSignificant: [Int64]

        public init(trackID: Int64?, alsoSignificant: [Int64] = []) {
            self.trackID = trackID
            self.alsoSignificant = alsoSignificant
        }
    }

    /// An answer to publish.
    public struct Answer: Sendable, Equatable {
        public var state: State
        public var elapsedSeconds: Double
        /// The matched track (for `match`).
        public var trackID: Int64?
        /// Why the stream cannot be recognized (an undecodable stream), for `no_match`.
        public var error: String?

        public init(state: State, elapsedSeconds: Double, trackID: Int64? = nil, error: String? = nil) {
            self.state = state
            self.elapsedSeconds = elapsedSeconds
            self.trackID = trackID
            self.error = error
        }
    }

    public let settings: RecognizerSettings
    public let sampleRate: Int
    /// The latest `windowSeconds` of audio, oldest first.
    public private(set) var window: [Float] = []
    /// Samples heard since the stream started.
    public private(set) var heard = 0
    private var lastQueryAt: Int?
    private var lastSignificantAt = 0
    private var published: (state: State, trackID: Int64?)?
    /// Set once the stream failed: nothing more is queried.
    public private(set) var failed = false

    public init(settings: RecognizerSettings, sampleRate: Int) {
        self.settings = settings
        self.sampleRate = sampleRate
        window.reserveCapacity(windowCapacity)
    }

    private var windowCapacity: Int { Int(settings.windowSeconds * Double(sampleRate)) }

    public var elapsedSeconds: Double { Double(heard) / Double(sampleRate) }

    /// The `listening` answer, once, when the stream starts.
    public mutating func start() -> Answer? {
        publish(.listening, trackID: nil)
    }

    /// Appends samples, dropping the oldest beyond the window.
    public mutating func append(_ samples: [Float]) {
        guard !failed, !samples.isEmpty else { return }
        heard += samples.count
        let capacity = windowCapacity
        if samples.count >= capacity {
            window = Array(samples.suffix(capacity))
            return
        }
        let overflow = window.count + samples.count - capacity
        if overflow > 0 { window.removeFirst(overflow) }
        window.append(contentsOf: samples)
    }

    /// True when a query is due: `firstQueryAfter` seconds heard, then every `queryInterval`.
    public var queryDue: Bool {
        guard !failed else { return false }
        let first = Int(settings.firstQueryAfter * Double(sampleRate))
        guard heard >= first else { return false }
        guard let last = lastQueryAt else { return true }
        return heard - last >= Int(settings.queryInterval * Double(sampleRate))
    }

    /// Records a query's outcome over the current window; returns the answer to publish, if
    /// it differs from the last one. A published match stays while it is still significant,
    /// even when another copy of the recording scores a little higher: two copies that
    /// trade places from one query to the next would otherwise flip the answer every second.
    public mutating func record(_ outcome: Outcome) -> Answer? {
        lastQueryAt = heard
        if let id = outcome.trackID {
            lastSignificantAt = heard
            if let p = published, p.state == .match, let current = p.trackID, outcome.alsoSignificant.contains(current) {
                return nil
            }
            return publish(.match, trackID: id)
        }
        if Double(heard - lastSignificantAt) / Double(sampleRate) >= settings.noMatchAfter {
            return publish(.noMatch, trackID: nil)
        }
        return nil
    }

    /// The stream cannot be decoded: `no_match` with the reason, and nothing more.
    public mutating func fail(_ reason: String) -> Answer? {
        guard !failed else { return nil }
        failed = true
        window = []
        published = (.noMatch, nil)
        return Answer(state: .noMatch, elapsedSeconds: elapsedSeconds, trackID: nil, error: reason)
    }

    private mutating func publish(_ state: State, trackID: Int64?) -> Answer? {
        if let p = published, p.state == state, p.trackID == trackID { return nil }
        published = (state, trackID)
        return Answer(state: state, elapsedSeconds: elapsedSeconds, trackID: trackID, error: nil)
    }
}
