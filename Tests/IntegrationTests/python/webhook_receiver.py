"""A webhook receiver for the integration tests, checking every delivery with LiveKit's own
Python SDK (livekit-api's WebhookReceiver: JWT signature, issuer, expiry, body SHA-256, and
parsing into LiveKit's protobuf WebhookEvent).

    webhook_receiver.py PORT_FILE LOG_FILE [--key K --secret S] [--fail-first N] [--status CODE]
                        [--delay-first SECONDS] [--blackhole]

Binds 127.0.0.1 on an ephemeral port and writes it to PORT_FILE. Each request appends one
JSON line to LOG_FILE: the status returned, whether LiveKit's receiver accepted it, and the
parsed event. The first N requests are answered 500 (to exercise retries), the others CODE
(default 200). --delay-first holds the answer to the first request that long (a slow
receiver, so events queue up behind it). --blackhole listens but never accepts, like a
receiver that hangs.

The receiver exits as soon as its standard input reaches end of file. The tests hand it a
pipe they hold open: however the test run ends (a failed test, a crash, a kill), the pipe
closes and the receiver goes with it, so it is never left running.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from google.protobuf.json_format import MessageToDict
from livekit.api import TokenVerifier, WebhookReceiver


def main() -> None:
    # Children of the test runner inherit its blocked SIGTERM (its threads block signals for
    # libdispatch): undo that, so ChildProcess.stop's SIGTERM ends this process at once.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("port_file")
    parser.add_argument("log_file")
    parser.add_argument("--key", default="devkey")
    parser.add_argument("--secret", default="secret")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--delay-first", type=float, default=0)
    parser.add_argument("--blackhole", action="store_true")
    args = parser.parse_args()
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()

    if args.blackhole:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        write_port(args.port_file, sock.getsockname()[1])
        while True:
            time.sleep(3600)

    receiver = WebhookReceiver(TokenVerifier(args.key, args.secret))
    state = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state["count"] += 1
            n = state["count"]
            auth = self.headers.get("Authorization", "")
            record = {
                "n": n,
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "bearer_prefix": auth.lower().startswith("bearer "),
            }
            try:
                event = receiver.receive(body.decode("utf-8"), auth)
                record["valid"] = True
                record["event"] = MessageToDict(event, preserving_proto_field_name=True)
            except Exception as error:  # noqa: BLE001 - any failure is reported to the test
                record["valid"] = False
                record["error"] = f"{type(error).__name__}: {error}"
                record["body"] = body.decode("utf-8", "replace")
            if n == 1 and args.delay_first > 0:
                time.sleep(args.delay_first)
            status = 500 if n <= args.fail_first else args.status
            record["status"] = status
            with open(args.log_file, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
            reply = b"ok" if status == 200 else b"try again"
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *values: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    write_port(args.port_file, server.server_address[1])
    server.serve_forever()


def exit_when_stdin_closes() -> None:
    """Blocks on standard input; its end means whoever started us is gone."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def write_port(path: str, port: int) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(port))
    os.replace(tmp, path)
    print(f"listening on {port}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
