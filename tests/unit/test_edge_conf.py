"""deploy/nginx.conf's promises that need no server (issue 24 §4); tests/faults/test_edge_nginx.py
runs the file itself in front of a stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sciday import gunicorn_conf

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
NGINX = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
# Every place a web replica's gunicorn command line is written.
COMMANDS = [
    ROOT / "docker-compose.yml",
    ROOT / "deploy" / "Dockerfile",
    ROOT / "sciday" / "stack.py",
    *sorted((ROOT / "deploy" / "k8s").glob("*.yaml")),
]


def _upstreams() -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"upstream\s+(\w+)\s*\{([^}]*)\}", NGINX)}


def test_nginx_closes_idle_upstream_connections_before_gunicorn_does():
    """A POST written on a connection gunicorn is closing gets a 502 (nginx never retries it)."""
    upstreams = _upstreams()
    assert set(upstreams) == {"registration", "checkin", "notify"}
    for name, body in upstreams.items():
        m = re.search(r"^\s*keepalive_timeout\s+(\d+)s;", body, re.M)
        assert m, f"upstream {name}: nginx's default keepalive_timeout (60 s) outlives gunicorn's"
        assert int(m.group(1)) < gunicorn_conf.keepalive, (name, m.group(1), gunicorn_conf.keepalive)


def test_no_command_line_shortens_gunicorns_keep_alive():
    """The value lives in sciday/gunicorn_conf.py; a --keep-alive on a command line overrides it."""
    for path in COMMANDS:
        text = path.read_text(encoding="utf-8")
        if "gunicorn" not in text:
            continue
        assert not re.search(r"--keep-alive|\"--keepalive", text), path.relative_to(ROOT)


def test_the_forwarded_proto_is_the_trusted_load_balancers_or_nginxs_own():
    assert "proxy_set_header X-Forwarded-Proto $scheme;" not in NGINX, (
        "overwrites a TLS load balancer's https"
    )
    assert re.search(r"proxy_set_header X-Forwarded-Proto \$edge_proto;", NGINX)
    geo = re.search(r"geo \$edge_trusted_lb \{([^}]*)\}", NGINX)
    assert geo and re.search(r"^\s*default 0;", geo.group(1), re.M), "trust no load balancer by default"


def test_tls_hsts_limits_and_gzip_are_on():
    assert re.search(r"^\s*listen 8443 ssl;", NGINX, re.M)
    assert "Strict-Transport-Security" in NGINX
    assert re.search(r"^\s*limit_req zone=edge_req burst=\d+ nodelay;", NGINX, re.M)
    assert re.search(r"^\s*limit_conn edge_conn \d+;", NGINX, re.M)
    assert re.search(r"^\s*gzip on;", NGINX, re.M)
    for directive in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert re.search(rf"^\s*{directive} 10s;", NGINX, re.M), directive
    assert "BEGIN" not in NGINX and "PRIVATE KEY" not in NGINX
