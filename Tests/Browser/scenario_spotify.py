"""Connect Spotify with PKCE against the test suite's fake upstream
(Tests/IntegrationTests/python/fake_upstream.py: `/authorize` and `/api/token` with a real S256
check, then a player that plays "Song A"). Spotify's redirect URI must be known before the
server starts, so this scenario runs its own server on a port it picked, next to the fake:
the guest presses Connect Spotify, goes through the fake's authorize page and back to the
same room and identity, the page exchanges the code itself and hands the access token to the
server; the host then sees a now-playing card for the guest whose progress advances, with the
track's "YouTube" link (the server searches the fake's YouTube Data API with a key). The
access token never lands in storage, the URL or the page's text."""

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import checks
import harness

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_file(path, proc, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start within {timeout} s")
        time.sleep(0.05)
    return open(path).read().strip()


def binary():
    env = os.environ.get("WAVEDEFECT_BINARY")
    if env:
        return env
    for config in ("debug", "release"):
        path = os.path.join(ROOT, ".build", config, "wavedefect")
        if os.path.exists(path):
            return path
    raise AssertionError("no wavedefect binary: build first (swift build) or set WAVEDEFECT_BINARY")


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(h):
    work = tempfile.mkdtemp(prefix="wd-spotify-browser-")
    fake = server = None
    try:
        # The fake starts with SIGTERM unblocked (see its docstring); ours inherit our mask.
        fake = subprocess.Popen(["python3", os.path.join(ROOT, "Tests/IntegrationTests/python/fake_upstream.py"),
                                 os.path.join(work, "fake.port"), os.path.join(work, "fake.log")])
        upstream = f"http://127.0.0.1:{wait_file(os.path.join(work, 'fake.port'), fake, 'the fake upstream')}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = open(os.path.join(work, "server.log"), "w")
        server = subprocess.Popen(
            [binary(), "serve", "--dev", "--port", str(port), "--no-demo-catalog",
             "--db", os.path.join(work, "catalog.sqlite"), "--rooms-dir", os.path.join(ROOT, "rooms"),
             "--web-root", os.path.join(ROOT, "web"), "--port-file", os.path.join(work, "server.port"),
             "--spotify-api-base", upstream, "--spotify-accounts-base", upstream,
             "--spotify-client-id", "browser-test-client", "--spotify-redirect-uri", f"{base}/",
             "--spotify-poll-interval", "1", "--youtube-api-base", upstream, "--youtube-api-key", "test-youtube-key"],
            stdout=server_log, stderr=subprocess.STDOUT)
        wait_file(os.path.join(work, "server.port"), server, "the server")
        h.base_url = base

        host = h.host()
        guest = h.guest("guest-spotify")
        assert not host.testids("now-playing"), "a now-playing card before anyone connected Spotify"

        guest.testid("connect-spotify").click()
        # Through the fake's authorize redirect and back: the same room and identity, joined again.
        guest.wait(lambda: "code=" not in guest.driver.current_url and "identity=guest-spotify" in guest.driver.current_url
                   and guest.css('#conn-status[data-state="open"]'), 30, "the return from Spotify's login into the room")
        guest.wait(lambda: guest.js("return document.getElementById('spotify-status').dataset.tone") == "ok", 30,
                   "the server to accept the Spotify token")
        me = guest.js("return window.wavedefect.app.me.identity")
        assert me == "guest-spotify", f"came back as {me}"

        def card():
            cards = [c for c in host.testids("now-playing") if c.get_attribute("data-identity") == "guest-spotify"]
            return cards[0] if cards and "Song A" in cards[0].text else None
        host.wait(card, 30, "the guest's now-playing card on the host's page")
        first = host.js("return document.querySelector('[data-testid=now-playing][data-identity=guest-spotify] progress').value")
        host.wait(lambda: host.js("return document.querySelector('[data-testid=now-playing][data-identity=guest-spotify] progress').value") > first + 900,
                  10, "the progress bar to advance")
        assert "Song A" in host.testid("now-playing").text
        link = host.testid("now-playing-youtube", card())
        href = checks.youtube_link(link, "the now-playing card")
        assert href == checks.YOUTUBE_PREFIX + "yt" + hashlib.sha256(b"Fake Artist Song A").hexdigest()[:9], \
            f"not the fake's video for 'Fake Artist Song A': {href}"
        people = host.js("return document.querySelector('#participants [data-identity=guest-spotify]').textContent")
        assert "Song A" in people, f"the participant list does not show what the guest plays: {people!r}"

        # The access token is handed to the server and kept nowhere the page can show or store.
        leaked = guest.js("""
            const store = [...Object.keys(sessionStorage).map(k => sessionStorage.getItem(k)),
                           ...Object.keys(localStorage).map(k => localStorage.getItem(k))].join(' ');
            return /playing-/.test(store + location.href + document.body.innerText);""")
        assert not leaked, "the Spotify access token is visible in storage, the URL or the page"

        host.screenshots("spotify-host")
        guest.screenshot("spotify-guest-desktop")
        h.check_consoles()
    finally:
        h.close()
        stop(server)
        stop(fake)
        shutil.rmtree(work, ignore_errors=True)
