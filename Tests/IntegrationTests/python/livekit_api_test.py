"""LiveKit's own Python server SDK (`livekit-api`), unchanged, against the server: its
RoomService and AgentDispatchService clients send protobuf bodies. Then the
AgentDispatchService with JSON bodies (responses parsed strictly into LiveKit's messages),
and bodies the server must refuse with Twirp errors.

(A body over limits.max_body_bytes is checked in HTTPEndpointTests, on a raw socket.)

Usage: python3 livekit_api_test.py PORT
"""
import asyncio
import json
import sys
import urllib.error
import urllib.request

import websockets
from google.protobuf import json_format
from livekit import api
from livekit.protocol import agent_dispatch as dispatch_pb
from livekit.protocol import agent as agent_pb
from livekit.protocol import models

PORT = int(sys.argv[1])
URL = f"http://127.0.0.1:{PORT}"


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def token(identity="admin", **grants):
    return api.AccessToken("devkey", "secret").with_identity(identity).with_grants(api.VideoGrants(**grants)).to_jwt()


def join_token(identity, room):
    return token(identity, room_join=True, room=room)


def post(service, method, body, tok, content_type):
    req = urllib.request.Request(f"{URL}/twirp/livekit.{service}/{method}", data=body, method="POST")
    req.add_header("Content-Type", content_type)
    if tok:
        req.add_header("Authorization", f"Bearer {tok}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def dispatch_json(method, message, response_cls, tok):
    body = json_format.MessageToJson(message, preserving_proto_field_name=True).encode()
    status, ctype, got = post("AgentDispatchService", method, body, tok, "application/json")
    check(status == 200 and ctype == "application/json", f"{method} (JSON) → 200 JSON (got {status} {ctype}: {got[:200]!r})")
    return json_format.Parse(got, response_cls())  # strict: an unknown or misnamed field raises


def expect_error(service, method, body, tok, status, code, content_type):
    got_status, ctype, got = post(service, method, body, tok, content_type)
    err = json.loads(got)
    check(got_status == status and ctype == "application/json" and err.get("code") == code and err.get("msg"),
          f"{method} ({content_type}) → {status} {code} as JSON ({got_status} {ctype} {got[:160]!r})")


async def expect_sdk_error(call, status, code, what):
    try:
        await call
    except api.TwirpError as e:
        check(e.status == status and e.code == code, f"{what} → {status} {code} (got {e.status} {e.code}: {e.message})")
        return
    check(False, f"{what} should have failed with {code}")


async def recv_type(ws, wanted, timeout=5):
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(raw, bytes):
            continue
        msg = json.loads(raw)
        if msg["type"] == wanted:
            return msg


async def wait_closed(ws):
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    except websockets.ConnectionClosed as e:
        return e.rcvd.code if e.rcvd else None


async def sdk_checks():
    lk = api.LiveKitAPI(URL, "devkey", "secret")
    try:
        # RoomService, protobuf.
        room = await lk.room.create_room(api.CreateRoomRequest(name="pb-room", empty_timeout=300, max_participants=5, metadata="m1"))
        check(room.name == "pb-room" and room.sid.startswith("RM_") and room.empty_timeout == 300 and room.max_participants == 5
              and room.metadata == "m1" and room.creation_time > 1_700_000_000, "SDK create_room returns LiveKit's Room")
        rooms = await lk.room.list_rooms(api.ListRoomsRequest())
        check([r.name for r in rooms.rooms] == ["pb-room"], "SDK list_rooms (an empty protobuf body)")
        rooms = await lk.room.list_rooms(api.ListRoomsRequest(names=["nope"]))
        check(len(rooms.rooms) == 0, "SDK list_rooms filters by names")

        # CreateRoom's `agents` dispatches them with the room.
        await lk.room.create_room(api.CreateRoomRequest(name="agents-room", agents=[api.RoomAgentDispatch(agent_name="scout", metadata="a")]))
        with_agents = await lk.agent_dispatch.list_dispatch("agents-room")
        check([(d.agent_name, d.metadata) for d in with_agents] == [("scout", "a")], "create_room with agents creates their dispatches")
        await lk.room.delete_room(api.DeleteRoomRequest(room="agents-room"))
        check(await lk.agent_dispatch.list_dispatch("agents-room") == [], "they end with the room")

        # A dispatch for a room that does not exist yet waits for it.
        waiting = await lk.agent_dispatch.create_dispatch(api.CreateAgentDispatchRequest(agent_name="scout", room="later-room", metadata='{"k":1}'))
        check(waiting.id.startswith("AD_") and waiting.agent_name == "scout" and waiting.room == "later-room" and waiting.metadata == '{"k":1}',
              "SDK create_dispatch for a room not yet started")
        check(waiting.state.created_at > 1_700_000_000 * 10**9 and waiting.state.deleted_at == 0, "created_at is Unix nanoseconds, as LiveKit's")
        check(len(waiting.state.jobs) == 0, "a waiting dispatch has no job yet")
        listed = await lk.agent_dispatch.list_dispatch("later-room")
        check([d.id for d in listed] == [waiting.id], "SDK list_dispatch shows the waiting dispatch")

        async with websockets.connect(f"ws://127.0.0.1:{PORT}/rtc?access_token={join_token('alice', 'pb-room')}") as alice, \
                   websockets.connect(f"ws://127.0.0.1:{PORT}/rtc?access_token={join_token('bob', 'pb-room')}") as bob:
            await recv_type(alice, "joined")
            await recv_type(bob, "joined")
            parts = await lk.room.list_participants(api.ListParticipantsRequest(room="pb-room"))
            check(sorted(p.identity for p in parts.participants) == ["alice", "bob"], "SDK list_participants")
            check(all(p.state == models.ParticipantInfo.ACTIVE and p.sid.startswith("PA_") for p in parts.participants), "participants are ACTIVE with PA_ sids")
            p = await lk.room.get_participant(api.RoomParticipantIdentity(room="pb-room", identity="alice"))
            check(p.identity == "alice" and p.kind == models.ParticipantInfo.STANDARD and p.permission.can_publish_data, "SDK get_participant")
            upd = await lk.room.update_participant(api.UpdateParticipantRequest(room="pb-room", identity="alice", metadata="vip", attributes={"seat": "7"}))
            check(upd.metadata == "vip" and upd.attributes["seat"] == "7", "SDK update_participant")
            seen = await recv_type(bob, "participant_updated")
            check(seen["participant"]["metadata"] == "vip", "others see the update")
            await lk.room.send_data(api.SendDataRequest(room="pb-room", data=json.dumps({"hello": "pb"}).encode(), topic="news", kind=models.DataPacket.RELIABLE))
            d = await recv_type(alice, "data")
            check(d["topic"] == "news" and d["payload"] == {"hello": "pb"} and d["from"] is None, "SDK send_data reaches the room")
            meta = await lk.room.update_room_metadata(api.UpdateRoomMetadataRequest(room="pb-room", metadata="m2"))
            check(meta.metadata == "m2" and meta.num_participants == 2, "SDK update_room_metadata returns the room")
            await recv_type(alice, "room_updated")

            # Dispatches in a running room.
            d1 = await lk.agent_dispatch.create_dispatch(api.CreateAgentDispatchRequest(agent_name="critic", room="pb-room"))
            d2 = await lk.agent_dispatch.create_dispatch(api.CreateAgentDispatchRequest(agent_name="scout", room="pb-room", metadata="x"))
            check(d1.id != d2.id and d1.room == "pb-room", "SDK create_dispatch in a running room")
            got = await lk.agent_dispatch.get_dispatch(d2.id, "pb-room")
            check(got is not None and got.id == d2.id and got.agent_name == "scout" and got.metadata == "x", "SDK get_dispatch")
            # The agent runtime got the dispatch: its job waits, as no agent of that name runs here.
            check(len(got.state.jobs) == 1 and got.state.jobs[0].id.startswith("AJ_") and got.state.jobs[0].dispatch_id == d2.id
                  and got.state.jobs[0].state.status == agent_pb.JobStatus.JS_PENDING and got.state.jobs[0].room.name == "pb-room",
                  f"the runtime reports the dispatch's job ({got.state.jobs})")
            check(await lk.agent_dispatch.get_dispatch("AD_nope", "pb-room") is None, "SDK get_dispatch of an unknown id is None")
            check([d.agent_name for d in await lk.agent_dispatch.list_dispatch("pb-room")] == ["critic", "scout"], "SDK list_dispatch, oldest first")
            deleted = await lk.agent_dispatch.delete_dispatch(d1.id, "pb-room")
            check(deleted.id == d1.id and deleted.state.deleted_at >= deleted.state.created_at > 0, "SDK delete_dispatch returns it with deleted_at")
            check([d.id for d in await lk.agent_dispatch.list_dispatch("pb-room")] == [d2.id], "the deleted dispatch is gone")
            await expect_sdk_error(lk.agent_dispatch.delete_dispatch(d1.id, "pb-room"), 404, "not_found", "SDK delete_dispatch twice")
            await expect_sdk_error(lk.agent_dispatch.create_dispatch(api.CreateAgentDispatchRequest(agent_name="", room="pb-room")), 400, "invalid_argument",
                                   "SDK create_dispatch without agent_name")
            await expect_sdk_error(lk.room.get_participant(api.RoomParticipantIdentity(room="pb-room", identity="nobody")), 404, "not_found",
                                   "SDK get_participant of nobody")

            await lk.room.remove_participant(api.RoomParticipantIdentity(room="pb-room", identity="alice"))
            check(await wait_closed(alice) == 4001, "SDK remove_participant closes with 4001")

            # The room's dispatches end with it.
            await lk.room.delete_room(api.DeleteRoomRequest(room="pb-room"))
            check(await wait_closed(bob) == 4002, "SDK delete_room closes everyone with 4002")
        check(await lk.agent_dispatch.list_dispatch("pb-room") == [], "a deleted room's dispatches are gone")
        await expect_sdk_error(lk.room.delete_room(api.DeleteRoomRequest(room="pb-room")), 404, "not_found", "SDK delete_room twice")

        # The waiting dispatch lives while its room runs, and ends when it closes.
        async with websockets.connect(f"ws://127.0.0.1:{PORT}/rtc?access_token={join_token('carol', 'later-room')}") as carol:
            await recv_type(carol, "joined")
            started = await lk.agent_dispatch.list_dispatch("later-room")
            check([d.id for d in started] == [waiting.id], "the waiting dispatch belongs to the started room")
            check(len(started[0].state.jobs) == 1 and started[0].state.jobs[0].agent_name == "scout", "and was handed to the agent runtime when the room started")
            await lk.room.delete_room(api.DeleteRoomRequest(room="later-room"))
            await wait_closed(carol)
        check(await lk.agent_dispatch.list_dispatch("later-room") == [], "it ended with its room")
    finally:
        await lk.aclose()


def json_checks():
    admin = token(room_admin=True, room="json-room")
    d = dispatch_json("CreateDispatch", dispatch_pb.CreateAgentDispatchRequest(agent_name="scout", room="json-room", metadata="m"), dispatch_pb.AgentDispatch, admin)
    check(d.id.startswith("AD_") and d.agent_name == "scout" and d.room == "json-room" and d.metadata == "m" and d.state.created_at > 0,
          "CreateDispatch with JSON returns LiveKit's AgentDispatch")
    lst = dispatch_json("ListDispatch", dispatch_pb.ListAgentDispatchRequest(room="json-room"), dispatch_pb.ListAgentDispatchResponse, admin)
    check([x.id for x in lst.agent_dispatches] == [d.id], "ListDispatch with JSON")
    one = dispatch_json("ListDispatch", dispatch_pb.ListAgentDispatchRequest(room="json-room", dispatch_id="AD_nope"), dispatch_pb.ListAgentDispatchResponse, admin)
    check(len(one.agent_dispatches) == 0, "ListDispatch filters by dispatch_id")
    # camelCase JSON names (protojson's default) are read too.
    status, _, got = post("AgentDispatchService", "CreateDispatch", json.dumps({"agentName": "critic", "room": "json-room"}).encode(), admin, "application/json")
    check(status == 200 and json.loads(got)["agent_name"] == "critic", "lowerCamelCase field names are accepted")
    gone = dispatch_json("DeleteDispatch", dispatch_pb.DeleteAgentDispatchRequest(dispatch_id=d.id, room="json-room"), dispatch_pb.AgentDispatch, admin)
    check(gone.id == d.id and gone.state.deleted_at > 0, "DeleteDispatch with JSON")

    J = "application/json"
    expect_error("AgentDispatchService", "DeleteDispatch", json.dumps({"dispatch_id": d.id, "room": "json-room"}).encode(), admin, 404, "not_found", J)
    expect_error("AgentDispatchService", "DeleteDispatch", b'{"room":"json-room"}', admin, 400, "invalid_argument", J)
    expect_error("AgentDispatchService", "CreateDispatch", b'{"room":"json-room"}', admin, 400, "invalid_argument", J)
    expect_error("AgentDispatchService", "CreateDispatch", b'{"agent_name":"scout"}', admin, 400, "invalid_argument", J)
    expect_error("AgentDispatchService", "CreateDispatch", b'{"agent_name":"scout","room":"other"}', admin, 403, "permission_denied", J)
    expect_error("AgentDispatchService", "CreateDispatch", b'{"agent_name":"scout","room":"json-room"}', token(room_create=True, room_list=True), 403, "permission_denied", J)
    expect_error("AgentDispatchService", "CreateDispatch", b'{"agent_name":"scout","room":"json-room"}', None, 401, "unauthenticated", J)
    expect_error("AgentDispatchService", "CreateDispatch", b'{"agent_name":5,"room":"json-room"}', admin, 400, "malformed", J)
    expect_error("AgentDispatchService", "ListDispatch", b'{"room":', admin, 400, "malformed", J)
    expect_error("AgentDispatchService", "Frobnicate", b"{}", admin, 404, "bad_route", J)
    expect_error("NoSuchService", "CreateRoom", b"{}", admin, 404, "bad_route", J)


def bad_body_checks():
    creator = token(room_create=True, room_list=True)
    admin = token(room_admin=True, room="json-room")
    P = "application/protobuf"
    # A protobuf request gets a protobuf answer.
    status, ctype, got = post("RoomService", "ListRooms", b"", creator, P)
    check(status == 200 and ctype == "application/protobuf", f"protobuf in, protobuf out ({status} {ctype})")
    api.ListRoomsResponse.FromString(got)
    msg = dispatch_pb.ListAgentDispatchRequest(room="json-room").SerializeToString()
    status, ctype, got = post("AgentDispatchService", "ListDispatch", msg, admin, P + "; charset=utf-8")
    check(status == 200 and ctype == "application/protobuf" and len(dispatch_pb.ListAgentDispatchResponse.FromString(got).agent_dispatches) == 1,
          "a media type parameter is ignored")
    # Bad bodies: errors stay JSON (Twirp's spec).
    expect_error("RoomService", "ListRooms", b"\xff\xff\xff\xff", creator, 400, "malformed", P)
    expect_error("RoomService", "CreateRoom", b'{"name":"x"}', creator, 400, "malformed", P)
    expect_error("AgentDispatchService", "ListDispatch", b"\x12", admin, 400, "malformed", P)  # truncated field
    expect_error("RoomService", "ListRooms", b"{}", creator, 404, "bad_route", "text/plain")
    expect_error("RoomService", "ListRooms", b"{}", creator, 404, "bad_route", "application/x-www-form-urlencoded")
    # A protobuf request is authorized as a JSON one: the room inside the message counts.
    other = dispatch_pb.CreateAgentDispatchRequest(agent_name="scout", room="elsewhere").SerializeToString()
    expect_error("AgentDispatchService", "CreateDispatch", other, admin, 403, "permission_denied", P)


asyncio.run(sdk_checks())
json_checks()
bad_body_checks()
print("all livekit-api checks passed")
