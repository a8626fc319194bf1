"""Issue 29 item 4 with fair access on (verified phones, real names), on real Redis: the window
books a real-name party for a walk-in without an SMS session, with the IDs checked by eye; the
per-ID limits still count (fair.lua in the seat script); who checked is kept, never an ID in a log."""

from __future__ import annotations

import logging

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import member, resident_id


@pytest.fixture
def app(store_settings, store_redis, realname_authority):
    settings = store_settings.with_overrides(
        realname_url=realname_authority.url,
        require_verified_phone=1,
        rate_limit_ip_per_min=0,
        rate_limit_phone_per_min=0,
        soldout_memo_ms=0,
    )
    return create_app(settings, redis_client=store_redis)


@pytest.fixture
def steward(store_settings, store_redis):
    token = create_token(store_redis, store_settings.redis_prefix, "steward", "窗口", "ln-stm")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def real_name(app, store_settings, store_redis):
    org = create_token(store_redis, store_settings.redis_prefix, "organizer", "主办")
    doc = activity_doc("win-rn", real_name=True, quotas={"window": {"seats": 4}})
    r = app.test_client().post("/api/v1/activities", json=doc, headers={"Authorization": f"Bearer {org}"})
    assert r.status_code == 201, r.get_json()
    return "win-rn"


def book(client, headers, members, **more):
    body = {"name": "王奶奶", "organization": "退休", "party_size": len(members), "members": members, **more}
    return client.post("/api/v1/activities/win-rn/window-registrations", json=body, headers=headers)


def test_a_real_name_walk_in_is_booked_with_the_ids_checked_and_no_id_in_the_log(
    app, steward, real_name, caplog
):
    client = app.test_client()
    caplog.set_level(logging.INFO, logger="sciday.registration")
    unchecked = book(client, steward, [member(1, "王奶奶")])
    assert unchecked.status_code == 422 and "id_checked" in unchecked.get_json()["errors"]
    booked = book(client, steward, [member(1, "王奶奶"), member(2, "王小明")], id_checked=True)
    assert booked.status_code == 201, booked.get_json()
    reg = app.extensions["sciday.seats"].get_registration(booked.get_json()["registration_id"])
    assert reg["channel"] == "window" and reg["id_checked"]["by"] == reg["booked_by"]["token_id"]
    assert [m["name_masked"] for m in reg["members"]] == ["王**", "王**"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "window registration" in logged and resident_id(1) not in logged and "王奶奶" not in logged
    again = book(client, steward, [member(1, "王奶奶")], id_checked=True)  # the same ID again
    assert again.status_code == 409 and again.get_json()["reason"] == "id_duplicate"
