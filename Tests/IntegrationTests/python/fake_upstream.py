"""The outside world the server talks to, for the integration tests (there is no internet here):
the Spotify Web API and the YouTube Data API v3 — add further upstreams (iTunes Search…) as
routes here, so the suites share one fake.

    fake_upstream.py PORT_FILE LOG_FILE [--slow-seconds S]

Binds 127.0.0.1 on an ephemeral port and writes it to PORT_FILE (atomically). Every request
appends one JSON line to LOG_FILE *before* it is answered (a stalled request is visible while
it stalls): {"route", "path" (with query), "scenario", "token_sha256", "n", "t"}. `n` counts
requests per (route, token) from 1; `t` is when the request's first bytes reached this
machine's kernel (SO_TIMESTAMPNS, wall clock, comparable with the test's `Date()`), not when a
handler thread of this script got to it: on a loaded machine that can be tenths of a second
later, and a test comparing two requests' times (a timeout, a Retry-After) would measure this
script's scheduling instead of the server's wait. Tokens and keys are logged only as SHA-256
hex digests. (The arrival is read by peeking at the socket before each request, so a client
that pipelines requests would wait; curl, browsers and the tests do not.)

Spotify (`Authorization: Bearer TOKEN`): the token's part before the first '-' names the
scenario, the rest makes it unique per test. currently-playing, by the n-th request:
  change   1: A playing (progress 1000), 2: A playing (progress 2000: no change), 3: A paused,
           4: B playing, then 204 (nothing playing)
  expire   401 always (top tracks too)
  limited  1: 429 with Retry-After: 1, then C playing
  flaky    1-2: 500, then D playing
  stall    1: never answered (held STALL_SECONDS), then E playing
  huge     1: 200 with a HUGE_BYTES body, then F playing
  playing  always A playing, progress counted from the token's first request (browser tests)
  ytnone   always "Novideo Song" playing (YouTube finds no video for it)
  ytquota  1-3: "Quota Song" playing (YouTube answers quotaExceeded), then "Later Song"
  anything else: 204
A test can hold a token's scenario instead: after `POST /hold` (with the token as bearer), the
token's currently-playing answers the state numbered by its *step* (1 at first) rather than by
its request count, and `POST /advance?to=K` moves the step to K. The state then changes only
when the test says so — after the room heard the last one — so how fast the server answers a
poll (a YouTube search, a catalog lookup) cannot make a newer state supersede an older one.
/v1/me/top/tracks answers every token (but `expire` and `itunes`) with TOP_TRACKS: two tracks
that are in the demo catalog ("Pale Tides", "Drifting Clouds") and one that is not. The
`itunes` scenario answers TOP_TRACKS_ITUNES: tracks no catalog has, which the fake iTunes
finds ("Top One", with a karaoke version listed first), finds with a preview that is not audio
("Crawl Not Audio"), finds with a slow preview ("Crawl Slow Song"), or does not know; `itunes2`
answers "Top Two" alone; `itunes3` "Retry Song" and "Wait Song", whose previews fail once
(503; 429 with Retry-After: 1).

iTunes Search API and Apple's preview CDN (`/search`, `/preview/<trackId>.m4a`): the routes of
python/fake_itunes.py (its own file, its songs and real AAC previews made by the ffmpeg CLI).

Spotify accounts (PKCE, RFC 7636, as a browser does it): `GET /authorize` checks the query
(`response_type=code`, `client_id`, `redirect_uri`, `code_challenge_method=S256`, a
`code_challenge`) and, as a user who clicks "Agree", redirects (302) to
`redirect_uri?code=…&state=…` — or answers 400 with the reason. `POST /api/token` (form body,
CORS-enabled like Spotify's) exchanges a code once, only with the verifier whose S256 matches
the challenge and the same `redirect_uri` and `client_id`, and refreshes with a refresh token
once (each answer carries a new one; the old one is then refused with `invalid_grant`).
Access tokens are `playing-…` (the scenario above), valid ACCESS_SECONDS.

YouTube (`/youtube/v3/search?part=snippet&type=video&q=…&key=…`): the key must be
YOUTUBE_KEY (else 400 as Google answers a bad key); the video id is derived from `q`
("yt" + the first 9 hex digits of its SHA-256), so a test can predict it. A `q` containing
"quota" (any case) is answered 403 quotaExceeded; one containing "novideo" finds nothing.

Signals: children started by the test runner inherit a signal mask with SIGTERM blocked (the
runner's threads block signals for libdispatch), so the script unblocks them first; without
that, SIGTERM stays pending forever and a test waiting for the fake to exit hangs.
"""

