"""Discover, taste, map and playback, as a guest of the demo room beside its host:
the guest finds tracks through the search box and adds them as seeds; the taste gauge and the
recommendations appear; a thumb-down removes a track that does not come back; a knob change
re-ranks; the map canvas is drawn with highlighted points (read back from WebGL); a track
plays through the <audio> element and the visualizer canvas changes. Screenshots of the guest
at desktop and phone width. The suite's server has a YouTube key (searches answered by the fake
upstream): tracks shown once are looked up in the background, and the next list links them."""

import math
import time

import checks
from selenium.webdriver.common.keys import Keys


def settled_recs(page, what, quiet=1.5, timeout=30):
    """The recommendations once no answer has changed them for `quiet` seconds."""
    seen = {"ids": None, "since": time.monotonic()}

    def still():
        ids = rec_ids(page)
        if ids != seen["ids"]:
            seen.update(ids=ids, since=time.monotonic())
            return None
        return ids if ids and time.monotonic() - seen["since"] >= quiet else None
    return page.wait(still, timeout, what)


def rec_ids(page):
    """The recommendations' track ids, top first (read in one call: the list may re-render)."""
    return page.js("return [...document.querySelectorAll('[data-testid=rec-item]')].map(e => e.dataset.trackId)")


def run(h):
    host = h.host()
    guest = h.guest("guest-discover")

    # The map is drawn as soon as the room is shown: every catalog track is a point.
    expected = h.get_json("/api/map")["count"]
    guest.wait(lambda: guest.testid("catalog-map").get_attribute("data-points") == str(expected), 30,
               f"the map's {expected} points")

    # Search (fuzzy: a typo still finds the sambas) and add two seeds.
    search = guest.testid("catalog-search")
    search.send_keys("smba")
    guest.wait(lambda: "“smba”" in guest.css("#search-status")[0].text and len(guest.testids("search-result")) >= 2,
               20, "search results for 'smba'")
    titles = guest.js("return [...document.querySelectorAll('[data-testid=search-result]')].map(e => e.textContent)")
    assert any("Samba" in t for t in titles), f"no samba among the results: {titles}"
    seeds = guest.js("return [...document.querySelectorAll('[data-testid=search-result]')].slice(0, 2).map(e => e.dataset.trackId)")
    for i in range(2):
        checks.click(guest, lambda: guest.testid("add-seed", guest.testids("search-result")[i]), f"seed {i}")

    # Recommendations arrive, each with a reason, none of them a seed. The seeds go out one
    # control each, so the recommender answers twice: the list for the first seed alone may
    # well hold the second. Settling (no change for 1.5 s) is no proof the second answer came:
    # on a loaded machine it came later, and the first list was taken for the answer to both
    # (scenario_discover's "a seed was recommended"). So wait for a list without the seeds,
    # then check the settled list still has none.
    guest.wait(lambda: len(guest.css("#seed-list li")) == 2, 10, "both seeds in the seed list")
    guest.wait(lambda: len(rec_ids(guest)) >= 5 and not set(rec_ids(guest)) & set(seeds), 30,
               f"recommendations for both seeds (none of them a seed: {seeds})")
    first = settled_recs(guest, "the recommendations for both seeds")
    assert not set(first) & set(seeds), f"a seed was recommended: {first} vs seeds {seeds}"
    whys = guest.js("return [...document.querySelectorAll('[data-testid=rec-item]')].map(e => e.querySelector('.tt-why')?.textContent || '')")
    assert whys and all(w.startswith("near ") for w in whys), f"every recommendation should say why: {whys}"

    # The taste view fills: the seeds are in the guest's profile, compared with the host's.
    sim = guest.wait(lambda: guest.testid("taste-similarity").get_attribute("data-value"), 40, "a similarity")
    shown = guest.testid("taste-similarity").text
    assert 0 <= float(sim) <= 1 and shown == f"{math.floor(float(sim) * 100 + 0.5)}%", f"similarity {sim} shown as {shown!r}"
    guest.wait(lambda: len(guest.testid("taste-guest").find_elements("css selector", "li")) >= 2, 20, "the guest's tracks")
    assert len(guest.testid("taste-host").find_elements("css selector", "li")) >= 1, "the host's tracks are missing"

    # A thumb-down removes the track, and it never comes back (not after a re-rank either).
    gone = settled_recs(guest, "a settled list")[0]
    checks.click(guest, lambda: guest.driver.find_element(
        "css selector", f'[data-testid="rec-item"][data-track-id="{gone}"] [data-testid="thumb-down"]'), "the first thumb-down")
    guest.wait(lambda: gone not in rec_ids(guest), 5, f"track {gone} to disappear")
    guest.wait(lambda: "re-ranking" not in guest.js("return document.getElementById('recs-status').textContent").lower(),
               20, "the recommender's answer to the thumb")
    assert gone not in settled_recs(guest, "the list after the thumb"), f"thumbed-down track {gone} came back"

    # The list after the thumb shows tracks shown before, whose videos were found meanwhile:
    # they carry "YouTube" links.
    links = guest.wait(lambda: guest.testids("rec-youtube"), 20, "YouTube links in the recommendations")
    for link in links:
        checks.youtube_link(link, "a recommendation")
    h.log(f"recommendations with a YouTube link: {len(links)} of {len(rec_ids(guest))}")

    # Moving a knob re-ranks the list (explore 0.3 → 1: novel and varied).
    before = settled_recs(guest, "the list before the knob")
    guest.js("const k = document.querySelector('[data-testid=knob-explore]'); k.value = '1'; k.dispatchEvent(new Event('input', {bubbles: true}))")
    guest.wait(lambda: rec_ids(guest) != before and rec_ids(guest), 20, "a re-ranked list after the explore knob")
    assert gone not in rec_ids(guest), f"thumbed-down track {gone} came back after the knob"

    # The map highlights the host's tracks, the guest's and the recommendations.
    def highlighted():
        c = checks.count(guest, "catalog-map")
        return c if c["mine"] > 20 and c["rec"] > 20 and c["host"] > 20 else None
    counts = guest.wait(highlighted, 20, "highlighted points on the map (host, mine, recommended)")
    h.log(f"map pixels: {counts}")

    # The map from the keyboard: arrows move between points (the tooltip names the track),
    # Enter opens Play / + Seed, and + Seed adds it.
    seeds_before = len(guest.css("#seed-list li"))
    guest.testid("catalog-map").send_keys(Keys.ARROW_RIGHT)
    tip = guest.wait(lambda: [e for e in guest.css("#map-tip") if e.is_displayed() and e.text.strip()], 10, "the map's tooltip")[0]
    h.log(f"map tooltip: {tip.text}")
    guest.testid("catalog-map").send_keys(Keys.ENTER)
    guest.wait(lambda: guest.css("#map-menu")[0].is_displayed(), 10, "the map's track menu")
    if guest.css("#map-seed")[0].is_enabled():
        guest.css("#map-seed")[0].click()
        guest.wait(lambda: len(guest.css("#seed-list li")) == seeds_before + 1, 10, "a seed added from the map")

    # Play the top recommendation: the audio element reaches `playing` and the visualizer moves.
    idle = checks.count(guest, "audio-visualizer")
    checks.click(guest, lambda: guest.testid("play", guest.testids("rec-item")[0]), "the first play button")
    guest.wait(lambda: guest.js("return document.querySelector('.player-card').dataset.state") == "playing", 20, "audio playing")
    assert guest.js("const a = document.getElementById('audio'); return !a.paused && a.currentSrc.includes('/api/tracks/')")
    frames = []

    def moving():
        frames.append(checks.count(guest, "audio-visualizer"))
        return len({f["hash"] for f in frames}) > 1 and max(f["lit"] for f in frames) > idle["lit"]
    # Each sample reads the canvas back from a software-rendered page, slow on a loaded
    # machine: at load ~30 ten seconds were once not enough (the same check, more time).
    guest.wait(moving, 30, "the visualizer to change while the track plays")

    guest.screenshots("discover-guest")
    host.screenshots("discover-host")
