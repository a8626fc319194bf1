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


def network_of(text: str, v4_prefix: int, v6_prefix: int) -> str:
    """The network an address is counted in for the SMS caps: its IPv4 /v4_prefix or IPv6
    /v6_prefix (an IPv4-mapped IPv6 address as IPv4); the text itself when it is no address."""
    addr = _ip(text)
    if addr is None:
        return text
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    length = v4_prefix if addr.version == 4 else v6_prefix
    return str(ipaddress.ip_network(f"{addr}/{length}", strict=False))


def within(text: str, networks: tuple[Network, ...]) -> bool:
    """True when ``text`` is an address in one of ``networks`` (IPv4-mapped IPv6 as IPv4)."""
    addr = _ip(text)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr is not None and any(addr in net for net in networks)


def venue_networks(text: str) -> tuple[Network, ...]:
    """``SCIDAY_VERIFY_VENUE_NETWORKS``: addresses or CIDR blocks, comma-separated."""
    try:
        return tuple(
            ipaddress.ip_network(t.strip(), strict=False) for t in (text or "").split(",") if t.strip()
        )
    except ValueError as exc:
        raise ValueError(f"SCIDAY_VERIFY_VENUE_NETWORKS: {exc}") from None
