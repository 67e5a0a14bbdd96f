"""The room admin API checked with LiveKit's own protobuf classes: requests are LiveKit's
messages serialized by protobuf's json_format, responses are parsed back strictly into
LiveKit's messages (an unknown or misnamed field fails the parse).

Usage: python3 admin_test.py PORT
"""
import asyncio
import base64
import json
import sys
import urllib.error
import urllib.request

import websockets
from google.protobuf import json_format
from livekit import api
from livekit.protocol import models, room as room_pb

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}/twirp/livekit.RoomService/"


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def admin_token(**grants):
    return api.AccessToken("devkey", "secret").with_identity("admin").with_grants(api.VideoGrants(**grants)).to_jwt()


def join_token(identity, room):
    return (
        api.AccessToken("devkey", "secret")
        .with_identity(identity)
        .with_grants(api.VideoGrants(room_join=True, room=room))
        .to_jwt()
    )


def post(method, body, token, content_type="application/json"):
    data = body if isinstance(body, bytes) else body.encode()
    req = urllib.request.Request(BASE + method, data=data, method="POST")
    req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def call(method, message, response_cls, token):
    status, body = post(method, json_format.MessageToJson(message, preserving_proto_field_name=True), token)
    check(status == 200, f"{method} → 200 (got {status}: {body[:200]})")
    return json_format.Parse(body, response_cls())  # strict: unknown fields raise


def expect_error(method, body, token, status, code, content_type="application/json"):
    got_status, got = post(method, body, token, content_type)
    err = json.loads(got)
    check(got_status == status and err.get("code") == code and err.get("msg"), f"{method} → {status} {code} ({got_status} {got[:120]})")


async def recv_type(ws, wanted, timeout=5):
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(raw, bytes):
            if wanted == "binary":
                return raw
            continue
        msg = json.loads(raw)
        if msg["type"] == wanted:
            return msg


