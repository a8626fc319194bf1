"""Compose's nginx (deploy/nginx.conf, Debian's nginx) under the slowloris drill of issue 23 §3.

The stack behind it runs gunicorn's plain gthread worker, which slow clients starve when they
reach it (tests/faults/test_slowloris.py shows it on main): here nginx alone must protect it.  It
holds the slow sockets itself, forwards only requests that have arrived, and cuts a client off
once its headers take longer than ``client_header_timeout`` (nginx's default, 60 s, outlasts
the drill; deploy/nginx.conf sets 10 s).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.faults.conftest import drill_stack, supervised
from tests.faults.nginx_front import nginx_in_front
from tests.faults.slowloris import NormalClient, assert_nobody_starved, registering, run_drill


def test_slowloris_through_compose_nginx_starves_no_one(tmp_path, drill_broker):
    stack = drill_stack(tmp_path, drill_broker)
    stack.opts.worker_class = "gthread"  # nginx is the protection under test
    with supervised(stack) as drill:
        drill.activity(capacity=150)
        ports = {c.name: int(c.url.rsplit(":", 1)[1]) for c in stack.children if c.url and not c.sink}
        with nginx_in_front(tmp_path / "nginx", ports) as front:
            clients = [
                registering(front, "drill"),
                NormalClient("checkin", lambda s: s.get(f"{front}/scan", timeout=10)),
            ]
            figures = run_drill("slowloris-nginx", [("127.0.0.1", urlsplit(front).port)], clients)
    assert_nobody_starved(figures)
    # nginx let go of the slow clients (they came back: the drill reopens what is closed).
    assert figures["slow_sockets"][0]["closed_by_server"] >= 100, figures["slow_sockets"]
