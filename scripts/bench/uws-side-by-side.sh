#!/usr/bin/env bash
# Side-by-side benchmark: our server against a uWebSockets pub/sub server, both under the same
# independent client (scripts/bench/side-by-side/wsload.c), alternating runs, server CPU from
# /proc. Method and figures: docs/benchmarks.md ("Side by side with uWebSockets").
#
#   scripts/bench/uws-side-by-side.sh [side_by_side.py options]
#
# uWebSockets and uSockets are built from source in a temporary folder (removed on exit,
# never committed). Where the sources come from, first match wins:
#   UWS_SRC / USOCKETS_SRC   a checkout or a bare git directory of each
#                            (e.g. /work/.mirror/uNetworking+uWebSockets/repo)
#   otherwise                git clone from GitHub (needs the network)
# Other settings: WAVEDEFECT (our binary; default .build/release/wavedefect, built if
# missing), CC / CXX. Not part of the test suite: it takes minutes and prints numbers.
#
# Examples:
#   scripts/bench/uws-side-by-side.sh                                  # 500×400/s and 1000×200/s, 3 runs each
#   scripts/bench/uws-side-by-side.sh --loads 500x400 --runs 5 --perf  # plus perf's user-space share
#   scripts/bench/uws-side-by-side.sh --loads "" --idle 10000,19000    # idle memory, ping RTT
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
CC="${CC:-gcc}"
CXX="${CXX:-g++}"
ours="${WAVEDEFECT:-$root/.build/release/wavedefect}"

work="$(mktemp -d /tmp/uws-side-by-side.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# Copies a source tree (a checkout or a bare git directory) into $2.
import_source() {
    local src="$1" dest="$2"
    mkdir -p "$dest"
    if [ -e "$src/.git" ]; then
        git -C "$src" archive HEAD | tar -x -C "$dest"
    elif [ -f "$src/HEAD" ] && git --git-dir="$src" rev-parse HEAD >/dev/null 2>&1; then
        git --git-dir="$src" archive HEAD | tar -x -C "$dest"
    else
        cp -a "$src/." "$dest/"
    fi
}

# The commit of a source (checkout, bare git directory) or "unknown".
revision() {
    git -C "$1" rev-parse HEAD 2>/dev/null || git --git-dir="$1" rev-parse HEAD 2>/dev/null || echo unknown
}

echo "building uWebSockets + uSockets in $work" >&2
if [ -n "${UWS_SRC:-}" ]; then
    import_source "$UWS_SRC" "$work/uWebSockets"
else
    git clone --depth 1 https://github.com/uNetworking/uWebSockets "$work/uWebSockets" >&2
fi
rm -rf "$work/uWebSockets/uSockets"
if [ -n "${USOCKETS_SRC:-}" ]; then
    import_source "$USOCKETS_SRC" "$work/uWebSockets/uSockets"
else
    git clone --depth 1 https://github.com/uNetworking/uSockets "$work/uWebSockets/uSockets" >&2
fi
uws_rev="$(revision "${UWS_SRC:-$work/uWebSockets}") / uSockets $(revision "${USOCKETS_SRC:-$work/uWebSockets/uSockets}")"
(
    cd "$work/uWebSockets/uSockets"
    # uSockets' own Makefile flags for a no-TLS build: epoll, -O3, LTO.
    $CC -DLIBUS_NO_SSL -std=c11 -Isrc -O3 -flto -c src/*.c src/eventing/*.c src/crypto/*.c
)
$CXX -std=c++20 -O3 -flto -DUWS_NO_ZLIB -DLIBUS_NO_SSL -I"$work/uWebSockets/src" -I"$work/uWebSockets/uSockets/src" \
    "$here/side-by-side/uws_pubsub.cpp" "$work"/uWebSockets/uSockets/*.o -o "$work/uws_pubsub"
$CC -O2 -Wall -o "$work/wsload" "$here/side-by-side/wsload.c"

if [ ! -x "$ours" ]; then
    echo "building $ours" >&2
    (cd "$root" && swift build -c release --product wavedefect >&2)
fi

echo "# uWebSockets $uws_rev; ours $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$here/side-by-side/side_by_side.py" --ours "$ours" --uws "$work/uws_pubsub" --wsload "$work/wsload" "$@"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
