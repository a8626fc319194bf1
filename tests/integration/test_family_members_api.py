"""Issue 26 over HTTP: a child's guardian refused with its own reason and field in the request's
language, and a member corrected through the manage link's API (PATCH), another ID only when
asked; the reasons are in OpenAPI."""

from __future__ import annotations

import re

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import bearer, resident_id, seed_session

URL = "/api/v1/activities/imax-fam/registrations"


@pytest.fixture
def client(settings, redis):
    s = settings.with_overrides(require_verified_phone=1, rate_limit_ip_per_min=0, rate_limit_phone_per_min=0)
    app = create_app(s, redis_client=redis)
    org = {"Authorization": "Bearer " + create_token(redis, s.redis_prefix, "organizer", "t")}
    doc = activity_doc("imax-fam", real_name=True, audience="public", max_party_size=4)
    c = app.test_client()
    assert c.post("/api/v1/activities", json=doc, headers=org).status_code == 201
    c.token = seed_session(redis, s.redis_prefix, "13800000261")  # type: ignore[attr-defined]
    return c


def body(guardian: int | None) -> dict:
    child = {"name": "李小宝", "id_type": "none", "birth_date": "2021-06-01"}
    members = [
        {"name": "王芳", "id_type": "resident_id", "id_number": resident_id(900)},
        {"name": "李大宝", "id_type": "none", "birth_date": "2019-06-01"},
        child if guardian is None else {**child, "guardian": guardian},
    ]
    return {"name": "王芳", "party_size": 3, "members": members, "consent": True}


@pytest.mark.parametrize(
    ("lang", "text"),
    [("zh-CN", "监护人须为填写了证件的成员。"), ("en", "The guardian must be a member who gives an ID.")],
)
def test_a_guardian_without_an_id_is_refused_on_the_child_s_field(client, lang, text):
    r = client.post(URL, json=body(1), headers={**bearer(client.token), "Accept-Language": lang})
    got = r.get_json()
    assert r.status_code == 422 and got["reason"] == "guardian_invalid"
    assert got["errors"]["members"]["2"]["guardian"] == [text]


def test_a_member_is_corrected_through_the_api_and_another_id_only_when_asked(client):
    made = client.post(URL, json=body(0), headers=bearer(client.token)).get_json()
    rid, token = made["registration_id"], re.search(r"[?&]t(?:oken)?=([^&]+)", made["manage_url"]).group(1)
    path = f"/api/v1/registrations/{rid}/members/0?token={token}"
    typed = {"name": "汪芳", "id_type": "resident_id", "id_number": resident_id(900)}
    r = client.patch(path, json=typed)
    assert r.status_code == 200 and r.get_json()["members"][0]["name_masked"] == "汪*"
    assert r.get_json()["members"][2]["guardian"]["name_masked"] == "汪*"
    other = {**typed, "id_number": resident_id(901)}
    r = client.patch(path, json=other)
    assert r.status_code == 409 and r.get_json()["reason"] == "member_id_changed"
    r = client.patch(path, json={**other, "replace": True})
    assert r.status_code == 200 and r.get_json()["members"][0]["id_masked"].endswith(resident_id(901)[-4:])


def test_openapi_names_the_new_reasons(client):
    spec = client.get("/openapi.json").get_data(True)
    assert "guardian_invalid" in spec and "member_id_changed" in spec


def test_without_script_the_form_opens_with_the_party_size_asked(client):
    from services.registration.access.api import COOKIE

    client.set_cookie(COOKIE, client.token)
    page = client.get("/a/imax-fam?party_size=3").get_data(True)
    shown = re.findall(r'<fieldset class="member" data-member="([0-9])">', page)
    hidden = re.findall(r'<fieldset class="member" data-member="([0-9])" hidden disabled>', page)
    assert (shown, hidden) == (["0", "1", "2"], ["3"])
    assert 'href="/a/imax-fam?party_size=2"' in page  # the links that change it
