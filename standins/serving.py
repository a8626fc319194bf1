"""What every HTTP stand-in shares: its Flask app served on a thread (for the tests, and for its
own process under `make run`), and a process that runs until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer


class Served:
    """``s = Sub(...).start(); s.port; s.stop()``: a subclass says how to build its app."""

    thread_name = "stand-in"

    def __init__(self, port: int = 0):
        self.port = port
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None

    def make_app(self) -> Flask:
        raise NotImplementedError

    def start(self) -> Any:
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        server = self.server = make_server("127.0.0.1", self.port, self.make_app(), threaded=True)
        self.port = server.server_port
        self.thread = threading.Thread(target=server.serve_forever, name=self.thread_name, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None


def add_health(app: Flask, service: str) -> None:
    """``GET /healthz``: the stand-in is up (the supervisor's health check)."""
    app.add_url_rule("/healthz", "healthz", lambda: {"status": "ok", "service": service})


def until_signalled() -> None:
    """Block until SIGTERM or SIGINT (the supervisor's stop, or Ctrl-C)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
