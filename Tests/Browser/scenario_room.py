"""The room as a product: chat is a chat (text, not JSON) and a late joiner gets the recent
chat marked as earlier; the developer plumbing (ping, server metrics, raw data, composer) is
behind the Developer button; empty cards say what will appear and how; on a phone the views
are tabs; the keyboard alone can search and add a seed; text from the network is never HTML."""

import time

import harness
from selenium.webdriver.common.keys import Keys


def visible(page, selector):
    return any(e.is_displayed() for e in page.css(selector))


def run(h):
    host = h.host()

    # Product first: no developer panels until asked for; empty cards explain themselves.
    for selector in ("#ping-last", "#stream", "#composer"):
        assert not visible(host, selector), f"{selector} is visible outside the Developer view"
    for empty in ("now-playing-empty", "chat-empty", "recs-empty", "seed-empty"):
        text = host.js(f"return document.getElementById('{empty}').textContent")
        assert len(text) > 40, f"the empty state #{empty} does not explain itself: {text!r}"

    # This server has no Spotify client id: the button explains the setup instead of failing.
    host.testid("connect-spotify").click()
    host.wait(lambda: "--spotify-client-id" in host.css("#spotify-status")[0].text, 10, "the Spotify setup explanation")
    assert "code=" not in host.driver.current_url

    # Chat from the keyboard; markup in a message stays text.
    chat = host.css("#chat-input")[0]
    chat.send_keys("hello <b>room</b>", Keys.ENTER)
    host.wait(lambda: host.css(".chat-mine:not(.chat-pending)"), 10, "the chat message to be acknowledged")
    assert host.css(".chat-mine .chat-text")[-1].text == "hello <b>room</b>"
    assert not host.css(".chat-text b"), "a chat message was inserted as HTML"

    # A late joiner sees it, marked as history.
    guest = h.guest("guest-late")
    # (Other scenarios may have chatted in this room before: look for ours among the lines.)
    guest.wait(lambda: "hello <b>room</b>" in [e.text for e in guest.css(".chat-msg.chat-history .chat-text")], 20,
               "the host's message in the chat history")
    assert "{" not in guest.css("#chat-log")[0].text, "chat shows raw JSON"
    guest.css("#chat-input")[0].send_keys("hi host", Keys.ENTER)
    host.wait(lambda: any(e.text == "hi host" for e in host.css(".chat-msg .chat-text")), 10, "the guest's reply")

    # Developer view: ping, metrics, raw stream and composer, one click away.
    host.css("#dev-btn")[0].click()
    host.wait(lambda: visible(host, "#ping-last") and host.css("#ping-last")[0].text.endswith("ms"), 20, "the ping card")
    host.wait(lambda: visible(host, "#metrics") , 20, "the server metrics")
    assert visible(host, "#composer") and visible(host, "#stream")

    # Keyboard only: Tab to the search box is not needed, focus it and type; Enter searches,
    # ArrowDown reaches the results, Enter on "+ Seed" adds one.
    guest.testid("catalog-search").click()
    guest.testid("catalog-search").send_keys("waltz", Keys.ENTER)
    guest.wait(lambda: "“waltz”" in guest.css("#search-status")[0].text and guest.testids("search-result"), 20, "results for 'waltz'")
    guest.testid("add-seed", guest.testids("search-result")[0]).send_keys(Keys.ENTER)
    guest.wait(lambda: guest.css("#seed-list li"), 10, "a seed added with the keyboard")

    # Phone width: the views become tabs.
    guest.viewport(*harness.PHONE)
    guest.wait(lambda: visible(guest, ".tabbar"), 10, "the tab bar on a phone")
    guest.css('.tab[data-tab-target="taste"]')[0].click()
    guest.wait(lambda: visible(guest, '[data-testid="taste-similarity"]') and not visible(guest, '[data-testid="catalog-search"]'),
               10, "the Taste tab alone")
    guest.css('.tab[data-tab-target="map"]')[0].click()
    guest.wait(lambda: visible(guest, '[data-testid="catalog-map"]'), 10, "the Map tab")
    guest.css('.tab[data-tab-target="chat"]')[0].click()
    guest.wait(lambda: visible(guest, "#chat-log"), 10, "the Chat tab")
    guest.screenshot("room-guest-phone-chat", *harness.PHONE, full_page=False)
    guest.viewport(*harness.DESKTOP)
    # Desktop: everything together, no tabs.
    guest.wait(lambda: not visible(guest, ".tabbar") and visible(guest, '[data-testid="catalog-map"]')
               and visible(guest, '[data-testid="recs-list"]') and visible(guest, '[data-testid="taste-similarity"]'),
               10, "all views together at desktop width")
    host.screenshot("room-host-developer-desktop")
