"""The client's address, trusting ``X-Forwarded-For`` only from configured proxies.

``SCIDAY_TRUSTED_PROXIES`` is a comma-separated list of addresses or CIDR blocks
(``10.0.0.0/8,127.0.0.1``). A request whose socket peer is in the list has its forwarded chain
read from the right: each hop that is itself a trusted proxy is skipped, and the first one that
is not is the client. A request from any other peer keeps its socket address, whatever headers it
sends, and the first such header is logged once per process as a warning: either a proxy is
missing from the list, or someone is trying to choose their own address.

The old form, a hop count (``1``), trusted whoever connected; it is refused at start-up.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("sciday.clientaddr")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(text: str) -> tuple[Network, ...]:
    items = [t.strip() for t in (text or "").split(",") if t.strip()]
    if len(items) == 1 and items[0].isdigit():
        if items[0] == "0":
            return ()
        raise ValueError(
            "SCIDAY_TRUSTED_PROXIES is a list of proxy addresses or CIDR blocks now (e.g. "
            "'10.0.0.0/8'), not a hop count: a hop count trusts any client that connects directly"
        )
    try:
        return tuple(ipaddress.ip_network(t, strict=False) for t in items)
    except ValueError as exc:
        raise ValueError(f"SCIDAY_TRUSTED_PROXIES: {exc}") from None


def _ip(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: sets ``REMOTE_ADDR`` (and the scheme) to what the trusted chain says.

    The socket peer stays in ``environ["sciday.peer_addr"]``.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], networks: tuple[Network, ...]):
        self.app, self.networks = app, networks
        self._warned = False
        self._lock = threading.Lock()

    def trusted(self, addr: Address | None) -> bool:
        return addr is not None and any(addr in net for net in self.networks)

    def client(self, peer: str, forwarded: str) -> str:
        """The client's address for a socket ``peer`` and an ``X-Forwarded-For`` value."""
        if not self.trusted(_ip(peer)):
            if forwarded:
                self._warn_once(peer)
            return peer
        client = peer
        for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
            addr = _ip(hop)
            if addr is None:
                break  # garbage in the chain: stop at the last address a trusted hop vouched for
            client = str(addr)
            if not self.trusted(addr):
                break
        return client

    def _warn_once(self, peer: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        log.warning(
            "X-Forwarded-For from %s ignored: the peer is not in SCIDAY_TRUSTED_PROXIES "
            "(using the socket address; this warning is given once per process)",
            peer,
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        peer = environ.get("REMOTE_ADDR", "")
        environ["sciday.peer_addr"] = peer
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        environ["REMOTE_ADDR"] = self.client(peer, forwarded)
        if forwarded and self.trusted(_ip(peer)):
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)
