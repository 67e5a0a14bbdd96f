import RoomCore
import WireJSON

/// LiveKit's protobuf messages as protojson with proto field names (snake_case), the shape
/// of its Twirp JSON API and webhooks: int64 fields are strings, enums are names, maps are
/// objects.
enum LiveKitJSON {
    /// `nodeID`: in a cluster, the node the room lives on (docs/cluster.md).
    static func writeRoom(_ r: RoomSnapshot, to w: inout JSONWriter, nodeID: String? = nil) {
        w.beginObject()
        w.key("sid"); w.string(r.sid)
        w.key("name"); w.string(r.name)
        w.key("empty_timeout"); w.int(Int64(r.emptyTimeout.rounded()))
        w.key("departure_timeout"); w.int(Int64(r.departureTimeout.rounded()))
        w.key("max_participants"); w.int(r.maxParticipants)
        w.key("creation_time"); w.string(String(r.creationTimeMilliseconds / 1000))
        w.key("creation_time_ms"); w.string(String(r.creationTimeMilliseconds))
        w.key("metadata"); w.string(r.metadata)
        w.key("num_participants"); w.int(r.numParticipants)
        w.key("num_publishers"); w.int(0)
        w.key("active_recording"); w.bool(false)
        if let nodeID { w.key("node_id"); w.string(nodeID) }
        w.endObject()
    }

    static func writeParticipant(_ p: ParticipantSnapshot, to w: inout JSONWriter) {
        w.beginObject()
        w.key("sid"); w.string(p.sid)
        w.key("identity"); w.string(p.identity)
        w.key("state"); w.string(p.state)
        w.key("metadata"); w.string(p.metadata)
        w.key("joined_at"); w.string(String(p.joinedAtMilliseconds / 1000))
        w.key("joined_at_ms"); w.string(String(p.joinedAtMilliseconds))
        w.key("name"); w.string(p.name)
        w.key("kind"); w.string(p.kind == "agent" ? "AGENT" : "STANDARD")
        w.key("attributes")
        w.beginObject()
        for (k, v) in p.attributes.sorted(by: { $0.key < $1.key }) {
            w.key(k)
            w.string(v)
        }
        w.endObject()
        w.key("permission")
        w.beginObject()
        w.key("can_subscribe"); w.bool(p.permissions.canSubscribe)
        w.key("can_publish"); w.bool(true)
        w.key("can_publish_data"); w.bool(p.permissions.canPublishData)
        w.key("hidden"); w.bool(p.permissions.hidden)
        w.key("can_update_metadata"); w.bool(p.permissions.canUpdateOwnMetadata)
        w.key("agent"); w.bool(p.kind == "agent")
        w.endObject()
        w.key("is_publisher"); w.bool(false)
        w.endObject()
    }
}
