"""Issue 29 item 4 on real Redis and the real seat scripts: the staffed window's reserved quota.

Online booking never takes the window's kept seats; a steward of the activity's venue books
them (channel ``window``, the steward's token id kept), then the general seats, then hears
``sold_out``; a steward of another venue is refused; the catalogue's seats_left is quota.lua's
seats_open; at the start the window's unbooked seats go to standby once (quota_return.lua).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from services.registration.app import create_app
from services.registration.seats.quota_store import QuotaReturns
from services.registration.vocabulary import CH_WINDOW, CONFIRMED, SOLD_OUT
from shared import events as ev
from shared.auth import create_token
from shared.envelope import decode
from shared.outbox_keys import stream_key
from tests.conftest import activity_doc


@pytest.fixture
def app(store_settings, store_redis):
    settings = store_settings.with_overrides(
        require_verified_phone=0, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0, soldout_memo_ms=0
    )
    return create_app(settings, redis_client=store_redis)


def bearer(store_settings, store_redis, role: str, venue: str | None = None) -> dict:
    token = create_token(store_redis, store_settings.redis_prefix, role, f"{role}-窗口", venue)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff(store_settings, store_redis):
    return {
        "organizer": bearer(store_settings, store_redis, "organizer"),
        "steward": bearer(store_settings, store_redis, "steward", "ln-stm"),
        "elsewhere": bearer(store_settings, store_redis, "steward", "siping-science-week"),
    }


def create(client, staff, aid: str, **over) -> None:
    doc = activity_doc(aid, capacity=3, max_party_size=2, waitlist={"enabled": False}, **over)
    doc.setdefault("quotas", {"window": {"seats": 1}})
    r = client.post("/api/v1/activities", json=doc, headers=staff["organizer"])
    assert r.status_code == 201, r.get_json()


def online(client, aid: str, phone: str, party: int = 1):
    body = {"name": "张三", "phone": phone, "party_size": party, "organization": "沈阳分院"}
    return client.post(f"/api/v1/activities/{aid}/registrations", json=body)


def at_window(client, headers, aid: str, phone: str | None = None, party: int = 1, **more):
    body = {"name": "李大爷", "party_size": party, "organization": "退休", **more}
    if phone:
        body["phone"] = phone
    return client.post(f"/api/v1/activities/{aid}/window-registrations", json=body, headers=headers)


def test_online_booking_cannot_take_the_window_quota_and_the_window_still_books(app, staff):
    client = app.test_client()
    create(client, staff, "win-q")
    assert online(client, "win-q", "13900000001", party=2).get_json()["status"] == CONFIRMED
    full = online(client, "win-q", "13900000002")
    assert full.status_code == 409 and full.get_json()["reason"] == SOLD_OUT  # the kept seat stays
    booked = at_window(client, staff["steward"], "win-q", phone="13900000002")
    assert booked.status_code == 201, booked.get_json()
    got = booked.get_json()
    assert (got["status"], got["channel"]) == (CONFIRMED, CH_WINDOW)
    assert "/t/" in got["print_url"] and "/print?t=" in got["print_url"]
    gone = at_window(client, staff["steward"], "win-q", phone="13900000003")
    assert gone.status_code == 409 and gone.get_json()["reason"] == SOLD_OUT  # both are gone


def test_the_window_takes_general_seats_when_its_quota_is_gone(app, staff):
    client = app.test_client()
    create(client, staff, "win-general")
    assert at_window(client, staff["organizer"], "win-general", phone="13900000001").status_code == 201
    second = at_window(client, staff["organizer"], "win-general", phone="13900000002", party=2)
    assert second.status_code == 201 and second.get_json()["status"] == CONFIRMED
    assert online(client, "win-general", "13900000003").get_json()["reason"] == SOLD_OUT


def test_a_steward_of_another_venue_is_refused(app, staff):
    client = app.test_client()
    create(client, staff, "win-venue")
    refused = at_window(client, staff["elsewhere"], "win-venue", phone="13900000001")
    assert refused.status_code == 403 and refused.get_json()["reason"] == "forbidden"
    seats = client.get("/api/v1/activities/win-venue/window", headers=staff["elsewhere"])
    assert seats.status_code == 403
    assert at_window(client, {}, "win-venue").status_code == 401


def test_the_catalogue_leaves_the_kept_seats_out_of_seats_left(app, staff):
    client = app.test_client()
    create(client, staff, "win-left")
    assert online(client, "win-left", "13900000001").get_json()["status"] == CONFIRMED
    shown = client.get("/api/v1/activities/win-left").get_json()
    assert shown["seats_left"] == 1  # capacity 3, one booked, one kept for the window
    listed = {a["id"]: a for a in client.get("/api/v1/activities").get_json()["activities"]}
    assert listed["win-left"]["seats_left"] == 1
    seats = client.get("/api/v1/activities/win-left/window", headers=staff["steward"]).get_json()
    assert (seats["seats_open"], seats["window_left"]) == (1, 1)


def test_walk_ins_without_a_phone_each_get_a_seat_and_the_booker_is_recorded(app, staff, store_redis):
    client = app.test_client()
    create(client, staff, "win-nophone", quotas={"window": {"seats": 2}})
    first = at_window(client, staff["steward"], "win-nophone")
    second = at_window(client, staff["steward"], "win-nophone")
    assert (first.status_code, second.status_code) == (201, 201), (first.get_json(), second.get_json())
    reg = app.extensions["sciday.seats"].get_registration(first.get_json()["registration_id"])
    assert reg["channel"] == CH_WINDOW and reg["booked_by"]["role"] == "steward"
    assert len(reg["booked_by"]["token_id"]) == 12 and "Bearer" not in json.dumps(reg["booked_by"])
    url = urlsplit(first.get_json()["print_url"])
    page = client.get(f"{url.path}?{url.query}&paper=58")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "李**" in html and "李大爷" not in html and "ticket_print_58.css" in html


def test_a_real_name_activity_needs_the_id_checked_by_eye(app, staff):
    client = app.test_client()
    create(client, staff, "win-rn", real_name=True)
    refused = at_window(client, staff["steward"], "win-rn", phone="13900000001")
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["reason"] == "validation_failed"
    assert "id_checked" in refused.get_json()["errors"]


def outbox_handed_back(store_settings, store_redis, aid: str) -> list[dict]:
    out = []
    for _id, fields in store_redis.xrange(stream_key(store_settings)):
        env = decode(fields[b"envelope"])
        if env["type"] == ev.SEATS_HANDED_BACK and env["activity_id"] == aid:
            out.append(env["data"])
    return out


def test_the_window_unbooked_seats_return_to_standby_once_at_the_start(
    app, staff, store_settings, store_redis
):
    client = app.test_client()
    create(client, staff, "win-return", quotas={"window": {"seats": 2}})
    assert at_window(client, staff["steward"], "win-return", phone="13900000001").status_code == 201
    returns = QuotaReturns(store_redis, store_settings)
    starts = datetime.fromisoformat(client.get("/api/v1/activities/win-return").get_json()["starts_at"])
    assert returns.give_back("win-return", starts - timedelta(minutes=1)) == ("too_early", 0)
    assert "win-return" not in returns.due(starts - timedelta(minutes=1))
    assert "win-return" in returns.due(starts + timedelta(seconds=1))
    assert returns.return_due(starts + timedelta(seconds=1)) == [("win-return", 1)]
    assert returns.give_back("win-return", starts + timedelta(minutes=5)) == ("already", 1)
    assert "win-return" not in returns.due(starts + timedelta(minutes=5))
    told = outbox_handed_back(store_settings, store_redis, "win-return")
    assert [(d["handed_back"], d["revision"]) for d in told] == [(1, 1)]


def test_a_seat_handed_back_after_the_return_keeps_the_returned_seats_in_the_count(
    app, staff, store_settings, store_redis
):
    """SeatsHandedBack carries the whole count: after the window's seats were returned, a later
    count (a holder cancels after the start) still counts them, so the pool never shrinks."""
    client = app.test_client()
    create(client, staff, "win-later", handback="waitlist", quotas={"window": {"seats": 2}})
    holder = online(client, "win-later", "13900000001").get_json()
    starts = datetime.fromisoformat(client.get("/api/v1/activities/win-later").get_json()["starts_at"])
    assert QuotaReturns(store_redis, store_settings).give_back("win-later", starts) == ("ok", 2)
    app.extensions["sciday.seats"].cancel(
        "win-later", holder["registration_id"], starts + timedelta(minutes=1)
    )
    told = outbox_handed_back(store_settings, store_redis, "win-later")
    assert [(d["handed_back"], d["revision"]) for d in told] == [(2, 1), (3, 2)]


def test_the_scheduler_pass_returns_the_window_seats_from_the_start_on(
    app, staff, store_settings, store_redis
):
    from services.registration.lottery import scheduler

    client = app.test_client()
    create(client, staff, "win-pass", quotas={"window": {"seats": 2}})
    starts = datetime.fromisoformat(client.get("/api/v1/activities/win-pass").get_json()["starts_at"])
    lotteries, settings, ports = (
        app.extensions[k] for k in ("sciday.lotteries", "sciday.settings", "sciday.registration")
    )
    scheduler.run_once(lotteries, settings, ports, (starts - timedelta(seconds=1)).timestamp())
    assert outbox_handed_back(store_settings, store_redis, "win-pass") == []
    scheduler.run_once(lotteries, settings, ports, (starts + timedelta(seconds=1)).timestamp())
    scheduler.run_once(lotteries, settings, ports, (starts + timedelta(seconds=30)).timestamp())  # once
    told = outbox_handed_back(store_settings, store_redis, "win-pass")
    assert [(d["handed_back"], d["revision"]) for d in told] == [(2, 1)]
