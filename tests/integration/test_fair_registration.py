"""Registering with fair access, against real Redis: a verified phone, real-name members, an ID
at most once per activity, per-ID limits, a bound Idempotency-Key, and 我的报名."""

from __future__ import annotations

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import bearer, member, resident_id, seed_session


@pytest.fixture
def app(settings, redis):
    return create_app(
        settings.with_overrides(
            require_verified_phone=1,
            rate_limit_ip_per_min=0,
            rate_limit_phone_per_min=0,
            id_per_day=2,
            id_per_festival=3,
        ),
        redis_client=redis,
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def org(settings, redis):
    return {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}


@pytest.fixture
def session(redis, settings):
    return lambda phone: bearer(seed_session(redis, settings.redis_prefix, phone))


def make(client, org, aid="imax-rn", **over):
    over.setdefault("real_name", True)
    r = client.post("/api/v1/activities", json=activity_doc(aid, **over), headers=org)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["real_name"] is over["real_name"]


def register(client, headers, aid="imax-rn", members=None, party=None, **over):
    members = members if members is not None else [member(1)]
    body = {"name": "张三", "organization": "中国科学院", "party_size": party or len(members) or 1}
    if members:  # [] = an activity without real names: no members at all
        body["members"] = members
    body.update(over)
    return client.post(f"/api/v1/activities/{aid}/registrations", json=body, headers=headers)


def refused(resp, status):
    body = resp.get_json()
    assert resp.status_code == status, body
    return body["reason"]


def test_registering_needs_a_verified_phone(client, org):
    make(client, org)
    assert refused(register(client, {}), 401) == "phone_not_verified"
    assert refused(register(client, {"Authorization": "Bearer vs_forged"}), 401) == "phone_not_verified"


def test_the_phone_is_the_sessions(client, org, session):
    make(client, org)
    me = session("13800138000")
    r = register(client, me, phone="+86 139 0013 9000")
    assert refused(r, 401) == "phone_not_verified"
    r = register(client, me, phone="138-0013-8000")
    assert r.status_code == 201, r.get_json()
    mine = client.get("/api/v1/me/registrations", headers=me).get_json()
    assert mine["phone_masked"] == "138****8000" and len(mine["registrations"]) == 1


def test_members_are_stored_masked_and_the_ticket_shows_them(client, org, session, redis, settings):
    make(client, org)
    me = session("13800138000")
    kid = {"name": "张小宝", "id_type": "none", "birth_date": "2019-06-01"}
    r = register(client, me, members=[member(1), member(2, "李四"), kid])
    assert r.status_code == 201, r.get_json()
    reg = client.get("/api/v1/me/registrations", headers=me).get_json()["registrations"][0]
    assert [m["id_type"] for m in reg["members"]] == ["resident_id", "resident_id", "none"]
    assert reg["members"][0] == {
        "name_masked": "张*",
        "id_type": "resident_id",
        "id_masked": "1101**********" + resident_id(1)[-4:],
    }
    # the clear number is nowhere in Redis: not in the record, not in the outbox event
    for key in redis.scan_iter(f"{settings.redis_prefix}*"):
        kind = redis.type(key).decode()
        if kind == "hash":
            blob = b"".join(redis.hvals(key))
        elif kind == "stream":
            blob = repr(redis.xrange(key)).encode()
        else:
            continue
        assert resident_id(1).encode() not in blob and resident_id(2).encode() not in blob


def test_an_id_once_per_activity_across_parties(client, org, session):
    make(client, org)
    assert register(client, session("13800138000"), members=[member(1)]).status_code == 201
    r = register(client, session("13900139000"), members=[member(7), member(1, "李四")], locale="en")
    assert refused(r, 409) == "id_duplicate"
    assert r.get_json()["message"] == "This ID is already registered for this activity."


def test_id_refusals_name_the_member_in_the_persons_language(client, org, session):
    make(client, org)
    bad = dict(member(2), id_number=resident_id(2)[:-1] + ("0" if resident_id(2)[-1] != "0" else "1"))
    r = register(client, session("13800138000"), members=[member(1), bad])
    assert refused(r, 422) == "id_invalid"
    assert r.get_json()["errors"] == {"members": {"1": {"id_number": ["校验位不正确，请核对号码"]}}}
    r = register(client, session("13800138000"), members=[member(1)], party=2, locale="en")
    assert refused(r, 422) == "id_invalid"
    assert r.get_json()["errors"] == {"members": ["Give one member per person of the party."]}


def test_per_id_limits_per_day_and_per_festival(client, org, session):
    for i, day in enumerate([3, 3, 3, 4, 5]):
        make(client, org, aid=f"act-{i}", **_on_day(day))
    me = session("13800138000")
    assert register(client, me, aid="act-0").status_code == 201
    assert register(client, session("13800138001"), aid="act-1").status_code == 201
    # a third on the same festival day: the per-day limit (2)
    assert refused(register(client, session("13800138002"), aid="act-2"), 409) == "id_limit_reached"
    assert register(client, session("13800138003"), aid="act-3").status_code == 201
    # a fourth in the festival: the per-festival limit (3)
    assert refused(register(client, session("13800138004"), aid="act-4"), 409) == "id_limit_reached"
    # cancelling gives the ID back
    rid = client.get("/api/v1/me/registrations", headers=me).get_json()["registrations"][0]["registration_id"]
    assert client.delete(f"/api/v1/me/registrations/{rid}", headers=me).get_json()["status"] == "cancelled"
    assert register(client, session("13800138004"), aid="act-4").status_code == 201


def _on_day(days: int) -> dict:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    start = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=10, minute=0, second=0, microsecond=0)
    start += timedelta(days=days)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "registration_closes_at": (start - timedelta(hours=1)).isoformat(),
    }


