"""Listen: two guests of the demo room press Listen at the same time, each with Chromium's fake
microphone playing a file (--use-file-for-fake-audio-capture, looped). One hears a demo-catalog
track, downloaded from the server: its page streams s16le chunks on `audio` and the recognizer
agent's `recognition` answer names that track, with the offset histogram whose tallest bar is
the match's offset. The other hears music that is in no catalog (synthesized here) and gets
`no_match`, never the first one's answer. The live spectrogram draws what the microphone
hears; Stop releases the microphone. Then the two failures a user meets: no microphone at all, and
microphone access refused. The suite's server has a YouTube key (searches answered by the
fake upstream): the match gains its "YouTube" link once the server found the video.
Screenshots of the match at desktop and phone width."""

import math
import os
import random
import struct
import tempfile
import urllib.parse
import wave

import checks
import harness


def stranger_wav(path, seconds=6.0, rate=22050):
    """Chords of random pitches with a plucked envelope and a little noise: music-like (peaks,
    onsets), but in no catalog."""
    rng = random.Random(1107)
    n = int(seconds * rate)
    samples = [0.0] * n
    beat = int(0.25 * rate)
    for start in range(0, n, beat):
        for _ in range(3):
            f = 110 * 2 ** (rng.randrange(0, 48) / 12)
            for i in range(min(beat * 2, n - start)):
                t = i / rate
                samples[start + i] += 0.18 * math.exp(-6 * t) * math.sin(2 * math.pi * f * t)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(max(-1, min(1, s + rng.uniform(-0.01, 0.01))) * 32767)) for s in samples))
    return path


def then_silence(path, seconds=90.0):
    """The track once, then silence: Chromium loops its fake microphone's file, and a window
    holding the end of one pass and the start of the next is two alignments of the same
    track, not what a microphone hears in a room."""
    with wave.open(path, "rb") as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    with wave.open(path, "wb") as w:
        w.setparams(params)
        w.writeframes(frames + b"\0" * int(seconds * params.framerate) * params.sampwidth * params.nchannels)
    return path


def state(page):
    return page.testid("listen-state").get_attribute("data-state")


