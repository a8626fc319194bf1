"""Issue 23 finding 10: the erasure API took the session cookie with no CSRF token or Origin check.

A page on another site could make a verified person's browser erase (or cancel) their registration.
On the cookie alone an API call that changes something must now carry the CSRF token in
``X-CSRF-Token`` or a same-site Origin/Referer; a bearer token is never sent by a browser by itself.
"""

from __future__ import annotations

import pytest

from services.registration.access.api import COOKIE
from services.registration.app import create_app
from shared import csrf
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import seed_session

PHONE = "13800138000"


@pytest.fixture
def mine(settings, redis):
    """A client whose browser holds a verified session cookie, and its registration's id."""
    app = create_app(
        settings.with_overrides(
            require_verified_phone=1, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0
        ),
        redis_client=redis,
    )
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    c = app.test_client()
    assert c.post("/api/v1/activities", json=activity_doc("talk-x"), headers=org).status_code == 201
    token = seed_session(redis, settings.redis_prefix, PHONE)
    r = c.post(
        "/api/v1/activities/talk-x/registrations",
        json={"name": "张三", "organization": "中国科学院", "party_size": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.get_json()
    c.set_cookie(COOKIE, token)
    return c, r.get_json()["registration_id"]


def still_mine(c, rid) -> bool:
    return c.get(f"/api/v1/me/registrations/{rid}").get_json().get("status") == "confirmed"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}, {"Origin": "null"}],
)
def test_erasure_on_the_cookie_from_another_site_is_refused(mine, headers):
    c, rid = mine
    r = c.post(f"/api/v1/me/registrations/{rid}/erasure", headers=headers)
    assert r.status_code == 403 and r.get_json()["reason"] == "cross_site_request"
    r = c.delete(f"/api/v1/me/registrations/{rid}", headers=headers)
    assert r.status_code == 403 and r.get_json()["reason"] == "cross_site_request"
    assert still_mine(c, rid)


def test_erasure_on_the_cookie_from_this_site_goes_through(mine):
    c, rid = mine
    r = c.post(f"/api/v1/me/registrations/{rid}/erasure", headers={"Origin": "http://localhost"})
    assert r.status_code == 200 and r.get_json()["erased_at"]


def test_erasure_with_the_csrf_token_echoed_goes_through(mine):
    c, rid = mine
    c.set_cookie(csrf.COOKIE, "t" * 32)
    r = c.post(f"/api/v1/me/registrations/{rid}/erasure", headers={csrf.HEADER: "t" * 32})
    assert r.status_code == 200 and r.get_json()["erased_at"]
    other = c.post(f"/api/v1/me/registrations/{rid}/erasure", headers={csrf.HEADER: "u" * 32})
    assert other.status_code == 403