import base64
import hashlib
import json
import secrets
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

STALL_SECONDS = 30
ACCESS_SECONDS = 3600
HUGE_BYTES = 3 << 20
YOUTUBE_KEY = "test-youtube-key"

ROUTES = {}


def route(path):
    """Registers a handler for an exact path: handler(request) -> None (it answers)."""
    def register(handler):
        ROUTES[path] = handler
        return handler
    return register


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Spotify Web API shapes (developer.spotify.com/documentation/web-api)

def spotify_track(tid, name, artist="Fake Artist", album=None):
    return {
        "album": {"album_type": "album", "name": album or ("Album " + name), "id": "al-" + tid,
                  "images": [{"url": "https://i.scdn.co/image/" + tid, "height": 640, "width": 640},
                             {"url": "https://i.scdn.co/image/small-" + tid, "height": 64, "width": 64}]},
        "artists": [{"id": "ar-" + tid, "name": artist, "type": "artist", "uri": "spotify:artist:ar-" + tid}],
        "duration_ms": 200000, "explicit": False, "external_ids": {"isrc": "QZ" + tid.upper()[:10]},
        "id": tid, "name": name, "popularity": 10, "preview_url": None, "type": "track",
        "uri": "spotify:track:" + tid, "is_local": False, "track_number": 1, "disc_number": 1,
    }


def currently_playing(tid, name, is_playing=True, progress=1000):
    return {"timestamp": int(time.time() * 1000), "context": None, "progress_ms": progress,
            "item": spotify_track(tid, name), "currently_playing_type": "track",
            "actions": {"disallows": {"resuming": True}}, "is_playing": is_playing}


TOP_TRACKS = [
    spotify_track("topPaleTides", "Pale Tides", "Mira Solenne", "Afterlight Studies"),
    spotify_track("topDrifting", "Drifting Clouds", "Glass Horizon", "Slow Weather"),
    spotify_track("topUnknown", "A Song Nobody Indexed", "Nobody In Particular"),
]

TOP_TRACKS_ITUNES = [
    spotify_track("topFakeOne", "Top One", "Fake Artist"),
    spotify_track("topNowhere", "Nowhere Song", "Nobody At All"),
    spotify_track("topBroken", "Crawl Not Audio", "Crawl Broken"),
    spotify_track("topSlow", "Crawl Slow Song", "Crawl Slow"),
]

# Two listeners at once with this scenario: one lookup of "Top Two", both profiles get it.
TOP_TRACKS_ITUNES2 = [spotify_track("topFakeTwo", "Top Two", "Fake Artist")]

# Previews that fail once (503; 429 with Retry-After: 1) and are fetched on a retry.
TOP_TRACKS_ITUNES3 = [spotify_track("topRetry", "Retry Song", "Flaky Band"), spotify_track("topWait", "Wait Song", "Busy Band")]


def spotify_error(status, message):
    return {"error": {"status": status, "message": message}}


STEPS_LOCK = threading.Lock()
STEPS = {}  # held token → the step its currently-playing answers


@route("/hold")
def hold(r):
    if not r.token:
        return r.answer(401, spotify_error(401, "No token provided"))
    with STEPS_LOCK:
        STEPS[r.token] = 1
    return r.answer(200, {"step": 1})


@route("/advance")
def advance(r):
    to = int(r.query.get("to", ["0"])[0])
    with STEPS_LOCK:
        if r.token not in STEPS or to < 1:
            return r.answer(400, {"error": "POST /hold first, then /advance?to=K with K >= 1"})
        STEPS[r.token] = to
    return r.answer(200, {"step": to})


