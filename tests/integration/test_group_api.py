"""Issue 29, groups over HTTP: the roster's preview (masked) and its errors by spreadsheet row in the
request's language; the booking as one registration from the group quota; (the reasons in OpenAPI: test_vocabulary_registration.py)."""

from __future__ import annotations

import io

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import bearer, resident_id, seed_session

AID = "imax-group"
ROSTER = f"/api/v1/activities/{AID}/groups/roster"
BOOK = f"/api/v1/activities/{AID}/groups"


@pytest.fixture
def client(settings, redis):
    s = settings.with_overrides(require_verified_phone=1, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0)
    app = create_app(s, redis_client=redis)
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    doc = activity_doc(AID, real_name=True, audience="public", max_party_size=2, capacity=20)
    doc["quotas"] = {"group": {"seats": 5}}
    c = app.test_client()
    made = c.post("/api/v1/activities", json=doc, headers=org)
    assert made.status_code == 201, made.get_json()
    c.token = seed_session(redis, s.redis_prefix, "13800000291")  # type: ignore[attr-defined]
    return c


def upload(rows: list[str], **form: str) -> dict:
    data = ("姓名,身份证号,出生日期\n" + "\n".join(rows) + "\n").encode()
    return {**form, "file": (io.BytesIO(data), "class.csv")}


def test_the_preview_masks_every_id_and_keeps_nothing(client):
    r = client.post(
        ROSTER, data=upload([f"王小明,{resident_id(1)},", "李小红,,2017-05-01"]), headers=bearer(client.token)
    )
    got = r.get_json()
    assert r.status_code == 200 and got["party_size"] == 3
    assert got["rows"][0]["row"] == 2 and got["rows"][0]["id_masked"].count("*") > 8
    assert got["rows"][1]["child"] is True and resident_id(1) not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "text"),
    [("zh-CN", "校验位不正确，请核对号码"), ("en", "The check digit does not match; check the number.")],
)
def test_each_bad_row_is_said_with_its_row_and_field_in_the_request_s_language(client, lang, text):
    bad = resident_id(2)[:-1] + ("0" if resident_id(2)[-1] != "0" else "1")
    r = client.post(
        ROSTER,
        data=upload([f"王小明,{resident_id(1)},", f"张三,{bad},"]),
        headers={**bearer(client.token), "Accept-Language": lang},
    )
    got = r.get_json()
    assert r.status_code == 422 and got["reason"] == "roster_invalid"
    assert got["errors"]["rows"] == {"3": {"id_number": [text]}}


def test_a_group_is_booked_from_the_group_quota_and_one_too_large_is_refused(client):
    lead = {
        "name": "赵老师",
        "organization": "沈阳市第一中学",
        "id_type": "resident_id",
        "id_number": resident_id(99),
        "consent": "1",
    }
    r = client.post(
        BOOK,
        data=upload([f"学生{i},{resident_id(i)}," for i in range(1, 6)], **lead),
        headers=bearer(client.token),
    )
    assert r.status_code == 409 and r.get_json()["reason"] == "group_quota_full"  # six people, five kept
    r = client.post(
        BOOK,
        data=upload([f"学生{i},{resident_id(i)}," for i in range(1, 5)], **lead),
        headers=bearer(client.token),
    )
    got = r.get_json()
    assert r.status_code == 201 and got["status"] == "confirmed" and got["party_size"] == 5


def test_a_roster_needs_a_verified_phone(client):
    r = client.post(ROSTER, data=upload([f"王小明,{resident_id(1)},"]))
    assert r.status_code == 401 and r.get_json()["reason"] == "phone_not_verified"
