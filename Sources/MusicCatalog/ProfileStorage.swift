/// Where taste profiles and room hosts are kept: the catalog's SQLite file when the server runs
/// alone (`Catalog` conforms), Redis in a cluster (docs/cluster.md), so every node sees the
/// same ones. Chosen once at start; callers run off the loop thread (calls may block).
///
/// Every implementation keeps the rules of `Catalog`'s (Catalog+Profiles): a profile lists
/// each track once, in the order tracks were first added; a write naming a track the catalog
/// lacks, or with a weight that is not positive and finite, fails whole
/// (`CatalogError.unknownTrack`, `.invalidProfileTrack`); a deleted track leaves every profile.
public protocol ProfileStorage: Sendable {
    /// The stored profile of `identity` (empty when none), in insertion order.
    func profile(identity: String) throws -> [ProfileTrack]
    /// Adds tracks; a track already in the profile takes the new weight, source and time and
    /// keeps its place.
    func extendProfile(identity: String, with tracks: [ProfileTrack]) throws
    /// Makes the profile exactly `tracks`.
    func replaceProfile(identity: String, with tracks: [ProfileTrack]) throws
    /// Replaces only the entries of one source, keeping what came from others.
    func replaceProfile(identity: String, source: String, with tracks: [ProfileTrack]) throws
    /// Removes tracks from the profile (ids not in it are ignored).
    func removeFromProfile(identity: String, trackIDs: [Int64]) throws
    /// Records who hosts `room`.
    func setRoomHost(room: String, identity: String) throws
    func roomHost(room: String) throws -> String?
}

extension Catalog: ProfileStorage {}
