/// What a page shows of a track, and what pockets are labelled from.
public struct TrackInfo: Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var artist: String
    /// Album, or for the demo catalog the style: pockets prefer it as a label when it sets a
    /// pocket apart.
    public var album: String

    public init(id: Int64, title: String = "", artist: String = "", album: String = "") {
        self.id = id
        self.title = title
        self.artist = artist
        self.album = album
    }

    /// "Title" by "Artist", for one-line explanations.
    public var displayName: String {
        switch (title.isEmpty, artist.isEmpty) {
        case (false, false): return "\(title) – \(artist)"
        case (false, true): return title
        case (true, false): return "track \(id) – \(artist)"
        case (true, true): return "track \(id)"
        }
    }
}

/// Metadata of catalog tracks by id. A snapshot the agent builds from the catalog (and
/// refreshes when the catalog grows); a track it does not know is shown by id only.
public struct TrackDirectory: Sendable {
    private var byID: [Int64: TrackInfo]

    public init(_ tracks: [TrackInfo] = []) {
        byID = Dictionary(tracks.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
    }

    public subscript(id: Int64) -> TrackInfo { byID[id] ?? TrackInfo(id: id) }

    public func contains(_ id: Int64) -> Bool { byID[id] != nil }

    public var count: Int { byID.count }

    public mutating func insert(_ track: TrackInfo) { byID[track.id] = track }
}
