#!/bin/sh
# Regenerates Sources/LiveKitProtocol/ (Swift for LiveKit's protobuf messages) from a checkout
# of https://github.com/livekit/protocol with Apple's swift-protobuf code generator.
#
# Usage: scripts/gen-protos.sh PATH/TO/livekit-protocol [PATH/TO/protoc-gen-swift]
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift of the same swift-protobuf
# version as Package.swift (build it with `swift build -c release --product protoc-gen-swift`
# in a swift-protobuf checkout), given as the second argument, $PROTOC_GEN_SWIFT, or on PATH.
# Only the messages the server speaks are generated: the three files below and what they import.
set -eu

checkout=${1:?usage: scripts/gen-protos.sh PATH/TO/livekit-protocol [PATH/TO/protoc-gen-swift]}
plugin=${2:-${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}}
[ -n "$plugin" ] && [ -x "$plugin" ] || { echo "protoc-gen-swift not found: pass its path" >&2; exit 1; }
command -v protoc >/dev/null || { echo "protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }

protos="$checkout/protobufs"
[ -f "$protos/livekit_room.proto" ] || { echo "$protos/livekit_room.proto not found" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/Sources/LiveKitProtocol"

# The closure of the imports of what we serve (RoomService, AgentDispatchService).
wanted="livekit_room.proto livekit_models.proto livekit_agent_dispatch.proto"
files=""
queue=$wanted
while [ -n "$queue" ]; do
    set -- $queue
    f=$1; shift; queue="$*"
    case " $files " in *" $f "*) continue ;; esac
    case "$f" in google/protobuf/*) continue ;; esac  # well-known types ship with SwiftProtobuf
    files="$files $f"
    imports=$(sed -n 's/^import "\(.*\)";.*/\1/p' "$protos/$f")
    queue="$queue $imports"
done

rm -f "$out"/*.pb.swift
mkdir -p "$out"
# shellcheck disable=SC2086
(cd "$protos" && protoc --plugin=protoc-gen-swift="$plugin" \
    --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
    --swift_out="$out" $files)

revision=$(git -C "$checkout" rev-parse HEAD 2>/dev/null || echo unknown)
cat > "$out/LiveKitProtocolSource.swift" <<SWIFT
// Written by scripts/gen-protos.sh; do not edit.

/// Where the generated messages of this module come from.
public enum LiveKitProtocolSource {
    /// The livekit/protocol commit the .proto files were taken from.
    public static let revision = "$revision"
    /// The .proto files compiled (the three the server serves and their imports).
    public static let files = "$(echo $files | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
}
SWIFT
echo "generated $(ls "$out"/*.pb.swift | wc -l) files in $out from livekit/protocol $revision"
