"""Security headers and CSRF on pages, unguessable manage links, rate limits shared by workers."""

from __future__ import annotations

import importlib
import re

import pytest

from services.registration.app import create_app as registration_app
from shared.auth import create_token
from tests.conftest import activity_doc

HTML_HEADERS = {"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"}


def _org(redis, settings):
    return {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "o")}


def _html_get_routes(app):
    for rule in app.url_map.iter_rules():
        if (
            "GET" in rule.methods
            and not rule.arguments
            and not rule.rule.startswith(("/api/", "/static"))
            and rule.rule not in ("/healthz", "/metrics", "/openapi.json")
        ):
            yield rule.rule


@pytest.mark.parametrize("service", ["registration", "checkin", "notify"])
def test_every_page_has_security_headers(service, settings, redis):
    app = importlib.import_module(f"services.{service}.app").create_app(settings)
    client = app.test_client()
    if service == "registration":
        client.post("/api/v1/activities", json=activity_doc("hdr"), headers=_org(redis, settings))
    paths = list(_html_get_routes(app)) + (
        ["/a/hdr", "/t/nope?t=x", "/r/nope?t=x"] if service == "registration" else []
    )
    for path in paths:
        resp = client.get(path)
        assert resp.status_code < 500, path
        missing = HTML_HEADERS - set(resp.headers.keys())
        if resp.mimetype == "text/html":
            assert not missing, (path, missing)
            assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert (
            resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
        )


def test_forms_need_the_csrf_token(settings, redis):
    app = registration_app(settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0))
    c = app.test_client()
    c.post("/api/v1/activities", json=activity_doc("csrf"), headers=_org(redis, settings))
    form = {
        "name": "张三",
        "phone": "13800000001",
        "organization": "科学院",
        "party_size": "1",
        "consent": "1",
    }
    assert c.post("/a/csrf", data=form).status_code == 400  # no token at all
    page = c.get("/a/csrf")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert c.post("/a/csrf", data=dict(form, csrf_token=token + "x")).status_code == 400  # mismatch
    assert c.get("/api/v1/activities/csrf").get_json()["seats_taken"] == 0
    ok = c.post("/a/csrf", data=dict(form, csrf_token=token))
    assert ok.status_code == 303
    assert "SameSite=Strict" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]


def test_manage_tokens_are_long_random_and_distinct(settings, redis):
    app = registration_app(settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0))
    c = app.test_client()
    c.post("/api/v1/activities", json=activity_doc("links", capacity=1000), headers=_org(redis, settings))
    tokens = []
    for i in range(300):
        r = c.post(
            "/api/v1/activities/links/registrations",
            json={"name": "甲", "phone": f"1380000{i:04d}", "organization": "x", "party_size": 1},
        )
        tokens.append(r.get_json()["manage_url"].split("t=")[1])
    assert len(set(tokens)) == 300
    assert all(len(t) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)  # 192 random bits
    rid = r.get_json()["registration_id"]
    for attempt in ("", tokens[0], tokens[-1][:-1], tokens[-1].upper()):
        resp = c.get(f"/api/v1/registrations/{rid}", query_string={"token": attempt} if attempt else None)
        assert resp.status_code in (401, 404)
        resp = c.delete(f"/api/v1/registrations/{rid}", query_string={"token": attempt} if attempt else None)
        assert resp.status_code in (401, 404)
    assert c.get(f"/api/v1/registrations/{rid}?token={tokens[-1]}").get_json()["status"] == "confirmed"


def test_rate_limits_hold_across_workers(settings, redis):
    """Two app instances (two gunicorn workers) share one limit because it lives in Redis."""
    s = settings.with_overrides(rate_limit_ip_per_min=4, rate_limit_phone_per_min=0)
    w1, w2 = registration_app(s).test_client(), registration_app(s).test_client()
    w1.post("/api/v1/activities", json=activity_doc("rl", capacity=100), headers=_org(redis, settings))
    codes = []
    for i in range(6):
        worker = (w1, w2)[i % 2]
        codes.append(
            worker.post(
                "/api/v1/activities/rl/registrations",
                json={"name": "乙", "phone": f"1390000{i:04d}", "organization": "x", "party_size": 1},
            ).status_code
        )
    assert codes == [201, 201, 201, 201, 429, 429]


def test_checkin_is_rate_limited_per_token(settings, redis):
    ck = importlib.import_module("services.checkin.app").create_app(
        settings.with_overrides(rate_limit_token_per_min=2)
    )
    c = ck.test_client()
    steward = {
        "Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "steward", "s", "ln-stm")
    }
    other = {
        "Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "steward", "t", "ln-stm")
    }
    codes = [
        c.post("/api/v1/checkins", json={"code": "SD1.x", "gate": "1"}, headers=steward).status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 429]
    limited = c.post("/api/v1/checkins", json={"code": "SD1.x", "gate": "1"}, headers=steward)
    assert limited.get_json()["reason"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    assert c.post("/api/v1/checkins", json={"code": "SD1.x", "gate": "1"}, headers=other).status_code == 400
