"""代预约 (issue 29 item 3) against real Redis and the seat script: a verified phone books for
someone else, the limits count the person who goes, and one phone may book for at most
SCIDAY_PROXY_MAX_PERSONS_PER_FESTIVAL different people in the festival (access/fair.lua)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import bearer, member, seed_session

HELPER, GRANDMA = "13800138000", "13900139001"


def app_with(settings, redis, cap: int):
    return create_app(
        settings.with_overrides(
            require_verified_phone=1,
            rate_limit_ip_per_min=0,
            rate_limit_phone_per_min=0,
            rate_limit_id_per_min=0,
            id_per_day=2,
            id_per_festival=3,
            proxy_max_persons_per_festival=cap,
        ),
        redis_client=redis,
    )


@pytest.fixture
def client(settings, redis):
    return app_with(settings, redis, 4).test_client()


@pytest.fixture
def capped(settings, redis):
    """A client whose phones may book for ``n`` people each."""
    return lambda n: app_with(settings, redis, n).test_client()


@pytest.fixture
def org(settings, redis):
    return {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}


@pytest.fixture
def session(redis, settings):
    return lambda phone: bearer(seed_session(redis, settings.redis_prefix, phone))


def on_day(days: int) -> dict:
    """Times on a festival day ``days`` ahead, 10:00 local: far enough that the hour never matters."""
    start = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=10, minute=0, second=0, microsecond=0)
    start += timedelta(days=days)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}


def make(client, org, aid, real_name=False, **over):
    doc = activity_doc(aid, real_name=real_name, capacity=100, **over)
    r = client.post("/api/v1/activities", json=doc, headers=org)
    assert r.status_code == 201, r.get_json()


def book(client, headers, aid, name="王奶奶", members=None, **over):
    body = {"name": name, "organization": "中国科学院", "party_size": len(members) if members else 1}
    if members:
        body["members"] = members
    body.update(over)
    return client.post(f"/api/v1/activities/{aid}/registrations", json=body, headers=headers)


def for_other(client, headers, aid, **over):
    return book(client, headers, aid, for_someone_else=True, **over)


def reason(resp, status):
    body = resp.get_json()
    assert resp.status_code == status, body
    return body["reason"]


def created(resp) -> str:
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["registration_id"]


def test_the_attendee_phone_is_the_one_registration_per_phone(client, org, session):
    make(client, org, "talk")
    helper = session(HELPER)
    created(for_other(client, helper, "talk", attendee_phone=GRANDMA))
    # the helper's own phone is not taken: they book for themselves too
    created(book(client, helper, "talk", name="王小明"))
    # grandma's phone is: neither she nor the helper books her a second time
    assert reason(book(client, session(GRANDMA), "talk"), 409) == "already_registered"
    assert reason(for_other(client, helper, "talk", attendee_phone=GRANDMA), 409) == "already_registered"


def test_without_their_phone_or_id_the_helpers_phone_counts(client, org, session):
    make(client, org, "talk")
    helper = session(HELPER)
    created(book(client, helper, "talk", name="王小明"))
    assert reason(for_other(client, helper, "talk", name="王爷爷"), 409) == "already_registered"


def test_on_real_name_activities_the_attendees_id_is_the_per_phone_entry(client, org, session):
    make(client, org, "rn", real_name=True)
    helper = session(HELPER)
    created(for_other(client, helper, "rn", name="王爷爷", members=[member(1, "王爷爷")]))
    created(book(client, helper, "rn", name="王小明", members=[member(2, "王小明")]))


def test_the_per_id_limits_count_the_attendee_not_the_helper(client, org, session):
    for i, day in enumerate([3, 3, 3]):
        make(client, org, f"rn-{i}", real_name=True, **on_day(day))
    helper = session(HELPER)
    grandpa = [member(1, "王爷爷")]
    created(for_other(client, helper, "rn-0", name="王爷爷", members=grandpa))
    created(for_other(client, helper, "rn-1", name="王爷爷", members=grandpa))
    # grandpa's ID has had its two that day (id_per_day=2), whoever books it
    r = for_other(client, helper, "rn-2", name="王爷爷", members=grandpa)
    assert reason(r, 409) == "id_limit_reached"
    # the helper's own ID was never counted: they still go that day
    created(book(client, helper, "rn-2", name="王小明", members=[member(2, "王小明")]))


def test_the_helper_cap_counts_people_not_bookings_and_a_cancel_keeps_it(capped, org, session):
    client = capped(2)
    for aid in ("a", "b"):
        make(client, org, aid)
    helper = session(HELPER)
    created(for_other(client, helper, "a", name="王奶奶", attendee_phone=GRANDMA))
    created(for_other(client, helper, "b", name="王奶奶", attendee_phone=GRANDMA))  # the same person
    second = created(for_other(client, helper, "a", name="李叔叔", attendee_phone="13900139002"))
    third = for_other(client, helper, "a", name="赵阿姨", attendee_phone="13900139003", locale="en")
    assert reason(third, 409) == "proxy_limit_reached"
    assert third.get_json()["message"] == "This phone may book for no more other people this festival."
    # a cancel gives no place back: the cap bounds the people ever booked for (docs/fair-access.md)
    assert (
        client.delete(f"/api/v1/me/registrations/{second}", headers=helper).get_json()["status"]
        == "cancelled"
    )
    r = for_other(client, helper, "b", name="赵阿姨", attendee_phone="13900139003")
    assert reason(r, 409) == "proxy_limit_reached"
    assert r.get_json()["message"] == "本手机号在本届科学节为他人预约的人数已达上限。"
    # the cap is the helper's: booking for themselves is not counted, nor is anyone else's helping
    created(book(client, helper, "b", name="王小明"))
    created(for_other(client, session("13700137000"), "b", name="赵阿姨", attendee_phone="13900139003"))


def test_scalper_drill_one_phone_for_twenty_people_gets_the_cap(client, org, session, redis, settings):
    make(client, org, "hot", max_party_size=1)
    scalper = session("13600136000")
    codes = [
        for_other(client, scalper, "hot", name="路人", attendee_phone=f"1390000{i:04d}").status_code
        for i in range(20)
    ]
    assert codes.count(201) == 4 and codes.count(409) == 16
    assert codes[:4] == [201] * 4  # the first four, then nobody
    assert redis.hlen(_proxy_key(app_settings=settings, phone="13600136000")) == 4


def test_the_helper_sees_and_cancels_it_and_grandmas_phone_rests_sealed(
    client, org, session, redis, settings
):
    make(client, org, "talk")
    helper = session(HELPER)
    rid = created(for_other(client, helper, "talk", attendee_phone=GRANDMA))
    mine = client.get("/api/v1/me/registrations", headers=helper).get_json()["registrations"]
    assert [(r["registration_id"], r["for_someone_else"], r["attendee_phone_masked"]) for r in mine] == [
        (rid, True, "139****9001")
    ]
    assert GRANDMA.encode() not in b"".join(_every_value(redis, settings.redis_prefix))
    assert (
        client.delete(f"/api/v1/me/registrations/{rid}", headers=helper).get_json()["status"] == "cancelled"
    )
    # her phone is free again for the activity
    created(book(client, session(GRANDMA), "talk"))


def test_erasure_forgets_the_person_and_keeps_the_count(capped, org, session, redis, settings):
    client = capped(1)
    make(client, org, "talk")
    helper = session(HELPER)
    rid = created(for_other(client, helper, "talk", attendee_phone=GRANDMA))
    key = _proxy_key(app_settings=settings, phone=HELPER)
    person = next(iter(redis.hkeys(key)))
    r = client.post(f"/api/v1/me/registrations/{rid}/erasure", headers=helper)
    assert r.status_code == 200, r.get_json()
    assert redis.hkeys(key) == [f"x:{rid}".encode()] and person != f"x:{rid}".encode()
    assert reason(for_other(client, helper, "talk", name="李叔叔", attendee_phone="13900139002"), 409) == (
        "proxy_limit_reached"
    )


def _proxy_key(app_settings, phone: str) -> str:
    from services.registration.access import fair
    from shared import keyfile

    secret = keyfile.from_settings(app_settings, "registration-hmac", "SCIDAY_HMAC_SECRET")
    return f"{app_settings.redis_prefix}proxy:{fair.owner_ref(secret, phone)}"


def _every_value(redis, prefix: str):
    for key in redis.scan_iter(f"{prefix}*"):
        kind = redis.type(key).decode()
        if kind == "hash":
            yield from redis.hvals(key)
        elif kind == "stream":
            yield repr(redis.xrange(key)).encode()
        elif kind == "string":
            yield redis.get(key)


def test_notify_sends_the_person_booked_for_the_ticket_too(client, org, session, redis, settings):
    from services.notify import consumer as notify_consumer
    from shared import events as ev
    from shared import sealed, shredding
    from shared.envelope import decode
    from shared.outbox import stream_key

    make(client, org, "talk")
    rid = created(for_other(client, session(HELPER), "talk", attendee_phone=GRANDMA))
    (confirmed,) = [
        e
        for e in (decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings)))
        if e["type"] == ev.REGISTRATION_CONFIRMED
    ]
    assert GRANDMA not in repr(confirmed)  # never on a topic in clear
    ring = shredding.Opener(sealed.sealer(settings, sealed.NOTIFY), redis, settings.redis_prefix)
    assert ring.open(confirmed["data"]["sealed"])["attendee_phone"] == GRANDMA
    worker = notify_consumer.bootstrap(settings, redis)
    assert worker.notices.handle(confirmed) == 2  # an SMS to the helper, one to grandma
    assert [e["channel"] for e in worker.deliveries.entries(rid)] == ["sms", "sms"]


def test_openapi_documents_the_fields_and_the_reason(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    body = next(
        s
        for name, s in schemas.items()
        if name.startswith("Registration") and "party_size" in s.get("required", [])
    )
    assert {"for_someone_else", "attendee_phone"} <= set(body["properties"])
    assert "proxy_limit_reached" in client.get("/openapi.json").get_data(True)
