#!/usr/bin/env python3
"""Time from the join that creates a room (its token asks for agent NAME through
roomConfig.agents) to the agent's participant_joined, over N fresh rooms: the dispatch, the
worker's join and, for a worker on another node, the Redis read, the offer and the relay
(docs/cluster.md#agent-dispatch-across-nodes). Each room is left before the next, so the
worker runs one job at a time. Needs a running node with --dev keys and a registered worker.
Usage: dispatch_latency.py PORT N [AGENT]"""
import asyncio, json, sys, time, statistics, uuid
import websockets
from livekit import api

port, n = int(sys.argv[1]), int(sys.argv[2])
agent = sys.argv[3] if len(sys.argv) > 3 else "recommender"

def token(room):
    return (api.AccessToken("devkey", "secret").with_identity("bench").with_grants(api.VideoGrants(room_join=True, room=room))
            .with_room_config(api.RoomConfiguration(agents=[api.RoomAgentDispatch(agent_name=agent)])).to_jwt())

async def one():
    room = "dispatch-bench-" + uuid.uuid4().hex[:8]
    async with websockets.connect(f"ws://127.0.0.1:{port}/rtc?access_token={token(room)}") as ws:
        start = None
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if m.get("type") == "joined":
                start = time.perf_counter()
                if any(p.get("identity") == "agent-" + agent for p in m.get("participants", [])):
                    return 0.0
            elif m.get("type") == "participant_joined" and m["participant"]["identity"] == "agent-" + agent:
                return (time.perf_counter() - start) * 1000

async def main():
    for _ in range(3): await one()
    samples = sorted([await one() for _ in range(n)])
    print(f"n={n} p50={samples[n//2]:.1f} ms p90={samples[int(n*0.9)-1]:.1f} ms max={samples[-1]:.1f} ms mean={statistics.mean(samples):.1f} ms")

asyncio.run(main())
