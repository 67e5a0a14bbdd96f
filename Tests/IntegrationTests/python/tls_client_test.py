"""An independent client over TLS: Python's `websockets` and `ssl` against the real server
with the test CA. Exits non-zero on the first failed check.

Usage: python3 tls_client_test.py PORT CA_FILE
"""
import asyncio
import json
import ssl
import sys

import websockets
from livekit import api

PORT = int(sys.argv[1])
CA = sys.argv[2]
URL = f"wss://127.0.0.1:{PORT}/rtc"


def token(identity, room="tls-py-room"):
    g = api.VideoGrants(room_join=True, room=room)
    return api.AccessToken("devkey", "secret").with_identity(identity).with_grants(g).to_jwt()


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def context(maximum=None):
    ctx = ssl.create_default_context(cafile=CA)
    ctx.set_alpn_protocols(["http/1.1"])
    if maximum is not None:
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = maximum
        if maximum < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


async def recv_type(ws, wanted, timeout=10):
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if msg["type"] == wanted:
            return msg


async def main():
    async with websockets.connect(f"{URL}?access_token={token('py-tls')}", ssl=context(), max_size=None) as ws:
        joined = json.loads(await ws.recv())
        check(joined["type"] == "joined", "joined over wss://")
        tls = ws.transport.get_extra_info("ssl_object")
        check(tls.version() == "TLSv1.3", f"TLS 1.3 by default (got {tls.version()})")
        check(tls.selected_alpn_protocol() == "http/1.1", "ALPN http/1.1")
        await ws.send(json.dumps({"type": "ping", "id": 7, "t": 1.5}))
        pong = await recv_type(ws, "pong")
        check(pong.get("id") == 7, "pong over wss://")
        # 17 MiB in one message: the server closes with 1009 while we are still sending, and
        # the close frame must still reach us through TLS (not a reset).
        code = None
        try:
            await ws.send("x" * (17 << 20))
            while True:
                await asyncio.wait_for(ws.recv(), 30)
        except websockets.ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd else None
        check(code == 1009, f"oversized message closed with 1009 over TLS (got {code})")

    async with websockets.connect(f"{URL}?access_token={token('py-tls12')}", ssl=context(ssl.TLSVersion.TLSv1_2)) as ws:
        joined = json.loads(await ws.recv())
        tls = ws.transport.get_extra_info("ssl_object")
        check(joined["type"] == "joined" and tls.version() == "TLSv1.2", "TLS 1.2 accepted")

    try:
        async with websockets.connect(f"{URL}?access_token={token('py-tls11')}", ssl=context(ssl.TLSVersion.TLSv1_1)):
            check(False, "TLS 1.1 refused")
    except (ssl.SSLError, OSError) as e:
        check(True, f"TLS 1.1 refused ({type(e).__name__})")

    try:
        async with websockets.connect(f"{URL}?access_token={token('py-noca')}", ssl=ssl.create_default_context()):
            check(False, "a client without the test CA refuses the certificate")
    except ssl.SSLCertVerificationError:
        check(True, "a client without the test CA refuses the certificate")

    print("all TLS checks passed")


asyncio.run(main())
