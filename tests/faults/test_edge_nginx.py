"""The edge (issue 24 §4): compose's nginx (deploy/nginx.conf, Debian's nginx) in front of a test
stack, over TLS and behind a trusted load balancer (tests/faults/nginx_front.py: the test process
is the load balancer from 127.0.0.1; a client bound to 127.0.0.2 is anyone else)."""

from __future__ import annotations

import http.client
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import wait_for
from tests.faults.conftest import drill_stack, supervised
from tests.faults.nginx_front import edge_in_front

PUBLIC = "127.0.0.2"  # a client that is not the load balancer
BURST_BOUND = 4000  # requests: far past limit_req's burst, and the loop's end when nothing limits
IDLE_BOUND_S = 120  # longer than nginx's and gunicorn's idle upstream timeouts
TCP_STATES = {"01": "ESTABLISHED", "06": "TIME_WAIT", "08": "CLOSE_WAIT", "09": "LAST_ACK"}


@pytest.fixture(scope="module")
def edge(tmp_path_factory, drill_broker):
    tmp = tmp_path_factory.mktemp("edge")
    stack = drill_stack(tmp, drill_broker)
    with supervised(stack) as drill:
        drill.activity(capacity=500)
        ports = {c.name: int(c.url.rsplit(":", 1)[1]) for c in stack.children if c.url and not c.sink}
        with edge_in_front(tmp / "nginx", ports) as front:
            front.gunicorn_args = next(c.args for c in stack.children if c.name.startswith("registration"))
            yield front


def _secure(set_cookie: str) -> bool:
    return "secure" in [part.strip().lower() for part in set_cookie.split(";")]


def _from_public(base: str, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10, source_address=(PUBLIC, 0))
    conn.request("GET", path, headers=headers)
    return conn.getresponse()


def test_https_answers_with_hsts_and_secure_cookies(edge):
    r = requests.get(f"{edge.https}/a/drill", verify=edge.certificate, timeout=10)
    assert r.status_code == 200, r.text[:300]
    assert r.headers.get("Strict-Transport-Security", "").startswith("max-age="), r.headers
    assert _secure(r.headers["Set-Cookie"]), r.headers["Set-Cookie"]


