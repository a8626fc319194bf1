"""The pages of fair access without a browser: the phone step, the code, the session cookie, the
real-name form and 我的报名 (Chromium drives the same pages in tests/e2e/test_fair_chromium.py)."""

from __future__ import annotations

import re

import pytest

from services.registration.access import api as api_verification
from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import resident_id


class Outbox:
    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send_code(self, phone, code, locale, ttl_min, channel="sms"):
        self.sent.append((phone, code))


@pytest.fixture
def outbox():
    return Outbox()


@pytest.fixture
def app(settings, redis, outbox):
    app = create_app(
        settings.with_overrides(
            require_verified_phone=1, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0
        ),
        redis_client=redis,
    )
    w = app.extensions["sciday.verification"]
    app.extensions["sciday.verification"] = api_verification.Wiring(w.store, outbox, w.policy, w.secret)
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    for aid, real in (("imax-p", True), ("talk-p", False)):
        doc = activity_doc(aid, real_name=real, audience="public")
        assert app.test_client().post("/api/v1/activities", json=doc, headers=org).status_code == 201
    return app


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, outbox, phone="138 0013 8000", nxt="/a/imax-p", lang=""):
    page = client.get(f"/login?next={nxt}{lang}").get_data(True)
    r = client.post("/login", data={"csrf_token": csrf(page), "phone": phone, "next": nxt})
    assert r.status_code == 200 and 'autocomplete="one-time-code"' in r.get_data(True)
    code = outbox.sent[-1][1]
    r = client.post(
        "/login/verify",
        data={"csrf_token": csrf(r.get_data(True)), "phone": phone, "code": code, "next": nxt},
    )
    assert r.status_code == 303 and r.headers["Location"] == nxt
    return r


def test_the_form_asks_for_the_phone_first(app):
    page = app.test_client().get("/a/imax-p").get_data(True)
    assert (
        "第一步：验证手机号" in page and "/login?next=/a/imax-p" in page and 'name="m0_id_number"' not in page
    )


def test_verify_then_register_a_real_name_party_then_find_it_in_my_registrations(app, outbox):
    c = app.test_client()
    login(c, outbox)
    page = c.get("/a/imax-p").get_data(True)
    assert "已验证手机号" in page and "138****8000" in page and 'name="m0_id_number"' in page
    form = {
        "csrf_token": csrf(page),
        "m0_name": "张三",
        "m0_id_type": "resident_id",
        "m0_id_number": resident_id(5),
        "m1_name": "张小宝",
        "m1_id_type": "none",
        "m1_birth_date": "2020-03-01",
        "consent": "1",  # the notice and consent (issue 16)
    }
    r = c.post("/a/imax-p", data=form)
    assert r.status_code == 303 and r.headers["Location"].startswith("/t/"), r.get_data(True)[:500]
    mine = c.get("/me").get_data(True)
    assert "我的报名" in mine and "已确认，2 人" in mine and "1101**********" + resident_id(5)[-4:] in mine
    assert resident_id(5) not in mine


def test_a_wrong_check_digit_is_shown_on_the_member_in_english(app, outbox):
    c = app.test_client()
    login(c, outbox, lang="&lang=en")
    page = c.get("/a/imax-p?lang=en").get_data(True)
    bad = resident_id(6)[:-1] + ("1" if resident_id(6)[-1] != "1" else "2")
    r = c.post(
        "/a/imax-p?lang=en",
        data={
            "csrf_token": csrf(page),
            "m0_name": "Li Si",
            "m0_id_type": "resident_id",
            "m0_id_number": bad,
            "consent": "1",
        },
    )
    body = r.get_data(True)
    assert r.status_code == 422 and "The check digit does not match; check the number." in body
    main = body.split("<main>")[1].split("</main>")[0]
    for data in ("辽宁省科学技术馆", "巨幕影院"):  # the activity's own data may be Chinese
        main = main.replace(data, "")
    assert not re.search(r"[\u4e00-\u9fff]", main), main


def test_a_wrong_code_says_so_and_keeps_the_code_step(app, outbox):
    c = app.test_client()
    page = c.get("/login").get_data(True)
    r = c.post("/login", data={"csrf_token": csrf(page), "phone": "13800138000", "next": "/me"})
    code = outbox.sent[-1][1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = c.post(
        "/login/verify", data={"csrf_token": csrf(r.get_data(True)), "phone": "13800138000", "code": wrong}
    )
    assert r.status_code == 422 and "验证码不正确" in r.get_data(True) and 'name="code"' in r.get_data(True)


def test_my_registrations_needs_the_phone(app):
    r = app.test_client().get("/me")
    assert r.status_code == 303 and r.headers["Location"] == "/login?next=/me"


def test_next_never_leaves_the_site(app, outbox):
    c = app.test_client()
    page = c.get("/login").get_data(True)
    r = c.post("/login", data={"csrf_token": csrf(page), "phone": "13800138000", "next": "//evil.example/x"})
    assert 'name="next" value="/me"' in r.get_data(True)
