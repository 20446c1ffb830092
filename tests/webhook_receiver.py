"""A real HTTP receiver on a loopback port that checks each webhook's signature."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tracker.api.webhooks import verify


class Receiver:
    def __init__(self, secret_for=lambda: "", answers: list[int] | None = None):
        self.secret_for = secret_for
        self.answers = list(answers or [])
        self.received: list[dict] = []
        self.arrived = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(
                    outer.secret_for(),
                    self.headers["X-Tracker-Timestamp"],
                    body,
                    self.headers["X-Tracker-Signature"],
                )
                outer.received.append(
                    {"valid": ok, "headers": dict(self.headers), "payload": json.loads(body)}
                )
                code = outer.answers.pop(0) if outer.answers else (200 if ok else 401)
                self.send_response(code)
                self.end_headers()
                outer.arrived.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
