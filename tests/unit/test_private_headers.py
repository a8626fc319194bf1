"""Issue 16, "Headers": answers carrying a ticket, a manage token or a booking are never stored by a
browser or a proxy, and the pages' CSP ``connect-src`` follows the configured public URL (the
loopback wildcard only on a development stack). The ports on the session's Redis; no other server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.registration.bootstrap import EXTENSION
from services.registration.seats import publishing, usecases
from shared.config import load
from tests.unit.registration_ports import app_ports, own_prefix
from tests.unit.registration_scenarios import activity_doc

FORM = {"name": "李四", "phone": "13900000001", "party_size": 1, "email": None, "organization": None}


def _app(redis_server, tmp_path, **over):
    from services.registration.app import create_app

    settings = load(
        {
            "redis_url": redis_server["redis_url"],
            "redis_prefix": own_prefix(),
            "kafka_bootstrap_servers": "127.0.0.1:1",
            "keys_dir": tmp_path,
            "require_verified_phone": False,
            **over,
        }
    )
    app = create_app(settings)
    ports = app_ports(app, settings)
    publishing.publish_activity(ports, activity_doc(ports, "open", capacity=10))
    return app, usecases.register(ports, "open", FORM)


@pytest.fixture(scope="module")
def site(tmp_path_factory, redis_server):
    return _app(redis_server, tmp_path_factory.mktemp("keys"))


def test_ticket_manage_and_api_answers_are_not_stored(site):
    app, reg = site
    client, rid, token = app.test_client(), reg["registration_id"], reg["manage_token"]
    paths = [
        f"/t/{rid}?t={token}",
        f"/r/{rid}?t={token}",
        f"/api/v1/registrations/{rid}?token={token}",
        f"/api/v1/registrations/{rid}/qr.png?token={token}",
        "/api/v1/activities",
        f"/api/v1/registrations/{rid}?token=wrong",  # a refusal is an API answer too
        "/me",
    ]
    for path in paths:
        r = client.get(path)
        assert r.status_code < 500, (path, r.status_code)
        assert r.headers.get("Cache-Control") == "no-store", (path, r.status_code, r.headers)


def test_public_pages_may_still_be_cached(site):
    app, _reg = site
    r = app.test_client().get("/a/open")
    assert r.status_code == 200
    assert "no-store" not in (r.headers.get("Cache-Control") or "")


def _connect_src(resp) -> str:
    csp = resp.headers["Content-Security-Policy"]
    return next(p.strip() for p in csp.split(";") if p.strip().startswith("connect-src"))


def test_connect_src_follows_the_public_url_outside_development(tmp_path, redis_server):
    # Outside loopback every key is a setting (shared/keyfile.py refuses the file fallback there).
    keys = {k: "k" * 32 for k in ("hmac_secret", "internal_api_key", "noshow_pepper", "door_id_key")}
    seals = {f"seal_keys_{p}": "1:" + "A" * 43 for p in ("registration", "notify")}
    app, _reg = _app(redis_server, tmp_path, public_base_url="https://kejijie.example.cn", **keys, **seals)
    got = _connect_src(app.test_client().get("/a/open"))
    assert got == "connect-src 'self' https://kejijie.example.cn"
    assert "127.0.0.1" not in got and "localhost" not in got


def test_a_development_stack_keeps_the_loopback(site):
    app, _reg = site
    got = _connect_src(app.test_client().get("/a/open"))
    assert "'self'" in got and "http://127.0.0.1:*" in got
