#!/bin/bash
# Times the demo catalog build on make run's path: the release binary's `serve --dev` on a fresh data dir.
set -e
cd "$(dirname "$0")/../.."
B=.build/release/wavedefect
D=$(mktemp -d /tmp/wd-makerun-XXXX)
start=$(date +%s.%N)
/usr/bin/time -f "serve process: %e s wall, %U s user, %S s sys" $B serve --dev --port 0 --port-file $D/port --db $D/data/wavedefect.sqlite --rooms-dir rooms --web-root web > $D/log 2>&1 &
pid=$!
until grep -q "demo catalog ready\|demo catalog failed" $D/log 2>/dev/null; do sleep 0.05; done
end=$(date +%s.%N)
echo "demo catalog ready after $(echo "$end - $start" | bc) s (from launch)"
grep "demo catalog" $D/log
kill -INT $(pgrep -P $pid) 2>/dev/null || kill -INT $pid
wait $pid || true
grep "serve process" $D/log
du -sh $D/data/demo
rm -rf $D
