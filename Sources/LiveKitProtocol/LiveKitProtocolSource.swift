// Written by scripts/gen-protos.sh; do not edit.

/// Where the generated messages of this module come from.
public enum LiveKitProtocolSource {
    /// The livekit/protocol commit the .proto files were taken from.
    public static let revision = "d74e7cdb9835928ffa9c6bc6b3e4c7f07de61c43"
    /// The .proto files compiled (the three the server serves and their imports).
    public static let files = "livekit_agent.proto livekit_agent_dispatch.proto livekit_egress.proto livekit_metrics.proto livekit_models.proto livekit_room.proto logger/options.proto"
}