def run(h):
    # A catalog track the recognizer must name: its own file, as the microphone hears it. A
    # bossa track: the demo catalog's other styles repeat their audio every 12 variants under
    # another title (identical recordings, either of which is a right answer); bossa does not.
    found = h.get_json("/api/tracks?q=" + urllib.parse.quote("Lazy Breeze") + "&limit=5")["tracks"]
    track = next(t for t in found if t["title"] == "Lazy Breeze" and t["artist"] == "Copacabana Lights")
    wav = then_silence(h.download(f"/api/tracks/{track['id']}/audio", ".wav"))
    fd, other = tempfile.mkstemp(prefix="wd-stranger-", suffix=".wav")
    os.close(fd)
    h.files.append(stranger_wav(other))
    h.log(f"microphone plays track {track['id']}: {track['title']} – {track.get('artist')}")

    ear = h.page("guest-listen", chromium_args=harness.microphone_args(wav)).join(name="Listener")
    odd = h.page("guest-stranger", chromium_args=harness.microphone_args(other)).join(name="Stranger")

    # Before Listen: the card explains itself and the spectrogram is idle.
    for p in (ear, odd):
        p.wait(lambda p=p: p.testid("listen-button").is_enabled(), 30, "the Listen button (the recognizer agent in the room)")
        assert state(p) == "idle", f"[{p.identity}] state before Listen: {state(p)}"
        p.testid("listen-button").click()

    # Both stream; the spectrogram scrolls and lights up with what the microphone hears.
    for p in (ear, odd):
        p.wait(lambda p=p: state(p) in ("listening", "match", "no_match"), 15, "listening")
        p.wait(lambda p=p: p.testid("listen-stop").is_displayed(), 5, "the Stop button")
        p.wait(lambda p=p: int(p.testid("listen-spectrogram").get_attribute("data-columns") or 0) > 50
               and checks.count(p, "listen-spectrogram")["lit"] > 200, 15, "a lit spectrogram")

    # The catalog track is recognized, and the card says why.
    ear.wait(lambda: state(ear) == "match", 30, f"a match for {track['title']}")
    title = ear.testid("listen-match-title").text
    assert title == track["title"], f"recognized {title!r}, the microphone played {track['title']!r}"
    if track.get("artist"):
        assert ear.testid("listen-match-artist").text == track["artist"]
    offset = float(ear.testid("listen-match-offset").get_attribute("data-offset"))
    # The offset is estimated to a fraction of a frame (docs/recognition.md), so a query that
    # starts at the track's first sample may come out a few milliseconds either side of 0.
    assert -0.05 <= offset <= float(track.get("duration_s") or 1e9) + 0.5, f"offset {offset} outside the track"
    bars = ear.js("return [...document.querySelectorAll('[data-testid=listen-histogram] rect')]"
                  ".map(r => [Number(r.dataset.offset), Number(r.dataset.count), r.classList.contains('hist-peak')])")
    assert bars, "the match has no offset histogram"
    peak = max(bars, key=lambda b: b[1])
    assert peak[2], f"the tallest bar is not the highlighted one: {bars}"
    assert abs(peak[0] - offset) < 0.05, f"the histogram's peak {peak[0]} is not the match's offset {offset}"
    assert "agree" in ear.css("#listen-why")[0].text
    h.log(f"match: {title} at {offset} s, {len(bars)} bars, peak {peak[1]}")

    # The track's video: looked up in the background after the first match, which the
    # recognizer then sends again with `youtube_url` while the microphone still streams.
    link = ear.wait(lambda: (ear.testids("listen-youtube") or [None])[0], 30, "the match's YouTube link")
    h.log(f"listen link: {checks.youtube_link(link, 'the Listen card')}")

    # Stop: the microphone is released, the answer stays readable.
    assert ear.js("window.micStream = window.wavedefect.listen.capture.stream; return window.micStream.getAudioTracks()[0].readyState") == "live"
    ear.testid("listen-stop").click()
    ear.wait(lambda: ear.testid("listen-button").is_displayed(), 5, "the Listen button back after Stop")
    assert ear.js("return window.micStream.getTracks().every(t => t.readyState === 'ended')"), "the microphone is still open after Stop"
    assert state(ear) == "match" and ear.testid("listen-match-title").text == track["title"]
    assert ear.css("#listen-sub")[0].text == "", "still streaming after Stop"
    ear.screenshots("listen-match")

    # The stranger's music is no catalog track: no_match, and never the other guest's answer.
    odd.wait(lambda: state(odd) == "no_match", 40, "no_match for music that is in no catalog")
    assert odd.testid("listen-match").is_displayed() is False
    assert "No match" in odd.testid("listen-state").text

    odd.testid("listen-stop").click()
    odd.wait(lambda: state(odd) == "idle", 5, "the stranger's card back to idle after Stop")

    # No microphone at all: the page says so (and streams nothing).
    deaf = h.page("guest-nomic", chromium_args=harness.microphone_args(None)).join(name="No mic")
    deaf.wait(lambda: deaf.testid("listen-button").is_enabled(), 30, "the Listen button")
    deaf.testid("listen-button").click()
    deaf.wait(lambda: state(deaf) == "error", 10, "the no-microphone error")
    assert "No microphone was found" in deaf.testid("listen-error").text, deaf.testid("listen-error").text
    assert deaf.testid("listen-button").is_displayed(), "Listen should be offered again"

    # Access refused (the user said no to the prompt; a fake UI would say yes, so this browser
    # has the fake device without it): a clear error, and Listen works once allowed.
    shy = h.page("guest-denied", chromium_args=("--use-fake-device-for-media-stream",)).join(name="Shy")
    shy.driver.execute_cdp_cmd("Browser.setPermission",
                               {"permission": {"name": "microphone"}, "setting": "denied", "origin": h.base_url})
    shy.wait(lambda: shy.testid("listen-button").is_enabled(), 30, "the Listen button")
    shy.testid("listen-button").click()
    shy.wait(lambda: state(shy) == "error", 10, "the permission-refused error")
    assert "access was refused" in shy.testid("listen-error").text, shy.testid("listen-error").text
    shy.driver.execute_cdp_cmd("Browser.setPermission",
                               {"permission": {"name": "microphone"}, "setting": "granted", "origin": h.base_url})
    shy.testid("listen-button").click()
    shy.wait(lambda: state(shy) in ("listening", "no_match", "match"), 15, "listening once allowed")
    assert not shy.testid("listen-error").is_displayed()
    shy.testid("listen-stop").click()
