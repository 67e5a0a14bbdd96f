"""A dropped connection resumes without losing the page's state. The guest's page talks to the
server through a TCP relay in this script; the relay then cuts every connection with a reset
(as a network drop does: no close frame). The page reconnects with its resume token, the server
replays what was published meanwhile (the host's chat message), and everything on the page —
seeds, recommendations, chat — is still there."""

import socket
import struct
import threading

import checks
from selenium.webdriver.common.keys import Keys


class Relay:
    """Listens on a free loopback port and relays each connection to the server."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.sockets = []
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    @staticmethod
    def pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def drop(self):
        """Resets every relayed connection (SO_LINGER 0: RST, no FIN, no close frame)."""
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.drop()
        self.listener.close()


def run(h):
    server_port = int(h.base_url.rsplit(":", 1)[1])
    relay = Relay(server_port)
    try:
        host = h.host()
        direct = h.base_url
        h.base_url = f"http://127.0.0.1:{relay.port}"
        guest = h.guest("guest-resume")
        h.base_url = direct

        guest.testid("catalog-search").send_keys("waltz")
        guest.wait(lambda: "“waltz”" in guest.css("#search-status")[0].text and guest.testids("search-result"), 20, "results")
        checks.click(guest, lambda: guest.testid("add-seed", guest.testids("search-result")[0]), "add-seed")
        guest.wait(lambda: len(guest.testids("rec-item")) >= 3, 30, "recommendations")
        recs = [e.get_attribute("data-track-id") for e in guest.testids("rec-item")]
        guest.css("#chat-input")[0].send_keys("before the drop", Keys.ENTER)
        guest.wait(lambda: guest.css(".chat-msg:not(.chat-pending)"), 10, "the chat message acknowledged")

        relay.drop()
        guest.wait(lambda: guest.css('#conn-status[data-state="reconnecting"]') or "Resumed" in guest.css("#banner-text")[0].text,
                   20, "the page to notice the drop")
        host.css("#chat-input")[0].send_keys("while you were away", Keys.ENTER)
        guest.wait(lambda: "Resumed" in guest.css("#banner-text")[0].text, 30, "the resume report")
        guest.wait(lambda: guest.css('#conn-status[data-state="open"]'), 10, "live again")

        texts = lambda: [e.text for e in guest.css(".chat-msg .chat-text")]
        guest.wait(lambda: "while you were away" in texts(), 20, "the message sent during the drop, replayed")
        assert "before the drop" in texts(), f"the chat lost a message: {texts()}"
        assert [e.get_attribute("data-track-id") for e in guest.testids("rec-item")] == recs, "the recommendations changed"
        assert guest.css("#seed-list li"), "the seeds are gone"
        sid_before = guest.js("return window.wavedefect.app.me.sid")
        assert sid_before, "no participant sid after the resume"
    finally:
        relay.close()
