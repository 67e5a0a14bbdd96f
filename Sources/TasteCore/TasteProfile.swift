/// Where a profile entry came from. Open-ended (a string on the wire and in SQLite), with the
/// sources the server itself writes as constants.
public struct ProfileSource: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Published by the participant on the `profile` topic.
    public static let profile = ProfileSource(rawValue: "profile")
    /// Given as a recommender seed.
    public static let seed = ProfileSource(rawValue: "seed")
    /// Thumbed up in the recommender.
    public static let thumb = ProfileSource(rawValue: "thumb")
    /// The participant's Spotify top tracks.
    public static let spotifyTop = ProfileSource(rawValue: "spotify_top")
    /// Listed in a room definition's `host_profile`.
    public static let hostProfile = ProfileSource(rawValue: "host_profile")

    public var description: String { rawValue }
}

/// One catalog track in a taste profile.
public struct ProfileEntry: Sendable, Equatable {
    public var trackID: Int64
    /// Relative importance inside the profile (> 0); 1 for a plain listed track.
    public var weight: Double
    public var source: ProfileSource
    /// Unix time in seconds.
    public var addedAt: Double

    public init(trackID: Int64, weight: Double = 1, source: ProfileSource, addedAt: Double) {
        self.trackID = trackID
        self.weight = weight
        self.source = source
        self.addedAt = addedAt
    }
}

/// A participant's taste: a set of catalog tracks, each at most once, in the order they were
/// first added (so lists drawn from it are stable as it grows).
public struct TasteProfile: Sendable, Equatable {
    public private(set) var entries: [ProfileEntry] = []
    private var position: [Int64: Int] = [:]

    public init() {}

    /// Later entries for a track already listed replace the earlier one.
    public init(_ entries: [ProfileEntry]) {
        extend(with: entries)
    }

    /// Plain tracks of one source, all at weight 1 and the same time.
    public init(trackIDs: [Int64], source: ProfileSource = .profile, addedAt: Double = 0) {
        self.init(trackIDs.map { ProfileEntry(trackID: $0, source: source, addedAt: addedAt) })
    }

    public static func == (a: TasteProfile, b: TasteProfile) -> Bool { a.entries == b.entries }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    public var trackIDs: [Int64] { entries.map(\.trackID) }

    public func contains(_ trackID: Int64) -> Bool { position[trackID] != nil }

    public func entry(for trackID: Int64) -> ProfileEntry? { position[trackID].map { entries[$0] } }

    /// Adds tracks; a track already present takes the new weight, source and time but keeps
    /// its place.
    public mutating func extend(with newEntries: [ProfileEntry]) {
        for entry in newEntries {
            if let i = position[entry.trackID] {
                entries[i] = entry
            } else {
                position[entry.trackID] = entries.count
                entries.append(entry)
            }
        }
    }

    public mutating func replace(with newEntries: [ProfileEntry]) {
        entries = []
        position = [:]
        extend(with: newEntries)
    }

    /// Drops every entry of `source` (a room definition's host profile being re-applied).
    public mutating func remove(source: ProfileSource) {
        let kept = entries.filter { $0.source != source }
        replace(with: kept)
    }
}
