"""A stand-in for the iTunes Search API and Apple's preview CDN in the integration tests
(there is no internet here).

    fake_itunes.py PORT_FILE LOG_FILE [--slow-seconds S]

Terms: "fakecrawl" (the crawl test's songs), "fakebench" (twelve songs for measuring the crawl),
"fake artist top one" and the other fake_upstream.py top tracks.

Binds 127.0.0.1 on an ephemeral port and writes it to PORT_FILE. As a module, `handle(handler)`
answers the same routes inside another test server (fake_spotify.py), so one server run can
play Spotify and iTunes at once.

GET /search?term=…&media=music&entity=song&limit=N answers the documented shape
{"resultCount","results":[…]} with the songs below whose artist, title and tags contain every
word of the term. previewUrl points back here: GET /preview/<trackId>.m4a serves a REAL 30 s
AAC file made with the ffmpeg CLI before the port is written (`prepare()`) (a tone or noise that differs per song),
except for the songs marked "notaudio" (an HTML page with 200), "slow" (held S seconds,
then the audio), "flaky" (503 on the first request, then the audio) and "limited" (429 with
Retry-After: 1 on the first request, then the audio). Each request appends a JSON line to LOG_FILE: path, time.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# trackId, artist, title, album, duration ms, tags, preview kind, lavfi source
SONGS = [
    # What fake_spotify.py's top tracks are (Fake Artist, 200000 ms), with a karaoke version
    # listed first so the match rule has to choose.
    (900001, "Party Tyme Karaoke", "Top One (Karaoke Version)", "Karaoke Hits", 200500, "top fake artist", "audio", "sine=frequency=330"),
    (900002, "Fake Artist", "Top One", "Album Top One", 200900, "top", "audio", "sine=frequency=440"),
    (900003, "Fake Artist", "Top Two", "Album Top Two", 199000, "top", "audio", "sine=frequency=550"),
    # Previews that fail once, as a CDN sometimes does: 503, then the audio ("flaky"); 429 with
    # Retry-After: 1, then the audio ("limited").
    (900004, "Flaky Band", "Retry Song", "Album Retry", 201000, "top", "flaky", "sine=frequency=770"),
    (900005, "Busy Band", "Wait Song", "Album Wait", 202000, "top", "limited", "sine=frequency=880"),
    # The crawl's catalog: four good previews, one not audio, one slow, one without a preview.
    (910001, "Crawl Band", "Crawl Sine Low", "Crawl Album", 180000, "fakecrawl", "audio", "sine=frequency=220"),
    (910002, "Crawl Band", "Crawl Sine High", "Crawl Album", 181000, "fakecrawl", "audio", "sine=frequency=1760"),
    (910003, "Crawl Noise", "Crawl Pink Noise", "Crawl Album", 182000, "fakecrawl", "audio", "anoisesrc=color=pink:seed=7"),
    (910004, "Crawl Noise", "Crawl Brown Noise", "Crawl Album", 183000, "fakecrawl", "audio", "anoisesrc=color=brown:seed=9"),
    (910005, "Crawl Broken", "Crawl Not Audio", "Crawl Album", 184000, "fakecrawl", "notaudio", None),
    (910006, "Crawl Slow", "Crawl Slow Song", "Crawl Album", 185000, "fakecrawl", "slow", "sine=frequency=660"),
    (910007, "Crawl Silent", "Crawl Without Preview", "Crawl Album", 186000, "fakecrawl", "none", None),
]
# For measuring the crawl (docs/itunes.md#measured): twelve distinct previews, made on first
# request only (prepare() leaves them out, so the tests never pay for them).
SONGS += [(920000 + i, "Bench Band %d" % (i % 3), "Bench Tone %d" % i, "Bench Album", 190000 + i, "fakebench", "audio",
           "sine=frequency=%d" % (200 + 97 * i)) for i in range(12)]

# Previews are made once per machine and kept: every fake (and every test run) shares them.
STATE = {"slow_seconds": 3.0, "log": None, "dir": os.path.join(tempfile.gettempdir(), "wavedefect-fake-itunes-v1")}
_lock = threading.Lock()
_made = {}
_making = {}
_failed_once = set()  # trackIds of "flaky"/"limited" songs that already failed their first request


def _log(path):
    if STATE["log"]:
        with _lock, open(STATE["log"], "a") as f:
            f.write(json.dumps({"service": "itunes", "path": path, "t": time.time()}) + "\n")


def _result(song, base):
    tid, artist, title, album, ms, _tags, kind, _src = song
    r = {"wrapperType": "track", "kind": "song", "artistId": tid // 10, "collectionId": tid // 100,
         "trackId": tid, "artistName": artist, "collectionName": album, "trackName": title,
         "collectionCensoredName": album, "trackCensoredName": title,
         "artworkUrl100": base + "/art/%d.jpg" % tid, "trackTimeMillis": ms, "country": "USA",
         "currency": "USD", "primaryGenreName": "Electronic", "isStreamable": True,
         "trackExplicitness": "notExplicit", "discCount": 1, "discNumber": 1, "trackNumber": 1}
    if kind != "none":
        r["previewUrl"] = base + "/preview/%d.m4a" % tid
    return r


def _preview(song):
    """The AAC file of a song, made once (ffmpeg CLI, 30 s, 44.1 kHz stereo AAC in MP4)."""
    tid, src = song[0], song[7]
    with _lock:
        path = _made.get(tid)
        making = _making.setdefault(tid, threading.Lock())
    if path:
        return path
    # One maker per song: a request arriving while prepare() makes it waits for that file.
    with making:
        return _make(tid, src)


def _make(tid, src):
    with _lock:
        if tid in _made:
            return _made[tid]
    path = os.path.join(STATE["dir"], "%d.m4a" % tid)
    if os.path.exists(path):
        with _lock:
            _made[tid] = path
        return path
    os.makedirs(STATE["dir"], exist_ok=True)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", src + ":duration=30",
                    "-ac", "2", "-ar", "44100", "-c:a", "aac", "-b:a", "128k", "-f", "mp4", tmp], check=True)
    os.replace(tmp, path)
    with _lock:
        _made[tid] = path
    return path


def _send(handler, status, body, content_type):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (its timeout), as the slow preview intends


def handle(handler):
    """Answers the iTunes routes; False when the path is not one of them."""
    url = urllib.parse.urlsplit(handler.path)
    base = "http://127.0.0.1:%d" % handler.server.server_address[1]
    if url.path == "/search":
        _log(handler.path)
        query = urllib.parse.parse_qs(url.query)
        if query.get("media", [""])[0] != "music" or query.get("entity", [""])[0] != "song":
            _send(handler, 400, json.dumps({"errorMessage": "Invalid value(s) for key(s): [mediaType]"}).encode(),
                  "text/javascript; charset=utf-8")
            return True
        words = query.get("term", [""])[0].lower().split()
        limit = int(query.get("limit", ["50"])[0])
        found = [s for s in SONGS if all(w in (s[1] + " " + s[2] + " " + s[5]).lower() for w in words)][:limit]
        body = json.dumps({"resultCount": len(found), "results": [_result(s, base) for s in found]}).encode()
        # Apple answers text/javascript, not application/json.
        _send(handler, 200, body, "text/javascript; charset=utf-8")
        return True
    if url.path.startswith("/preview/") and url.path.endswith(".m4a"):
        _log(handler.path)
        tid = int(url.path[len("/preview/"):-len(".m4a")])
        song = next((s for s in SONGS if s[0] == tid), None)
        if song is None or song[6] == "none":
            _send(handler, 404, b"not found", "text/plain")
        elif song[6] in ("flaky", "limited") and _first_request(tid):
            if song[6] == "flaky":
                _send(handler, 503, b"Service Unavailable", "text/plain")
            else:
                handler.send_response(429)
                handler.send_header("Retry-After", "1")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
        elif song[6] == "notaudio":
            _send(handler, 200, b"<html><body>Access denied</body></html>" * 40, "audio/x-m4a")
        else:
            if song[6] == "slow":
                time.sleep(STATE["slow_seconds"])
            with open(_preview(song), "rb") as f:
                _send(handler, 200, f.read(), "audio/x-m4a")
        return True
    return False


def _first_request(tid):
    with _lock:
        first = tid not in _failed_once
        _failed_once.add(tid)
    return first


def prepare():
    """Makes every preview before the server answers (in parallel), so no download waits on
    ffmpeg."""
    threads = [threading.Thread(target=_preview, args=(s,)) for s in SONGS if s[7] and s[5] != "fakebench"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    # Children of the test runner inherit its blocked SIGTERM (its threads block signals for
    # libdispatch): undo that, so ChildProcess.stop's SIGTERM ends this process at once.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    port_file, log_file = sys.argv[1], sys.argv[2]
    prepare()
    STATE["log"] = log_file
    if "--slow-seconds" in sys.argv:
        STATE["slow_seconds"] = float(sys.argv[sys.argv.index("--slow-seconds") + 1])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if not handle(self):
                _send(self, 404, b"not found", "text/plain")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