async def main():
    creator = admin_token(room_create=True, room_list=True)
    r = call("CreateRoom", room_pb.CreateRoomRequest(name="admin-room", empty_timeout=120, max_participants=7, metadata="m1"), models.Room, creator)
    check(r.name == "admin-room" and r.sid.startswith("RM_") and r.empty_timeout == 120 and r.max_participants == 7 and r.metadata == "m1", "CreateRoom returns LiveKit's Room")
    check(r.creation_time > 1_700_000_000, "creation_time is seconds (int64 as string in JSON)")
    again = call("CreateRoom", room_pb.CreateRoomRequest(name="admin-room"), models.Room, creator)
    check(again.sid == r.sid, "CreateRoom of an existing room returns it")

    lst = call("ListRooms", room_pb.ListRoomsRequest(), room_pb.ListRoomsResponse, creator)
    check([x.name for x in lst.rooms] == ["admin-room"], "ListRooms lists it")
    only = call("ListRooms", room_pb.ListRoomsRequest(names=["nope"]), room_pb.ListRoomsResponse, creator)
    check(len(only.rooms) == 0, "ListRooms filters by names")

    admin = admin_token(room_admin=True, room="admin-room")
    async with websockets.connect(f"ws://127.0.0.1:{PORT}/rtc?access_token={join_token('alice', 'admin-room')}") as alice, \
               websockets.connect(f"ws://127.0.0.1:{PORT}/rtc?access_token={join_token('bob', 'admin-room')}") as bob:
        await recv_type(alice, "joined")
        await recv_type(bob, "joined")

        parts = call("ListParticipants", room_pb.ListParticipantsRequest(room="admin-room"), room_pb.ListParticipantsResponse, admin)
        check(sorted(p.identity for p in parts.participants) == ["alice", "bob"], "ListParticipants")
        check(all(p.state == models.ParticipantInfo.ACTIVE for p in parts.participants), "participants are ACTIVE")

        p = call("GetParticipant", room_pb.RoomParticipantIdentity(room="admin-room", identity="alice"), models.ParticipantInfo, admin)
        check(p.identity == "alice" and p.sid.startswith("PA_") and p.kind == models.ParticipantInfo.STANDARD, "GetParticipant")

        upd = call("UpdateParticipant", room_pb.UpdateParticipantRequest(room="admin-room", identity="alice", metadata="vip", attributes={"seat": "7"}), models.ParticipantInfo, admin)
        check(upd.metadata == "vip" and upd.attributes["seat"] == "7", "UpdateParticipant returns the new info")
        seen = await recv_type(bob, "participant_updated")
        check(seen["participant"]["metadata"] == "vip" and seen["participant"]["attributes"] == {"seat": "7"}, "others see participant_updated")

        call("SendData", room_pb.SendDataRequest(room="admin-room", data=json.dumps({"hello": "room"}).encode(), topic="news", kind=models.DataPacket.RELIABLE), room_pb.SendDataResponse, admin)
        d = await recv_type(alice, "data")
        check(d["topic"] == "news" and d["from"] is None and d["payload"] == {"hello": "room"}, "SendData JSON reaches the room from the server")
        call("SendData", room_pb.SendDataRequest(room="admin-room", data=b"\x00\x01raw", topic="bytes", destination_identities=["bob"]), room_pb.SendDataResponse, admin)
        frame = await recv_type(bob, "binary")
        check(frame[0] == 5 and frame[1:6] == b"bytes" and frame[6] == 0 and frame[-5:] == b"\x00\x01raw", "SendData bytes arrive as a binary data frame")
        call("SendData", room_pb.SendDataRequest(room="admin-room", data=b'"\xff\xfe"', topic="bytes", destination_identities=["bob"]), room_pb.SendDataResponse, admin)
        frame = await recv_type(bob, "binary")
        check(frame[-4:] == b'"\xff\xfe"', "JSON-looking bytes that are not UTF-8 go as binary, never as an invalid text frame")

        meta = call("UpdateRoomMetadata", room_pb.UpdateRoomMetadataRequest(room="admin-room", metadata="m2"), models.Room, admin)
        check(meta.metadata == "m2", "UpdateRoomMetadata returns the room")
        ru = await recv_type(alice, "room_updated")
        check(ru["room"]["metadata"] == "m2", "participants see room_updated")

        call("RemoveParticipant", room_pb.RoomParticipantIdentity(room="admin-room", identity="alice"), room_pb.RemoveParticipantResponse, admin)
        try:
            while True:
                await asyncio.wait_for(alice.recv(), 5)
        except websockets.ConnectionClosed as e:
            check(e.rcvd is not None and e.rcvd.code == 4001, "removed participant is closed with 4001")
        left = await recv_type(bob, "participant_left")
        check(left["participant"]["identity"] == "alice" and left["reason"] == "removed", "others see the removal")

        # Errors, Twirp-style.
        expect_error("ListParticipants", '{"room":"admin-room"}', None, 401, "unauthenticated")
        expect_error("ListParticipants", '{"room":"admin-room"}', "garbage", 401, "unauthenticated")
        expect_error("ListParticipants", '{"room":"admin-room"}', admin_token(room_list=True), 403, "permission_denied")
        expect_error("ListParticipants", '{"room":"admin-room"}', admin_token(room_admin=True, room="other"), 403, "permission_denied")
        expect_error("CreateRoom", '{"name":"x"}', admin, 403, "permission_denied")
        expect_error("GetParticipant", '{"room":"admin-room","identity":"nobody"}', admin, 404, "not_found")
        expect_error("ListParticipants", '{"room":', admin, 400, "malformed")
        expect_error("ListParticipants", '{"room":5}', admin, 400, "malformed")
        expect_error("Frobnicate", '{}', admin, 404, "bad_route")
        expect_error("ListRooms", b"{}", creator, 404, "bad_route", content_type="text/plain")
        expect_error("SendData", '{"room":"admin-room","data":"!!notbase64"}', admin, 400, "invalid_argument")
        expect_error("CreateRoom", '{"name":""}', creator, 400, "invalid_argument")
        expect_error("CreateRoom", '{"name":"big","empty_timeout":100000000000}', creator, 400, "invalid_argument")

        call("DeleteRoom", room_pb.DeleteRoomRequest(room="admin-room"), room_pb.DeleteRoomResponse, creator)
        try:
            while True:
                await asyncio.wait_for(bob.recv(), 5)
        except websockets.ConnectionClosed as e:
            check(e.rcvd is not None and e.rcvd.code == 4002, "DeleteRoom closes everyone with 4002")
    expect_error("DeleteRoom", '{"room":"admin-room"}', creator, 404, "not_found")
    lst = call("ListRooms", room_pb.ListRoomsRequest(), room_pb.ListRoomsResponse, creator)
    check(len(lst.rooms) == 0, "the room is gone")
    print("all admin checks passed")


asyncio.run(main())