@route("/v1/me/player/currently-playing")
def now_playing(r):
    if not r.token:
        return r.answer(401, spotify_error(401, "No token provided"))
    with STEPS_LOCK:
        n = STEPS.get(r.token, r.n)
    s = r.scenario
    if s == "change":
        if n == 1: return r.answer(200, currently_playing("trackA", "Song A", True, 1000))
        if n == 2: return r.answer(200, currently_playing("trackA", "Song A", True, 2000))
        if n == 3: return r.answer(200, currently_playing("trackA", "Song A", False, 2100))
        if n == 4: return r.answer(200, currently_playing("trackB", "Song B", True, 0))
        return r.answer(204)
    if s == "expire":
        return r.answer(401, spotify_error(401, "The access token expired"))
    if s == "limited":
        if n == 1:
            return r.answer(429, spotify_error(429, "API rate limit exceeded"), headers=[("Retry-After", "1")])
        return r.answer(200, currently_playing("trackC", "Song C"))
    if s == "flaky":
        if n <= 2: return r.answer(500, spotify_error(500, "Server error"))
        return r.answer(200, currently_playing("trackD", "Song D"))
    if s == "stall":
        if n == 1:
            time.sleep(STALL_SECONDS)
            r.handler.close_connection = True
            return None
        return r.answer(200, currently_playing("trackE", "Song E"))
    if s == "huge":
        if n == 1:
            return r.answer(200, b'{"pad":"' + b"x" * HUGE_BYTES + b'"}')
        return r.answer(200, currently_playing("trackF", "Song F"))
    if s == "ytnone":
        return r.answer(200, currently_playing("ytNone", "Novideo Song"))
    if s == "ytquota":
        if n <= 3: return r.answer(200, currently_playing("ytQuota", "Quota Song"))
        return r.answer(200, currently_playing("ytLater", "Later Song"))
    if s == "playing":
        with ACCOUNTS_LOCK:
            started = PLAYING_SINCE.setdefault(r.token, time.time())
        body = currently_playing("trackA", "Song A", True, 1000 + int((time.time() - started) * 1000))
        # Artwork a browser can load here (there is no internet): served by /image below.
        port = r.handler.server.server_address[1]
        body["item"]["album"]["images"] = [{"url": f"http://127.0.0.1:{port}/image?id=trackA", "height": 640, "width": 640}]
        return r.answer(200, body)
    return r.answer(204)


@route("/v1/me/top/tracks")
def top_tracks(r):
    if not r.token or r.scenario == "expire":
        return r.answer(401, spotify_error(401, "The access token expired"))
    limit = int(r.query.get("limit", ["20"])[0])
    items = {"itunes": TOP_TRACKS_ITUNES, "itunes2": TOP_TRACKS_ITUNES2, "itunes3": TOP_TRACKS_ITUNES3}.get(r.scenario, TOP_TRACKS)[:limit]
    return r.answer(200, {"href": r.path, "items": items, "limit": limit, "next": None, "offset": 0,
                          "previous": None, "total": len(items)})


# ---------------------------------------------------------------------------------------------
# Spotify accounts: authorization code with PKCE (developer.spotify.com/documentation/web-api/
# tutorials/code-pkce-flow)

ACCOUNTS_LOCK = threading.Lock()
CODES = {}  # code → {challenge, redirect_uri, client_id}
REFRESH_TOKENS = {}  # refresh token → client_id (each usable once)
PLAYING_SINCE = {}  # access token → time of its first currently-playing request


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_tokens(client_id):
    refresh = "refresh-" + secrets.token_urlsafe(12)
    REFRESH_TOKENS[refresh] = client_id
    return {"access_token": "playing-" + secrets.token_urlsafe(12), "token_type": "Bearer",
            "scope": "user-read-currently-playing user-read-playback-state user-top-read",
            "expires_in": ACCESS_SECONDS, "refresh_token": refresh}


