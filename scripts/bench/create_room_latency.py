#!/usr/bin/env python3
"""Latency of Twirp CreateRoom for new room names (docs/cluster.md#rooms-pinned-to-nodes): on a
node alone, on a cluster node that takes the room's lease first (one Redis round trip before the
room is created), and through a node whose lease script finds the room on another node (the call
is handed there). Needs running servers with --dev keys.
Usage: create_room_latency.py N ALONE_PORT NODE_A_PORT NODE_B_PORT"""
import http.client, json, sys, time, statistics, uuid
from livekit import api

n, alone, port_a, port_b = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
token = api.AccessToken("devkey", "secret").with_identity("bench").with_grants(
    api.VideoGrants(room_create=True)).to_jwt()

def create(port, name):
    c = http.client.HTTPConnection("127.0.0.1", port)
    t = time.perf_counter()
    c.request("POST", "/twirp/livekit.RoomService/CreateRoom", json.dumps({"name": name, "empty_timeout": 1}),
              {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse(); data = r.read(); c.close()
    assert r.status == 200, (r.status, data)
    return (time.perf_counter() - t) * 1000, json.loads(data).get("node_id")

def run(label, port, before=None):
    samples = []
    for i in range(n):
        name = f"bench-{uuid.uuid4().hex[:12]}"
        if before: before(name)
        ms, node = create(port, name)
        samples.append(ms)
    samples.sort()
    print(f"{label}: n={n} p50={samples[n//2]:.2f} ms p99={samples[int(n*0.99)-1]:.2f} ms mean={statistics.mean(samples):.2f} ms")

for _ in range(20): create(alone, f"warm-{uuid.uuid4().hex[:12]}"); create(port_a, f"warm-{uuid.uuid4().hex[:12]}")
run("node alone", alone)
run("cluster node, lease taken here", port_a)
# The room is first created on node A; CreateRoom for it on node B finds A's lease and hands the call over.
run("through node B, room on node A", port_b, before=lambda name: create(port_a, name))
