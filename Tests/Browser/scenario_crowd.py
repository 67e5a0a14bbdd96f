"""A crowded room (docs/protocol.md, "Crowded rooms"): `crowded-lab` (Tests/Browser/rooms/) is
crowded past 5 visible participants and lists 4 per page. Twelve bots — headless clients over
real WebSockets, one of them the room's host — fill it before the guest's page joins. The page
shows the server's count, not the length of its first page; pages through everyone with
"Show more"; shows the host and the taste agent with their badges; shows now-playing from a
bot it has not listed yet; follows joins and leaves with the one-a-second counts; and "Refresh"
reads the list again without the people who left."""

import json
import threading
import urllib.parse

import checks

ROOM = "crowded-lab"
HOST = "crowd-host"


class Bot:
    """One participant over a real WebSocket (a dev token from /dev/token); a thread reads
    everything the server sends, so the bot is never a slow or idle reader."""

    def __init__(self, h, identity):
        from websockets.sync.client import connect

        query = urllib.parse.urlencode({"identity": identity, "name": identity, "room": ROOM})
        token = h.get_json(f"/dev/token?{query}")["token"]
        url = h.base_url.replace("http://", "ws://", 1) + "/rtc?access_token=" + token
        self.identity = identity
        self.ws = connect(url, open_timeout=30, close_timeout=5)
        while True:
            msg = json.loads(self.ws.recv(timeout=30))
            if msg.get("type") == "joined":
                break
        threading.Thread(target=self.drain, daemon=True).start()

    def drain(self):
        try:
            for _ in self.ws:
                pass
        except Exception:
            pass

    def send(self, message):
        self.ws.send(json.dumps(message))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass


def listed(page):
    """The identities the participant list shows (present ones, not those greyed out as left)."""
    return page.js("return [...document.querySelectorAll('#participants [data-testid=\"participant\"]:not(.is-left)')]"
                   ".map((e) => e.dataset.identity)")


def visible(page, testid):
    return any(e.is_displayed() for e in page.testids(testid))


def page_through(page):
    """Clicks "Show more" until the list says it holds everyone; returns the identities listed."""
    for _ in range(20):
        if not visible(page, "participants-more"):
            return listed(page)
        before = len(listed(page))
        checks.click(page, lambda: page.testid("participants-more"), "Show more")
        page.wait(lambda: len(listed(page)) > before or not visible(page, "participants-more"), 20,
                  f"the next page after {before} listed")
    page.harness.fail(f"still more to show after 20 pages: {listed(page)}")


def shown_says(page, listed_count, total):
    return page.testid("participants-shown").text == f"{listed_count} of {total} listed"


def run(h):
    bots = {}
    try:
        for identity in [HOST] + [f"crowd-b{i:02}" for i in range(1, 12)]:
            bots[identity] = Bot(h, identity)

        guest = h.page("crowd-guest").join(ROOM, name="Crowd Guest")
        # The count is the server's (12 bots and the guest; agents are not counted), though the
        # first page lists 4 of them besides the guest.
        guest.wait(lambda: guest.testid("participant-count").text == "13", 20, "the room's count of 13 people")
        assert "13 people" in guest.css("#room-meta")[0].text, guest.css("#room-meta")[0].text
        first = listed(guest)
        assert len(first) == 5, f"the first page plus the guest: {first}"
        assert visible(guest, "participants-more"), "no Show more in a crowded room with more to list"
        assert guest.testid("participants-shown").text.startswith("5 of "), guest.testid("participants-shown").text

        # A bot far down the list reports playback: its card shows before the guest lists it.
        bots["crowd-b11"].send({"type": "publish", "topic": "now-playing", "reliable": True, "payload": {
            "track": {"name": "Crowd Song", "artists": ["The Bots"], "duration_ms": 200000},
            "is_playing": True, "progress_ms": 1000}})
        guest.wait(lambda: [e for e in guest.testids("now-playing") if e.get_attribute("data-identity") == "crowd-b11"],
                   20, "the now-playing card of a participant not listed yet")
        assert "crowd-b11" not in listed(guest)
        guest.js("window.scrollTo(0, 0)")
        guest.screenshot("crowd-guest-desktop")

        everyone = page_through(guest)
        missing = (set(bots) | {"crowd-guest"}) - set(everyone)
        assert not missing, f"paging never listed {sorted(missing)}: {everyone}"
        assert len(everyone) == len(set(everyone)), f"someone listed twice: {everyone}"
        agents = guest.js("return [...document.querySelectorAll('#participants .person')]"
                          ".filter((e) => e.querySelector('.badge-agent')).map((e) => e.dataset.identity)")
        assert agents, f"the taste agent is not listed with its badge: {everyone}"
        total = len(everyone)
        guest.wait(lambda: shown_says(guest, total, total), 10, f"'{total} of {total} listed'")
        host_item = guest.css(f'#participants [data-identity="{HOST}"]')[0]
        assert host_item.find_elements("css selector", ".badge-host"), "the host has no host badge"
        assert f"hosted by {HOST}" in guest.css("#room-meta")[0].text, guest.css("#room-meta")[0].text

        # Three join: nobody announces them, the count follows within a second or two, and
        # "Show more" lists them after everyone already there.
        for identity in ("crowd-n1", "crowd-n2", "crowd-n3"):
            bots[identity] = Bot(h, identity)
        guest.wait(lambda: guest.testid("participant-count").text == "16", 20, "the count after three joined")
        guest.wait(lambda: visible(guest, "participants-more"), 10, "Show more for the newcomers")
        everyone = page_through(guest)
        assert {"crowd-n1", "crowd-n2", "crowd-n3"} <= set(everyone), f"the newcomers are not listed: {everyone}"

        # Four leave: the count follows; Refresh reads the list again without them.
        gone = [f"crowd-b{i:02}" for i in range(1, 5)]
        for identity in gone:
            bots.pop(identity).close()
        guest.wait(lambda: guest.testid("participant-count").text == "12", 20, "the count after four left")
        checks.click(guest, lambda: guest.testid("participants-refresh"), "Refresh")
        guest.wait(lambda: len(listed(guest)) == 5, 20, "the list read again from its first page")
        everyone = page_through(guest)
        assert not set(gone) & set(everyone), f"people who left are still listed: {everyone}"
        missing = (set(bots) | {"crowd-guest"}) - set(everyone)
        assert not missing, f"after Refresh, paging never listed {sorted(missing)}"
        assert len(everyone) == len(bots) + 1 + len(agents), f"listed {everyone}, agents {agents}"
        guest.wait(lambda: shown_says(guest, len(everyone), len(everyone)), 10, "everyone listed")
        assert guest.testid("participant-count").text == "12"
    finally:
        for bot in bots.values():
            bot.close()
