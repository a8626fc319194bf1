"""Issue 23, finding 2, against real Redis and the local real-name authority over HTTP: made-up ID
numbers no longer pass the per-ID limits, the same number under two types is one person, and a
Chinese passport has a Chinese passport's shape."""

from __future__ import annotations

import pytest
import requests

from services.registration.app import create_app
from tests.fair_support import resident_id
from tests.integration.test_fair_registration import make, org, refused, register, session

REAL, MADE_UP = "210102198808085152", "210102195001075152"  # same first 4 and last 4, both valid
VARIANTS = ("210102195803035152", "210102196207075152")  # check-digit-valid too, unknown to anyone


def wang(number=REAL, name="王芳"):
    return {"name": name, "id_type": "resident_id", "id_number": number}


@pytest.fixture
def client(settings, redis):
    over = {"require_verified_phone": 1, "rate_limit_ip_per_min": 0, "rate_limit_phone_per_min": 0}
    return create_app(settings.with_overrides(**over, id_per_day=2), redis_client=redis).test_client()


def faults(authority, **spec):
    requests.post(authority.url.replace("/verify", "/faults"), json=spec, timeout=5).raise_for_status()


def test_a_made_up_number_with_the_same_ends_is_refused_where_the_real_id_is_at_its_cap(client, org, session):
    for aid in ("rn-a", "rn-b", "rn-c"):
        make(client, org, aid=aid)
    for i, aid in enumerate(("rn-a", "rn-b")):  # the real ID at its 2-per-day cap
        assert register(client, session(f"1380000000{i}"), aid, [wang()]).status_code == 201
    assert refused(register(client, session("13800000009"), "rn-c", [wang()]), 409) == "id_limit_reached"
    r = register(client, session("13900000001"), "rn-c", [wang(MADE_UP)], locale="en")
    assert refused(r, 422) == "id_unverified"
    assert r.get_json()["message"] == "Real-name check failed: the name and ID number were not confirmed."
    assert r.get_json()["errors"] == {
        "members": {
            "0": {"id_number": ["The real-name check did not confirm this name and number; check them."]}
        }
    }
    # and the variants in an activity the real ID already holds
    for k, number in enumerate(VARIANTS):
        assert (
            refused(register(client, session(f"1390000001{k}"), "rn-a", [wang(number)]), 422)
            == "id_unverified"
        )


def test_a_real_number_under_another_name_is_refused(client, org, session):
    make(client, org, aid="rn-name")
    r = register(client, session("13800000001"), "rn-name", [wang(name="黄牛")])
    assert refused(r, 422) == "id_unverified"
    assert r.get_json()["message"] == "实名核验未通过：姓名与证件号码不一致或查无此证"


def test_a_lottery_entry_with_a_made_up_number_is_refused(settings, redis, org, session):
    from tests.integration.test_lottery_wired import AID, opened

    over = {"require_verified_phone": 1, "rate_limit_ip_per_min": 0, "rate_limit_phone_per_min": 0}
    client, _draw_at = opened(create_app(settings.with_overrides(**over), redis_client=redis), org)
    body = {"name": "王芳", "organization": "中国科学院", "party_size": 1, "members": [wang(MADE_UP)]}
    entries = f"/api/v1/activities/{AID}/lottery/entries"
    assert refused(client.post(entries, json=body, headers=session("13800000001")), 422) == "id_unverified"
    body["members"] = [wang()]
    r = client.post(entries, json=body, headers=session("13800000001"))
    assert r.status_code == 201, r.get_json()


def test_the_same_number_as_a_taiwan_permit_and_as_a_passport_is_one_person(client, org, session):
    make(client, org, aid="rn-tw")
    permit = {"name": "林志明", "id_type": "taiwan_permit", "id_number": "12345678"}
    passport = {"name": "林志明", "id_type": "passport", "id_number": "12345678", "nationality": "NZL"}
    assert register(client, session("13800000001"), "rn-tw", [permit]).status_code == 201
    assert refused(register(client, session("13800000002"), "rn-tw", [passport]), 409) == "id_duplicate"
    both = register(client, session("13800000003"), "rn-tw", [passport, permit])
    assert refused(both, 422) == "id_invalid"
    assert both.get_json()["errors"]["members"]["1"]["id_number"] == ["同一证件不能重复填写"]


def test_zz00001_is_no_chinese_passport(client, org, session):
    make(client, org, aid="rn-pp")
    fake = {"name": "李华", "id_type": "passport", "id_number": "ZZ00001", "nationality": "CHN"}
    r = register(client, session("13800000001"), "rn-pp", [fake])
    assert refused(r, 422) == "id_invalid"
    assert r.get_json()["errors"]["members"]["0"]["id_number"] == ["证件号码格式不正确"]
    no_country = dict(fake, id_number="E12345678", nationality=None)
    r = register(client, session("13800000001"), "rn-pp", [no_country], locale="en")
    assert refused(r, 422) == "id_invalid"
    assert r.get_json()["errors"]["members"]["0"]["nationality"] == [
        "Give the passport's issuing country as its 3-letter code (e.g. CHN)."
    ]
    real = dict(fake, id_number="E12345678")
    assert register(client, session("13800000001"), "rn-pp", [real]).status_code == 201


def test_an_authority_that_is_down_is_a_503_and_activities_without_real_names_never_ask(
    client, org, session, realname_authority
):
    make(client, org, aid="rn-down")
    make(client, org, aid="rn-open", real_name=False)
    faults(realname_authority, seconds=60)
    try:
        r = register(client, session("13800000001"), "rn-down", [wang()])
        assert refused(r, 503) == "realname_unavailable"
        asked = len(realname_authority.asked)
        r = register(client, session("13800000002"), "rn-open", [], phone="13800000002")
        assert r.status_code == 201, r.get_json()
        assert len(realname_authority.asked) == asked
    finally:
        faults(realname_authority, seconds=0)


def test_with_unverified_allowed_a_made_up_number_books_marked_unverified(settings, redis, org, session):
    over = {"require_verified_phone": 1, "rate_limit_ip_per_min": 0, "realname_unverified_may_book": 1}
    client = create_app(settings.with_overrides(**over), redis_client=redis).test_client()
    make(client, org, aid="rn-lax")
    r = register(client, session("13800000001"), "rn-lax", [wang(MADE_UP), wang(resident_id(3), "张三")])
    assert r.status_code == 201, r.get_json()
    from services.registration.seats.store import SeatStore

    stored = SeatStore(redis, settings).get_registration(r.get_json()["registration_id"])
    assert [m.get("verified") for m in stored["members"]] == [False, None]