def test_a_trusted_load_balancers_https_keeps_cookies_secure(edge):
    r = requests.get(f"{edge.http}/a/drill", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert r.status_code == 200, r.text[:300]
    assert _secure(r.headers["Set-Cookie"]), r.headers["Set-Cookie"]
    assert r.headers.get("Strict-Transport-Security", "").startswith("max-age=")
    # Its plain http stays plain (the cookie without Secure, no HSTS): nginx does not guess.
    plain = requests.get(f"{edge.http}/a/drill", headers={"X-Forwarded-Proto": "http"}, timeout=10)
    assert plain.status_code == 200 and not _secure(plain.headers["Set-Cookie"])
    assert "Strict-Transport-Security" not in plain.headers


def test_anyone_else_on_plain_http_is_sent_to_https_whatever_they_claim(edge):
    resp = _from_public(edge.http, "/a/drill", {"X-Forwarded-Proto": "https", "Host": "sciday.example"})
    assert resp.status == 301, resp.status
    assert resp.getheader("Location") == "https://sciday.example/a/drill"
    assert _from_public(edge.http, "/nginx-health", {}).status == 200  # the healthcheck stays plain


@pytest.mark.parametrize(
    "path",
    [
        "/internal/v1/verification-codes",
        "/internal/v1/revocations",
        "/internal",
        "//internal/v1/revocations",
        "/%69nternal/v1/revocations",
        "/static/../internal/v1/revocations",
        "/metrics",
        "/metrics/",
        "/metrics?x=1",
    ],
)
def test_internal_calls_and_metrics_are_not_served_at_the_edge(edge, path):
    for base, kwargs in ((edge.https, {"verify": edge.certificate}), (edge.http, {})):
        for method in ("GET", "POST"):
            r = requests.request(method, base + path, timeout=10, allow_redirects=False, **kwargs)
            assert r.status_code in (403, 404), (base, method, path, r.status_code, r.text[:200])
            assert "nginx" in r.text, "refused by nginx itself, not passed on to a service"


def test_text_answers_are_gzipped(edge):
    for path in ("/a/drill", "/openapi.json", "/static/js/scan.js"):  # HTML, JSON, script
        r = requests.get(
            f"{edge.https}{path}", headers={"Accept-Encoding": "gzip"}, verify=edge.certificate, timeout=10
        )
        assert r.status_code == 200, (path, r.status_code)
        assert r.headers.get("Content-Encoding") == "gzip", (path, r.headers)


def test_one_address_past_the_burst_gets_429_and_others_do_not(edge):
    session = requests.Session()
    flooder = {"X-Forwarded-For": "203.0.113.9"}
    statuses: dict[int, int] = {}
    for _ in range(BURST_BOUND):
        r = session.get(f"{edge.http}/api/v1/activities/drill", headers=flooder, timeout=10)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        if r.status_code in (429, 503):
            assert "nginx" in r.text, "nginx's limit_req, not a service"
            break
    assert set(statuses) - {200} <= {429, 503} and statuses.get(429, 0) + statuses.get(503, 0) == 1, statuses
    # The burst let a NAT's worth of requests through first.
    assert statuses[200] >= 300, statuses
    # Someone else behind the load balancer is not limited with the flooder.
    other = session.get(f"{edge.http}/api/v1/activities/drill", headers={"X-Forwarded-For": "198.51.100.4"})
    assert other.status_code == 200


def _tcp() -> list[tuple[int, int, str, int]]:
    """IPv4 TCP sockets on this machine: (local port, remote port, state, inode); /proc/net/tcp."""
    out = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        out.append(
            (int(f[1].split(":")[1], 16), int(f[2].split(":")[1], 16), TCP_STATES.get(f[3], f[3]), int(f[9]))
        )
    return out


def _socket_inodes(master: int) -> set[int]:
    """The sockets held by nginx's master and its workers."""
    pids = [master] + [
        int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and _ppid(d) == master
    ]
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def _ppid(proc_dir: Path) -> int:
    try:
        return int((proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def test_nginx_closes_idle_upstream_connections_before_gunicorn_so_a_post_never_gets_502(edge):
    """nginx kept an idle connection to a replica longer (60 s) than gunicorn did (2 s): gunicorn
    closed it, and a POST nginx wrote on it just then was answered 502, never retried.  The race
    itself is a matter of microseconds; who closes the idle connection is not: the side that
    closes first is left holding its end in TIME_WAIT.  It must be nginx's."""
    replica = int(edge.gunicorn_args[edge.gunicorn_args.index("--bind") + 1].rsplit(":", 1)[1])
    session = requests.Session()

    def post(phone: str) -> int:
        r = session.post(
            f"{edge.http}/api/v1/activities/drill/registrations",
            json={"name": "边缘", "phone": phone, "party_size": 1},
            headers={"X-Forwarded-For": "198.51.100.77"},
            timeout=10,
        )
        return r.status_code

    assert post("15800000001") == 201
    nginx = _socket_inodes(edge.pid)
    kept = {
        lp for lp, rp, state, inode in _tcp() if rp == replica and state == "ESTABLISHED" and inode in nginx
    }
    assert kept, "nginx keeps its upstream connection to the replica open (keepalive)"
    wait_for(
        lambda: not {lp for lp, rp, s, _i in _tcp() if rp == replica and s != "TIME_WAIT"} & kept,
        timeout=IDLE_BOUND_S,
        what="the idle upstream connection to close",
    )
    sockets = _tcp()
    closed_by_nginx = {lp for lp, rp, s, _i in sockets if rp == replica and s == "TIME_WAIT"} & kept
    closed_by_gunicorn = {rp for lp, rp, s, _i in sockets if lp == replica and s == "TIME_WAIT"} & kept
    assert closed_by_nginx == kept and not closed_by_gunicorn, (closed_by_nginx, closed_by_gunicorn)
    assert post("15800000002") == 201  # and the POST after the idle time goes through