def test_an_idempotency_key_is_bound_to_its_request_and_session(client, org, session):
    make(client, org)
    me, other = session("13800138000"), session("13900139000")
    key = {"Idempotency-Key": "k-123"}
    first = register(client, {**me, **key})
    assert first.status_code == 201
    replay = register(client, {**me, **key})
    assert replay.status_code == 201 and replay.get_json() == first.get_json()
    # someone else's key, or a different body: refused, nothing of the first answer shown
    r = register(client, {**other, **key})
    assert refused(r, 422) == "idempotency_key_reused"
    assert "manage_url" not in r.get_json() and first.get_json()["registration_id"] not in r.get_data(True)
    assert refused(register(client, {**me, **key}, members=[member(9)]), 422) == "idempotency_key_reused"


def test_already_registered_is_said_only_to_the_owner(client, org, session):
    make(client, org, real_name=False)
    me = session("13800138000")
    assert register(client, me, members=[]).status_code == 201
    assert refused(register(client, me, members=[]), 409) == "already_registered"
    # posting someone else's phone without their session is not an answer about them
    r = register(client, session("13900139000"), members=[], phone="13800138000")
    assert refused(r, 401) == "phone_not_verified"
    assert refused(register(client, {}, members=[], phone="13800138000"), 401) == "phone_not_verified"


def test_my_registrations_are_mine_only(client, org, session):
    make(client, org, real_name=False)
    me, other = session("13800138000"), session("13900139000")
    rid = register(client, me, members=[]).get_json()["registration_id"]
    assert client.get(f"/api/v1/me/registrations/{rid}", headers=me).get_json()["ticket"]["qr_png_url"]
    assert (
        refused(client.get(f"/api/v1/me/registrations/{rid}", headers=other), 404) == "unknown_registration"
    )
    assert (
        refused(client.delete(f"/api/v1/me/registrations/{rid}", headers=other), 404)
        == "unknown_registration"
    )
    assert client.get("/api/v1/me/registrations", headers=other).get_json()["registrations"] == []
    assert refused(client.get("/api/v1/me/registrations"), 401) == "phone_not_verified"


def test_a_lecture_without_real_name_takes_no_members(client, org, session):
    make(client, org, aid="talk", real_name=False, kind="lecture")
    r = register(client, session("13800138000"), aid="talk", members=[], party=2)
    assert r.status_code == 201, r.get_json()
