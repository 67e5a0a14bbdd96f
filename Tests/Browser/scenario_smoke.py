"""Smoke: the page loads, joins the demo room with a dev token and goes live, with no console
errors (favicon included), for a host and a guest; screenshots at desktop and phone width."""


def run(h):
    host = h.host()
    guest = h.guest("guest-smoke")
    # Each sees the other once presence has gone round.
    for page, other in ((host, "guest-smoke"), (guest, "host")):
        page.wait(lambda: other in page.driver.page_source, 20, f"{other} in {page.identity}'s page")
    guest.screenshots("smoke-guest")
