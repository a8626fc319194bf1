"""The slowloris drill (issue 23 §3): many sockets that each send a request's headers a line at a
time, slowly, while a normal client keeps asking for answers.

A server that gives each connection a thread (or a worker) until its headers are complete runs
out of them: the normal client then waits forever.  The drill measures the normal client's
latencies (p99 printed and recorded, never asserted: timings flake on a shared machine) and
counts the requests that got no answer within a generous bound, which is what a test asserts.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from tests.conftest import ROOT

# The drill of the issue: 200 sockets for 30 s, each sending a header line every 5 s.
SOCKETS = 200
DURATION_S = 30.0
LINE_EVERY_S = 5.0
# A normal request that gets no answer within this long counts as starved.
ANSWER_BOUND_S = 10.0


@dataclass
class Slowloris:
    """``sockets`` connections to ``host:port`` that never finish their headers.

    A socket the server closes (a header timeout) is opened again at once, as an attacker would.
    """

    host: str
    port: int
    sockets: int = SOCKETS
    line_every_s: float = LINE_EVERY_S
    path: str = "/healthz"
    opened: int = 0
    closed_by_server: int = 0
    lines_sent: int = 0
    most_open: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    _socks: list = field(default_factory=list)

    def _open(self) -> socket.socket | None:
        try:
            s = socket.create_connection((self.host, self.port), timeout=5)
            s.sendall(f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\n".encode())
        except OSError:
            return None
        self.opened += 1
        return s

    def _tick(self, n: int) -> None:
        for i, s in enumerate(self._socks):
            try:
                if s is None:
                    raise OSError("not connected")
                s.sendall(f"X-Slow-{n}: {i}\r\n".encode())
                self.lines_sent += 1
            except OSError:
                if s is not None:
                    self.closed_by_server += 1
                    s.close()
                self._socks[i] = self._open()
        self.most_open = max(self.most_open, sum(1 for s in self._socks if s is not None))

    def run(self) -> None:
        self._socks = [self._open() for _ in range(self.sockets)]
        self.most_open = sum(1 for s in self._socks if s is not None)
        n = 0
        while not self.stop.wait(self.line_every_s):
            n += 1
            self._tick(n)
        for s in self._socks:
            if s is not None:
                s.close()

    def start(self) -> threading.Thread:
        t = threading.Thread(target=self.run, daemon=True, name=f"slowloris-{self.port}")
        t.start()
        return t


@dataclass
class NormalClient:
    """Asks ``ask(session)`` again and again, one at a time, and times every answer."""

    name: str
    ask: Callable[[requests.Session], requests.Response]
    pause_s: float = 0.1
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    starved: list = field(default_factory=list)  # requests with no answer within ANSWER_BOUND_S

    def run(self, stop: threading.Event) -> None:
        session = requests.Session()
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                code: int | str = self.ask(session).status_code
                self.latencies.append(time.monotonic() - t0)
            except requests.RequestException as exc:
                code = type(exc).__name__
                self.starved.append(f"{code} after {time.monotonic() - t0:.1f}s")
                session = requests.Session()
            self.statuses[code] = self.statuses.get(code, 0) + 1
            stop.wait(self.pause_s)

    def p99_ms(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1)

    def figures(self) -> dict:
        return {
            "requests": sum(self.statuses.values()),
            "answers": {str(k): v for k, v in self.statuses.items()},
            "starved": self.starved[:5],
            "p50_ms": round(sorted(self.latencies)[len(self.latencies) // 2] * 1000, 1)
            if self.latencies
            else None,
            "p99_ms": self.p99_ms(),
        }


def run_drill(name: str, targets: list[tuple[str, int]], clients: list[NormalClient]) -> dict:
    """The slowloris on every ``(host, port)`` in ``targets`` for DURATION_S while ``clients`` ask;
    returns (and records in var/faults/<name>.json) the figures."""
    attacks = [Slowloris(host, port) for host, port in targets]
    threads = [a.start() for a in attacks]
    time.sleep(1.0)  # every slow socket open and holding its headers before the clients start
    stop = threading.Event()
    asking = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in clients]
    for t in asking:
        t.start()
    time.sleep(DURATION_S)
    stop.set()
    for a in attacks:
        a.stop.set()
    for t in asking + threads:
        t.join(ANSWER_BOUND_S + 5)
    figures = {
        "drill": name,
        "slow_sockets": [
            {
                "port": a.port,
                "most_open": a.most_open,
                "opened": a.opened,
                "closed_by_server": a.closed_by_server,
                "header_lines_sent": a.lines_sent,
            }
            for a in attacks
        ],
        "clients": {c.name: c.figures() for c in clients},
    }
    out = ROOT / "var" / "faults"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(figures, indent=2))
    print(f"\n{name}: {json.dumps(figures)}")
    return figures


def registering(base: str, aid: str) -> NormalClient:
    """A person registering (a new phone each time), then looking at the activity."""
    phones = (f"1{5_600_000_000 + i:010d}" for i in itertools.count())
    turn = itertools.count()

    def ask(session):
        if next(turn) % 2:
            return session.get(f"{base}/api/v1/activities/{aid}", timeout=ANSWER_BOUND_S)
        return session.post(
            f"{base}/api/v1/activities/{aid}/registrations",
            json={"name": "演练", "phone": next(phones), "party_size": 1},
            timeout=ANSWER_BOUND_S,
        )

    return NormalClient("registration", ask)


def health(name: str, base: str) -> NormalClient:
    return NormalClient(name, lambda session: session.get(f"{base}/healthz", timeout=ANSWER_BOUND_S))


def assert_nobody_starved(figures: dict) -> None:
    for attack in figures["slow_sockets"]:
        # The drill really held its sockets open (otherwise it proves nothing).
        assert attack["most_open"] >= SOCKETS * 0.9, attack
    for name, c in figures["clients"].items():
        assert not c["starved"], f"{name}: normal requests got no answer in {ANSWER_BOUND_S}s: {c}"
        assert c["requests"] >= 10, (name, c)
        unexpected = {k: v for k, v in c["answers"].items() if k not in ("200", "201", "409")}
        assert not unexpected, (name, c)
