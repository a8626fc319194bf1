"""The registration API against real Redis: every refusal with its reason, idempotency, the
manage link, the waitlist and capacity changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def app(settings, redis):
    return create_app(settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def org(settings, redis):
    return {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}


def make_activity(client, org, aid="imax-a", **over):
    r = client.post("/api/v1/activities", json=activity_doc(aid, **over), headers=org)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def register(client, aid="imax-a", phone="13800000001", party=1, headers=None, **over):
    body = {"name": "张三", "phone": phone, "organization": "中国科学院沈阳分院", "party_size": party}
    body.update(over)
    return client.post(f"/api/v1/activities/{aid}/registrations", json=body, headers=headers or {})


def reason(resp, status):
    body = resp.get_json()
    assert resp.status_code == status, body
    assert body["status"] == "error"
    return body["reason"]


# -- refusals ---------------------------------------------------------------------------------
def test_unknown_activity(client):
    assert reason(register(client, "no-such"), 404) == "unknown_activity"


def test_already_registered(client, org):
    make_activity(client, org)
    assert register(client).status_code == 201
    assert reason(register(client), 409) == "already_registered"


def test_sold_out_when_waitlist_is_off(client, org):
    make_activity(client, org, capacity=2, waitlist={"enabled": False, "max_length": 0})
    assert register(client, party=2).status_code == 201
    assert reason(register(client, phone="13800000002"), 409) == "sold_out"


def test_sold_out_when_waitlist_is_full(client, org):
    make_activity(client, org, capacity=1, waitlist={"enabled": True, "max_length": 1})
    assert register(client).get_json()["status"] == "confirmed"
    assert register(client, phone="13800000002").get_json()["status"] == "waitlisted"
    assert reason(register(client, phone="13800000003"), 409) == "sold_out"


def test_registration_not_open(client, org):
    now = datetime.now(TZ)
    make_activity(client, org, registration_opens_at=(now + timedelta(days=1)).isoformat())
    assert reason(register(client), 409) == "registration_not_open"


def test_registration_closed(client, org):
    now = datetime.now(TZ)
    make_activity(
        client,
        org,
        registration_opens_at=(now - timedelta(days=2)).isoformat(),
        registration_closes_at=(now - timedelta(minutes=1)).isoformat(),
    )
    assert reason(register(client), 409) == "registration_closed"


def test_activity_cancelled(client, org):
    make_activity(client, org)
    r = client.post("/api/v1/activities/imax-a/cancel", json={"reason": "设备检修"}, headers=org)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert reason(register(client), 409) == "activity_cancelled"


@pytest.mark.parametrize(
    "body_over, field",
    [
        ({"phone": "12345678901"}, "phone"),  # 11 digits, not a mobile
        ({"phone": "1380000000"}, "phone"),  # 10 digits
        ({"party_size": 0}, "party_size"),
        ({"party_size": -1}, "party_size"),
        ({"party_size": 5}, "party_size"),  # over this activity's max of 4
        ({"party_size": "2"}, "party_size"),  # wrong type
        ({"organization": ""}, "organization"),  # required for sci_workers_and_families
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_validation_failed_names_the_field(client, org, body_over, field):
    make_activity(client, org)
    r = register(client, **body_over)
    assert reason(r, 422) == "validation_failed"
    assert field in r.get_json()["errors"]


def test_validation_messages_follow_the_locale(client, org):
    make_activity(client, org)
    zh = register(client, phone="123").get_json()
    en = register(client, phone="123", locale="en").get_json()
    assert zh["errors"]["phone"] == ["请输入11位大陆手机号"]
    assert en["errors"]["phone"] == ["Not a valid mobile number."]


def test_public_audience_needs_no_organization(client, org):
    make_activity(client, org, audience="public")
    assert register(client, organization=None).status_code == 201


def test_rate_limited_per_phone_with_retry_after(settings, org):
    app = create_app(settings.with_overrides(rate_limit_phone_per_min=2, rate_limit_ip_per_min=0))
    c = app.test_client()
    make_activity(c, org)
    codes = [register(c, phone="13811112222").status_code for _ in range(2)]
    assert codes == [201, 409]
    r = register(c, phone="13811112222")
    assert reason(r, 429) == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_rate_limited_per_client_address(settings, org):
    app = create_app(settings.with_overrides(rate_limit_phone_per_min=0, rate_limit_ip_per_min=3))
    c = app.test_client()
    make_activity(c, org)
    codes = [register(c, phone=f"1381111000{i}").status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]


# -- idempotency ------------------------------------------------------------------------------
def test_same_idempotency_key_returns_the_first_response(client, org, redis, settings):
    make_activity(client, org, capacity=1)
    first = register(client, headers={"Idempotency-Key": "k-1"})
    again = register(client, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    act = client.get("/api/v1/activities/imax-a").get_json()
    assert act["seats_taken"] == 1


def test_huge_idempotency_key_is_refused(client, org):
    make_activity(client, org)
    assert reason(register(client, headers={"Idempotency-Key": "k" * 5000}), 422) == "validation_failed"


# -- the manage link --------------------------------------------------------------------------
def test_manage_link_reads_and_cancels_and_frees_the_seats(client, org):
    make_activity(client, org, capacity=4)
    created = register(client, party=3).get_json()
    rid, token = created["registration_id"], created["manage_url"].split("t=")[1]
    got = client.get(f"/api/v1/registrations/{rid}?token={token}").get_json()
    assert got["status"] == "confirmed" and got["phone_masked"] == "138****0001"
    assert reason(client.get(f"/api/v1/registrations/{rid}"), 401) == "unauthorized"
    assert reason(client.get(f"/api/v1/registrations/{rid}?token=wrong"), 404) == "unknown_registration"
    assert reason(client.delete(f"/api/v1/registrations/{rid}?token=wrong"), 404) == "unknown_registration"
    r = client.delete(f"/api/v1/registrations/{rid}", headers={"X-Manage-Token": token})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled" and r.get_json()["ticket"] is None
    assert client.get("/api/v1/activities/imax-a").get_json()["seats_left"] == 4
    # the same phone may register again once its registration is cancelled
    assert register(client).status_code == 201


def test_qr_images_need_the_token_and_a_confirmed_ticket(client, org):
    import io

    import zxingcpp
    from PIL import Image

    make_activity(client, org)
    created = register(client).get_json()
    png = client.get(created["ticket"]["qr_png_url"].replace("http://127.0.0.1:8001", ""))
    assert png.status_code == 200 and png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [d.text for d in decoded] == [created["ticket"]["code"]]
    svg = client.get(created["ticket"]["qr_svg_url"].replace("http://127.0.0.1:8001", ""))
    assert svg.status_code == 200 and b"<svg" in svg.data
    rid = created["registration_id"]
    assert reason(client.get(f"/api/v1/registrations/{rid}/qr.png?token=nope"), 404) == "unknown_registration"


# -- waitlist ---------------------------------------------------------------------------------
def _token(created):
    return created["manage_url"].split("t=")[1]


def test_waitlist_is_fifo_and_all_or_nothing(client, org):
    make_activity(client, org, capacity=4)
    a = register(client, phone="13800000001", party=4).get_json()  # takes every seat
    b = register(client, phone="13800000002", party=3).get_json()  # waits first
    c = register(client, phone="13800000003", party=1).get_json()  # waits second
    assert (b["status"], b["waitlist_position"]) == ("waitlisted", 1)
    assert (c["status"], c["waitlist_position"]) == ("waitlisted", 2)
    assert b["ticket"] is None
    # Cancelling A frees 4 seats: B (3) and then C (1) are promoted, in order.
    client.delete(f"/api/v1/registrations/{a['registration_id']}?token={_token(a)}")
    gb = client.get(f"/api/v1/registrations/{b['registration_id']}?token={_token(b)}").get_json()
    gc = client.get(f"/api/v1/registrations/{c['registration_id']}?token={_token(c)}").get_json()
    assert gb["status"] == gc["status"] == "confirmed"
    assert gb["ticket"]["code"].startswith("SD1.")


def test_a_smaller_party_behind_never_overtakes(client, org):
    make_activity(client, org, capacity=4)
    a = register(client, phone="13800000001", party=2).get_json()
    register(client, phone="13800000002", party=2)  # full now
    fam = register(client, phone="13800000003", party=3).get_json()  # waits first
    solo = register(client, phone="13800000004", party=1).get_json()  # waits second
    client.delete(f"/api/v1/registrations/{a['registration_id']}?token={_token(a)}")  # 2 seats free
    assert (
        client.get(f"/api/v1/registrations/{fam['registration_id']}?token={_token(fam)}").get_json()["status"]
        == "waitlisted"
    )
    got = client.get(f"/api/v1/registrations/{solo['registration_id']}?token={_token(solo)}").get_json()
    assert got["status"] == "waitlisted" and got["waitlist_position"] == 2
    # a newcomer also queues behind them while anyone waits
    new = register(client, phone="13800000005", party=1).get_json()
    assert new["status"] == "waitlisted" and new["waitlist_position"] == 3


def test_leaving_the_waitlist(client, org):
    make_activity(client, org, capacity=1)
    register(client, phone="13800000001")
    w1 = register(client, phone="13800000002").get_json()
    w2 = register(client, phone="13800000003").get_json()
    r = client.delete(f"/api/v1/registrations/{w1['registration_id']}?token={_token(w1)}")
    assert r.get_json()["status"] == "cancelled"
    got = client.get(f"/api/v1/registrations/{w2['registration_id']}?token={_token(w2)}").get_json()
    assert got["waitlist_position"] == 1
    assert client.get("/api/v1/activities/imax-a").get_json()["waitlist_length"] == 1


def test_raising_capacity_promotes_and_lowering_below_taken_is_refused(client, org):
    make_activity(client, org, capacity=2)
    register(client, phone="13800000001", party=2)
    w = register(client, phone="13800000002", party=2).get_json()
    assert (
        reason(client.patch("/api/v1/activities/imax-a", json={"capacity": 1}, headers=org), 409)
        == "capacity_below_taken"
    )
    r = client.patch("/api/v1/activities/imax-a", json={"capacity": 4}, headers=org)
    assert r.status_code == 200 and r.get_json()["seats_left"] == 0
    assert (
        client.get(f"/api/v1/registrations/{w['registration_id']}?token={_token(w)}").get_json()["status"]
        == "confirmed"
    )


def test_no_promotion_after_the_activity_started(app, client, org):
    make_activity(client, org, capacity=1)
    a = register(client, phone="13800000001").get_json()
    w = register(client, phone="13800000002").get_json()
    store = app.extensions["sciday.seats"]
    doc, _ = store.get_activity("imax-a")
    after_start = datetime.fromisoformat(doc["starts_at"]) + timedelta(seconds=1)
    store.cancel("imax-a", a["registration_id"], now=after_start)
    assert store.get_registration(w["registration_id"])["status"] == "waitlisted"


def test_the_public_ticket_keys_are_served(client):
    keys = client.get("/api/v1/keys")
    assert keys.status_code == 200 and keys.get_json()["keys"], keys.get_json()


# -- organizer endpoints ----------------------------------------------------------------------
def test_activity_writes_need_an_organizer_token(client, settings, redis):
    assert reason(client.post("/api/v1/activities", json=activity_doc("x")), 401) == "unauthorized"
    steward = create_token(redis, settings.redis_prefix, "steward", "door 1", venue="ln-stm")
    r = client.post(
        "/api/v1/activities", json=activity_doc("x"), headers={"Authorization": f"Bearer {steward}"}
    )
    assert reason(r, 403) == "forbidden"
    assert reason(client.patch("/api/v1/activities/x", json={"capacity": 5}), 401) == "unauthorized"
    assert reason(client.post("/api/v1/activities/x/cancel", json={}), 401) == "unauthorized"


def test_activity_list_shows_seats_left_and_waitlist_length(client, org):
    make_activity(client, org, capacity=3)
    register(client, phone="13800000001", party=3)
    register(client, phone="13800000002", party=2)
    [act] = client.get("/api/v1/activities").get_json()["activities"]
    assert (act["seats_left"], act["waitlist_length"], act["waitlist_people"]) == (0, 1, 2)
    assert act["title"]["zh"] == "巨幕科技工作者专场"


def test_bad_activity_input_is_422(client, org):
    r = client.post("/api/v1/activities", json=activity_doc("Bad Slug!", capacity=-1), headers=org)
    body = r.get_json()
    assert reason(r, 422) == "validation_failed" and {"id", "capacity"} <= set(body["errors"])