@route("/image")
def image(r):
    """Album artwork for the `playing` scenario: a small SVG."""
    tid = r.query.get("id", ["x"])[0]
    hue = int(sha256(tid)[:2], 16) * 360 // 256
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="hsl({hue},60%,35%)"/>'
           f'<circle cx="32" cy="32" r="18" fill="hsl({hue},80%,75%)"/><circle cx="32" cy="32" r="5" fill="#111"/></svg>').encode()
    h = r.handler
    h.send_response(200)
    h.send_header("Content-Type", "image/svg+xml")
    h.send_header("Content-Length", str(len(svg)))
    h.send_header("Cache-Control", "max-age=3600")
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(svg)


@route("/authorize")
def authorize(r):
    q = {k: v[0] for k, v in r.query.items()}
    missing = [k for k in ("client_id", "redirect_uri", "code_challenge", "state") if not q.get(k)]
    if q.get("response_type") != "code" or missing:
        return r.answer(400, {"error": "invalid_request", "error_description": f"missing {missing or 'response_type=code'}"})
    if q.get("code_challenge_method") != "S256":
        return r.answer(400, {"error": "invalid_request", "error_description": "code_challenge_method must be S256"})
    code = "code-" + secrets.token_urlsafe(12)
    with ACCOUNTS_LOCK:
        CODES[code] = {"challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"], "client_id": q["client_id"]}
    sep = "&" if "?" in q["redirect_uri"] else "?"
    location = q["redirect_uri"] + sep + urlencode({"code": code, "state": q["state"]})
    return r.answer(302, None, headers=[("Location", location), ("Content-Length", "0")])


