#!/usr/bin/env python3
"""Agents per server before the loop's ping RTT degrades (docs/benchmarks.md#agents).

Spawns `wavedefect serve --dev` with the demo catalog, then for each room count N: N rooms, each
with one guest whose token dispatches both shipped agents in-process (roomConfig.agents), the
guest steering its recommender (thumbs, seeds) and sending profile updates at --rate per second.
A probe connection in a room of its own pings the server every 20 ms; the script prints the
probe's RTT p50/p99, the answers the agents sent per second and the server's CPU (from /proc).

    python3 scripts/bench/agents-capacity.py --binary .build/release/wavedefect --rooms 0,10,50,100
"""
import argparse, asyncio, base64, hashlib, hmac, json, os, random, statistics, subprocess, tempfile, time, urllib.request

import websockets


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(identity, room, agents=()):
    now = int(time.time())
    claims = {"iss": "devkey", "sub": identity, "nbf": now - 1, "exp": now + 3600,
              "video": {"room": room, "roomJoin": True, "canPublishData": True}}
    if agents:
        claims["roomConfig"] = {"agents": [{"agentName": a} for a in agents]}
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(b"secret", f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def guest(port, room, stop, answers, ids):
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/rtc?access_token={token('guest', room, ['taste', 'recommender'])}", max_size=None)
    seen = set()
    while len(seen) < 2:
        m = json.loads(await ws.recv())
        for p in m.get("participants", []) + ([m["participant"]] if m.get("type") == "participant_joined" else []):
            if p.get("kind") == "agent":
                seen.add(p["identity"])
    async def reader():
        async for raw in ws:
            m = json.loads(raw)
            if m.get("type") == "data" and m["topic"] in ("recs", "taste"):
                answers[0] += 1
    task = asyncio.create_task(reader())
    return ws, task


async def steer(ws, rate, stop, ids):
    n = 0
    while not stop.is_set():
        n += 1
        kind = n % 3
        if kind == 0:
            payload = {"seeds": random.sample(ids, 2)}
            topic = "recs.control"
        elif kind == 1:
            payload = {"thumb": {"id": random.choice(ids), "up": random.random() < 0.7}}
            topic = "recs.control"
        else:
            payload = {"tracks": [{"id": random.choice(ids)}]}
            topic = "profile"
        await ws.send(json.dumps({"type": "publish", "topic": topic, "payload": payload}))
        await asyncio.sleep(1 / rate)


async def probe(port, seconds):
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/rtc?access_token={token('probe', 'probe-room')}")
    await ws.recv()
    rtts = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        await ws.send('{"type":"ping","id":1}')
        while True:
            m = json.loads(await ws.recv())
            if m.get("type") == "pong":
                break
        rtts.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(0.02)
    await ws.close()
    return rtts


async def run(args, port, pid):
    ids = list(range(1, 25))
    print(f"{'rooms':>6} {'agents':>7} {'rtt_p50_ms':>11} {'rtt_p99_ms':>11} {'answers/s':>10} {'server_cpu_%':>13}")
    for n in args.rooms:
        stop = asyncio.Event()
        answers = [0]
        guests = [await guest(port, f"bench-{n}-{i}", stop, answers, ids) for i in range(n)]
        steerers = [asyncio.create_task(steer(ws, args.rate, stop, ids)) for ws, _ in guests]
        await asyncio.sleep(1)
        answers[0] = 0
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        rtts = await probe(port, args.duration)
        cpu1, t1 = cpu_seconds(pid), time.monotonic()
        got = answers[0]
        stop.set()
        for t in steerers:
            t.cancel()
        for ws, task in guests:
            task.cancel()
            await ws.close()
        rtts.sort()
        p99 = rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))]
        print(f"{n:>6} {2 * n:>7} {statistics.median(rtts):>11.3f} {p99:>11.3f} {got / (t1 - t0):>10.1f} {100 * (cpu1 - cpu0) / (t1 - t0):>13.1f}", flush=True)
        await asyncio.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/wavedefect")
    ap.add_argument("--rooms", default="0,10,50,100", type=lambda s: [int(x) for x in s.split(",")])
    ap.add_argument("--rate", type=float, default=1.0, help="messages per guest per second")
    ap.add_argument("--duration", type=float, default=5.0)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="wd-bench-agents-")
    port_file = os.path.join(d, "port")
    server = subprocess.Popen([args.binary, "serve", "--dev", "--port", "0", "--port-file", port_file, "--log-level", "warning",
                               "--db", os.path.join(d, "bench.sqlite"), "--rooms-dir", d], stderr=subprocess.DEVNULL)
    try:
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            time.sleep(0.05)
        port = int(open(port_file).read())
        while json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")).get("tracks", 0) < 24:
            time.sleep(0.2)
        time.sleep(1)
        asyncio.run(run(args, port, server.pid))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
