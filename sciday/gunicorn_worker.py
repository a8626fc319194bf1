"""The web services' gunicorn worker: gthread, except that a slow client never holds a thread.

Gunicorn's own gthread worker (the pinned version) keeps a new connection in its poller only
until the first byte arrives; then a thread reads the rest of the request, blocking.  200 sockets
that each send a header line every 5 s therefore took every thread, and a normal client got no
answer at all (issue 23 §3).

This worker keeps every connection in the poller, reading without blocking, until its request has
arrived: the request line and headers (within ``SCIDAY_WEB_HEADER_TIMEOUT_S``) and a body of known
length up to ``SCIDAY_WEB_BUFFER_BODY_BYTES`` (pausing at most ``SCIDAY_WEB_BODY_TIMEOUT_S``
between reads), as nginx does in front of a backend.  Only then does a thread parse it, from the
bytes already read.  A connection past its deadline is closed.  A waiting connection costs a
socket and its bytes, never a thread, so the threads stay with the requests that are complete.

Use it with ``gunicorn -k sciday.gunicorn_worker.BufferingThreadWorker`` (``WORKER_CLASS``);
``sciday up``, the tests' stacks, compose, k8s and the image do.
"""

from __future__ import annotations

import errno
import re
import selectors
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from shared.config import load

WORKER_CLASS = "sciday.gunicorn_worker.BufferingThreadWorker"

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?$", re.I | re.M)
_CHUNKED = re.compile(rb"^transfer-encoding[ \t]*:.*chunked", re.I | re.M)
_EXPECT = re.compile(rb"^expect[ \t]*:[ \t]*100-continue", re.I | re.M)
# The last chunk and at most 16 trailer lines, at the very end of what arrived.
_LAST_CHUNK = re.compile(rb"\n0+[ \t]*(;[^\r\n]*)?\r?\n([^\r\n]+\r?\n){0,16}\r?\n$")
_TAIL = 2048  # how far back from the end the last chunk is looked for


def request_arrived(data: bytes | bytearray, max_head: int, max_body: int) -> tuple[bool, bool]:
    """``(complete, in_body)`` for the bytes read so far of one HTTP/1 request.

    Complete when the head has ended and the body is all there (no body, a body of known length,
    or a chunked body up to its last chunk); and also when waiting longer cannot help: a head over
    ``max_head`` bytes or a body over ``max_body`` (gunicorn or the app refuses those), or an
    ``Expect: 100-continue`` (the client sends its body only after gunicorn's answer)."""
    end = _HEAD_END.search(data)
    if end is None:
        return len(data) > max_head, False
    head, body_bytes = data[: end.start() + 1], len(data) - end.end()  # the body is not copied
    if _EXPECT.search(head):
        return True, True
    if _CHUNKED.search(head):
        tail = data[max(end.end() - 1, len(data) - _TAIL) :]  # from the head's last newline at most
        return body_bytes > max_body or bool(_LAST_CHUNK.search(tail)), True
    lengths = _LENGTH.findall(head)
    if not lengths:
        return True, False
    if len(set(lengths)) > 1:  # conflicting lengths: gunicorn refuses the request
        return True, True
    want = int(lengths[0])
    return want > max_body or body_bytes >= want, True


class BufferedConn(TConn):
    """gthread's connection with what has arrived of its request, and whether the poller watches it."""

    arrived: bytearray
    watched: bool


class BufferingThreadWorker(ThreadWorker):
    """gthread whose connections wait for their whole request in the poller (module docstring)."""

    def init_process(self) -> None:
        settings = load()
        self.header_timeout = settings.web_header_timeout_s
        self.body_timeout = settings.web_body_timeout_s
        self.max_body = settings.web_buffer_body_bytes
        cfg = self.cfg
        # The longest head gunicorn's own limits let through: past it, waiting cannot help.
        self.max_head = (
            cfg.limit_request_line + cfg.limit_request_fields * (cfg.limit_request_field_size + 2) + 4
        )
        self.arriving: dict[Any, float] = {}  # connection -> deadline
        # TLS and cleartext HTTP/2 read their first bytes in gunicorn's own way: keep gthread's
        # then (TLS ends at the proxy and HTTP/2 is off in every deployment of sciday).
        self.buffering = not cfg.is_ssl and cfg.http2_cleartext == "off"
        super().init_process()

    # -- connections wait in the poller until their request has arrived -------------------------
    def accept(self, listener: Any) -> None:
        if not self.buffering:
            return super().accept(listener)
        try:
            sock, addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = BufferedConn(self.cfg, sock, addr, listener.getsockname())  # sets the socket non-blocking
        conn.arrived, conn.watched = bytearray(), False
        self.arriving[conn] = time.monotonic() + self.header_timeout
        if not self._take(conn):
            self.poller.register(sock, selectors.EVENT_READ, partial(self._read, conn))
            conn.watched = True

    def on_client_socket_readable(self, conn: Any, client: Any) -> None:
        """A kept-alive connection's next request starts: it must arrive whole as well."""
        if not self.buffering:
            return super().on_client_socket_readable(conn, client)
        self.keepalived_conns.remove(conn)
        conn.arrived, conn.watched = bytearray(), True  # still registered, for gthread's keep-alive
        self.arriving[conn] = time.monotonic() + self.header_timeout
        if not self._take(conn):
            self.poller.modify(client, selectors.EVENT_READ, partial(self._read, conn))

    def enqueue_req(self, conn: Any) -> None:
        """gthread calls this for a request the parser read ahead (pipelined behind the last
        one): it must have arrived whole as well.  (The poller hands over in ``_take``.)"""
        if conn.initialized and self.buffering:
            conn.arrived = bytearray(conn.parser.unreader.take_buffered())
            if not request_arrived(conn.arrived, self.max_head, self.max_body)[0]:
                conn.sock.setblocking(False)
                self.arriving[conn] = time.monotonic() + self.header_timeout
                self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read, conn))
                conn.watched = True
                return
        super().enqueue_req(conn)

    def _read(self, conn: Any, client: Any) -> None:
        self._take(conn)

    def _take(self, conn: Any) -> bool:
        """Read what the client sent; hand the request to a thread once it has arrived.  False
        while the connection must wait for more."""
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            data = b""
        if not data:  # the client went away before its request was whole
            self._forget(conn)
            self.nr_conns -= 1
            conn.close()
            return True
        conn.arrived += data
        complete, in_body = request_arrived(conn.arrived, self.max_head, self.max_body)
        if complete:
            self._forget(conn)
            conn.data_ready = True  # gthread's own wait for a first byte is over too
            super().enqueue_req(conn)
            return True
        if in_body:  # the head is in: from now on only pauses between reads are bounded
            self.arriving[conn] = time.monotonic() + self.body_timeout
        return False

    def _forget(self, conn: Any) -> None:
        self.arriving.pop(conn, None)
        if conn.watched:
            conn.watched = False
            try:
                self.poller.unregister(conn.sock)
            except (OSError, KeyError, ValueError):
                pass

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c, deadline in self.arriving.items() if deadline <= now]:
            self._forget(conn)
            self.nr_conns -= 1
            conn.close()

    # -- a thread parses what has arrived --------------------------------------------------------
    def handle(self, conn: Any) -> Any:
        arrived = getattr(conn, "arrived", None)
        if arrived:
            conn.arrived = bytearray()
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(arrived)
        return super().handle(conn)