@route("/api/token")
def token(r):
    if r.handler.command != "POST":
        return r.answer(405, {"error": "invalid_request", "error_description": "POST only"})
    form = {k: v[0] for k, v in parse_qs(r.body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type")
    with ACCOUNTS_LOCK:
        if grant == "authorization_code":
            issued = CODES.pop(form.get("code", ""), None)
            if issued is None:
                return r.answer(400, {"error": "invalid_grant", "error_description": "Invalid authorization code"})
            if form.get("redirect_uri") != issued["redirect_uri"] or form.get("client_id") != issued["client_id"]:
                return r.answer(400, {"error": "invalid_grant", "error_description": "Invalid redirect URI or client"})
            if s256(form.get("code_verifier", "")) != issued["challenge"]:
                return r.answer(400, {"error": "invalid_grant", "error_description": "code_verifier was incorrect"})
            return r.answer(200, new_tokens(issued["client_id"]))
        if grant == "refresh_token":
            client = REFRESH_TOKENS.pop(form.get("refresh_token", ""), None)
            if client is None or client != form.get("client_id"):
                return r.answer(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"})
            return r.answer(200, new_tokens(client))
    return r.answer(400, {"error": "unsupported_grant_type", "error_description": f"grant_type {grant!r}"})


# ---------------------------------------------------------------------------------------------
# YouTube Data API v3 (developers.google.com/youtube/v3/docs/search/list)

def youtube_video_id(q):
    return "yt" + sha256(q)[:9]


@route("/youtube/v3/search")
def youtube_search(r):
    key = r.query.get("key", [""])[0]
    q = r.query.get("q", [""])[0]
    if key != YOUTUBE_KEY:
        return r.answer(400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                        "errors": [{"reason": "badRequest", "domain": "global"}]}})
    if "quota" in q.lower():
        return r.answer(403, {"error": {"code": 403, "message": "The request cannot be completed because you have exceeded your quota.",
                                        "errors": [{"reason": "quotaExceeded", "domain": "youtube.quota"}]}})
    if "novideo" in q.lower():
        return r.answer(200, {"kind": "youtube#searchListResponse", "etag": "empty", "regionCode": "US",
                              "pageInfo": {"totalResults": 0, "resultsPerPage": 1}, "items": []})
    vid = youtube_video_id(q)
    item = {"kind": "youtube#searchResult", "etag": "e-" + vid,
            "id": {"kind": "youtube#video", "videoId": vid},
            "snippet": {"publishedAt": "2020-01-01T00:00:00Z", "channelId": "UCfake", "title": q,
                        "description": "", "channelTitle": "Fake Channel", "liveBroadcastContent": "none"}}
    return r.answer(200, {"kind": "youtube#searchListResponse", "etag": "page", "regionCode": "US",
                          "pageInfo": {"totalResults": 1, "resultsPerPage": 1}, "items": [item]})


# ---------------------------------------------------------------------------------------------
# iTunes Search API and the preview CDN: python/fake_itunes.py answers them.

import fake_itunes  # noqa: E402 (next to this file, so on sys.path)


def itunes(r):
    fake_itunes.handle(r.handler)


route("/search")(itunes)
for _song in fake_itunes.SONGS:
    route("/preview/%d.m4a" % _song[0])(itunes)

# Set once every preview is made. Until then a preview request runs ffmpeg itself, which on a
# loaded machine can outlast the server's download timeout: suites that download previews
# wait on /previews-ready first (a test of timeouts must not time out by accident).
PREVIEWS_READY = threading.Event()


def prepare_previews():
    fake_itunes.prepare()
    PREVIEWS_READY.set()


@route("/previews-ready")
def previews_ready(r):
    ready = PREVIEWS_READY.wait(timeout=float(r.query.get("timeout", ["60"])[0]))
    r.answer(200 if ready else 503, {"ready": ready})


# ---------------------------------------------------------------------------------------------

SO_TIMESTAMPNS = 35  # Linux (asm-generic); the cmsg type is the same number


def kernel_arrival(conn):
    """Waits for the next request's first byte on `conn` without taking it and returns when
    the kernel received it (seconds since 1970), or None at the end of the stream."""
    try:
        data, ancillary, _, _ = conn.recvmsg(1, socket.CMSG_SPACE(16), socket.MSG_PEEK)
    except OSError:
        return None
    for level, kind, value in ancillary:
        if data and level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
            seconds, nanoseconds = struct.unpack("qq", value[:16])
            return seconds + nanoseconds / 1e9
    return None


class Request:
    def __init__(self, handler, route_name, n, token):
        self.handler = handler
        self.route = route_name
        self.path = handler.path
        self.query = parse_qs(urlsplit(handler.path).query)
        self.token = token
        self.scenario = token.split("-", 1)[0] if token else ""
        self.n = n
        self.body = b""

    def answer(self, status, body=None, headers=()):
        h = self.handler
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        h.send_response(status)
        # The accounts service is called from the page (another origin), as Spotify allows.
        h.send_header("Access-Control-Allow-Origin", "*")
        for k, v in headers:
            h.send_header(k, v)
        if status not in (204, 302):
            h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if status not in (204, 302) and h.command != "HEAD":
            try:
                h.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                h.close_connection = True  # the client gave up (a body over its cap)


def main():
    # See the module's docstring: undo the runner's blocked signals, then die on SIGTERM.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    port_file, log_file = sys.argv[1], sys.argv[2]
    # Previews are made (once per machine, then cached) while the fake already answers.
    threading.Thread(target=prepare_previews, daemon=True).start()
    if "--slow-seconds" in sys.argv:
        fake_itunes.STATE["slow_seconds"] = float(sys.argv[sys.argv.index("--slow-seconds") + 1])
    counts = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_one_request(self):
            self.arrival = kernel_arrival(self.connection)
            super().handle_one_request()

        def do_OPTIONS(self):
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Authorization")
            self.end_headers()

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            self.do_GET(body)

        def do_GET(self, body=b""):
            path = urlsplit(self.path).path
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
            key = parse_qs(urlsplit(self.path).query).get("key", [""])[0]
            secret = token or key
            handler = ROUTES.get(path)
            with lock:
                counts[(path, secret)] = n = counts.get((path, secret), 0) + 1
                record = {"route": path if handler else None, "path": self.path.replace(key, "KEY") if key else self.path,
                          "scenario": token.split("-", 1)[0] if token else "", "token_sha256": sha256(secret) if secret else None,
                          "n": n, "t": self.arrival or time.time()}
                with open(log_file, "a") as f:
                    f.write(json.dumps(record) + "\n")
            request = Request(self, path, n, token)
            request.body = body
            if handler is None:
                return request.answer(404, {"error": {"status": 404, "message": "Service not found"}})
            handler(request)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # Accepted connections inherit it: every request's arrival is stamped by the kernel.
    server.socket.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
