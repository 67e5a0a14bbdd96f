"""An independent client: Python `websockets` speaking to the real server, with tokens minted
by LiveKit's own server SDK (livekit-api). Exits non-zero on the first failed check.

Usage: python3 client_test.py PORT
"""
import asyncio
import json
import sys

import websockets
from livekit import api

PORT = int(sys.argv[1])
URL = f"ws://127.0.0.1:{PORT}/rtc"


def token(identity, room="py-room", **grants):
    g = api.VideoGrants(room_join=True, room=room, **grants)
    return (
        api.AccessToken("devkey", "secret")
        .with_identity(identity)
        .with_name(identity.title())
        .with_grants(g)
        .to_jwt()
    )


async def recv_type(ws, wanted, timeout=5):
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if msg["type"] == wanted:
            return msg


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


async def main():
    async with websockets.connect(f"{URL}?access_token={token('alice')}") as alice:
        joined = json.loads(await alice.recv())
        check(joined["type"] == "joined", "first message is joined")
        check(joined["participant"]["identity"] == "alice", "joined names us")
        check(joined["participant"]["name"] == "Alice", "name from the LiveKit token")

        await alice.send(json.dumps({"type": "ping", "id": 1, "t": 99.5}))
        pong = await recv_type(alice, "pong")
        check(pong["id"] == 1 and pong["t"] == 99.5 and pong["server_t"] > 0, "pong echoes id and t")

        # websockets' own keepalive ping is answered (the library raises if not).
        latency = await alice.ping()
        await asyncio.wait_for(latency, 5)
        check(True, "protocol-level ping answered")

        async with websockets.connect(f"{URL}?access_token={token('bob', can_publish_data=False)}") as bob:
            b_joined = json.loads(await bob.recv())
            check([p["identity"] for p in b_joined["participants"]] == ["alice"], "bob sees alice")
            pj = await recv_type(alice, "participant_joined")
            check(pj["participant"]["identity"] == "bob", "alice sees bob join")

            await alice.send(json.dumps({"type": "publish", "topic": "chat", "payload": {"text": "héllo", "n": [1, 2]}}))
            data = await recv_type(bob, "data")
            check(data["from"] == "alice" and data["payload"] == {"text": "héllo", "n": [1, 2]}, "bob receives alice's data")

            await bob.send(json.dumps({"type": "publish", "topic": "chat", "payload": 1, "id": "x"}))
            err = await recv_type(bob, "error")
            check(err["code"] == "forbidden" and err["id"] == "x", "canPublishData=false is refused")

            await bob.send("{not json")
            err = await recv_type(bob, "error")
            check(err["code"] == "bad_json", "bad JSON is an error, connection stays")

            # The participant list in pages (what a crowded room's clients use), in any room.
            await bob.send(json.dumps({"type": "participants", "limit": 10, "id": "pg"}))
            page = await recv_type(bob, "participants")
            check(page["id"] == "pg" and [p["identity"] for p in page["participants"]] == ["alice"]
                  and page["participants_total"] == 2 and page["next"] is None, "a page of the participant list")

        left = await recv_type(alice, "participant_left")
        check(left["participant"]["identity"] == "bob" and left["reason"] == "client_leave", "alice sees bob leave")

        # A fragmented text message from a client that is not ours.
        await alice.send(iter(['{"type":"ping",', '"id":"frag"}']))
        check((await recv_type(alice, "pong"))["id"] == "frag", "fragmented message reassembled")

    # A bad token is refused with 401 before the upgrade.
    try:
        async with websockets.connect(f"{URL}?access_token=bad"):
            check(False, "bad token refused")
    except websockets.InvalidStatus as e:
        check(e.response.status_code == 401, "bad token → 401")

    # The close handshake: the server echoes our code.
    ws = await websockets.connect(f"{URL}?access_token={token('carol')}")
    await ws.recv()
    await ws.close(code=1000, reason="bye")
    check(ws.close_code == 1000, "close code echoed")
    print("all python checks passed")


asyncio.run(main())
