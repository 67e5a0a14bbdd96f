#!/usr/bin/env python3
"""Latency of a Twirp call answered by the room's node itself vs forwarded to it through Redis
(docs/cluster.md#cluster-wide-admin-twirp). Needs two running nodes of one cluster (--dev keys).
Usage: forward_latency.py PORT_A PORT_B ROOM N   (the room is created on node A)"""
import http.client, json, sys, time, statistics
from livekit import api

port_a, port_b, room, n = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
token = api.AccessToken("devkey", "secret").with_identity("bench").with_grants(
    api.VideoGrants(room_admin=True, room=room, room_create=True)).to_jwt()

def call(port, method, body):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", f"/twirp/livekit.RoomService/{method}", json.dumps(body),
              {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse(); data = r.read(); c.close()
    return r.status, data

status, _ = call(port_a, "CreateRoom", {"name": room})
assert status == 200
time.sleep(2)  # the lease is claimed
for label, port in (("local (node A)", port_a), ("forwarded (B -> A)", port_b)):
    for _ in range(20): call(port, "ListParticipants", {"room": room})
    samples = []
    for _ in range(n):
        t = time.perf_counter(); s, _ = call(port, "ListParticipants", {"room": room}); samples.append((time.perf_counter() - t) * 1000)
        assert s == 200, s
    samples.sort()
    print(f"{label}: n={n} p50={samples[n//2]:.2f} ms p99={samples[int(n*0.99)-1]:.2f} ms mean={statistics.mean(samples):.2f} ms")
